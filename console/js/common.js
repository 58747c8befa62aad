import { get } from "./api.js";
import { h, shortHex } from "./dom.js";
import { formatDateTime, has, t } from "./i18n.js";
import { countsWorkingDays, workingDaysLeft } from "./workdays.js";

/** An identity number as it may be shown back: first four and last four characters, e.g. 4401**********1234. */
export function maskIdNumber(idNumber) {
  const value = String(idNumber).trim();
  if (value.length <= 8) return "*".repeat(value.length);
  return `${value.slice(0, 4)}${"*".repeat(value.length - 8)}${value.slice(-4)}`;
}

let departments = null;

/** The member departments by id (lower case), fetched once per page load. */
export async function departmentsById() {
  if (departments === null) {
    const list = await get("/v1/departments");
    departments = new Map(list.items.map((d) => [String(d.id).toLowerCase(), d]));
  }
  return departments;
}

export function departmentName(byId, ref) {
  const id = typeof ref === "string" ? ref : ref?.id;
  const department = id ? byId.get(String(id).toLowerCase()) : undefined;
  return department?.name ?? ref?.key ?? shortHex(id ?? "");
}

/**
 * How urgent an unanswered request is: the share of its reply window left. Amber below half, red below a fifth and
 * once overdue; escalated when the council has it.
 */
export function urgency(agreement, now = Date.now()) {
  if (agreement.status === "escalated") return "escalated";
  if (!agreement.replyDeadline) return "normal";
  const deadline = Date.parse(agreement.replyDeadline);
  const requested = Date.parse(agreement.requestedAt);
  const window = Math.max(1, deadline - requested);
  const left = deadline - now;
  if (agreement.overdue || left <= 0) return "red";
  if (agreement.replyWorkingDaysLeft === 0) return "red";
  if (left / window < 0.2) return "red";
  if (left / window < 0.5) return "amber";
  return "normal";
}

/**
 * "3 working days left" where the gateway counts them on the council's calendar; else (a calendar without the year)
 * "3 days 4 hours left", "overdue by 2 hours".
 */
export function timeLeft(agreement, now = Date.now()) {
  if (agreement.status === "escalated") return t("time.escalated");
  if (!agreement.replyDeadline) return t("time.none");
  if (countsWorkingDays(agreement)) return workingDaysLeft(agreement);
  const ms = Date.parse(agreement.replyDeadline) - now;
  const span = Math.abs(ms);
  const days = Math.floor(span / 86_400_000);
  const hours = Math.floor((span % 86_400_000) / 3_600_000);
  const amount = days > 0 ? t("time.daysHours", { days, hours }) : t("time.hours", { hours: Math.max(hours, 0) });
  return ms >= 0 ? t("time.left", { amount }) : t("time.overdue", { amount });
}

/** Block and transaction of a chain event, shown with the full hash in reach (title, copyable text). */
export function evidence(block, tx) {
  if (block == null && !tx) return null;
  return h(
    "span",
    { class: "evidence" },
    block == null ? null : [t("evidence.block"), " ", h("code", {}, String(block))],
    block != null && tx ? " · " : null,
    tx ? [t("evidence.tx"), " ", h("code", { title: tx, "data-tx": tx }, shortHex(tx))] : null,
  );
}

/** The notice of a change done on chain: what happened, then where (block and transaction). */
export function successNotice(text, block, tx) {
  return h("div", { class: "notice success", role: "status" }, text, " ", evidence(block, tx));
}

/** The label of an enumeration value (legal basis, status), or the value itself when the console has no word. */
export function label(group, value) {
  return has(`${group}.${value}`) ? t(`${group}.${value}`) : String(value);
}

/** A refused or failed call in words: what was refused and what to do; the code for the helpdesk. */
export function problemNotice(error) {
  const reason = error.problem?.reason;
  const code = reason ?? error.code;
  const known = code && has(`refusal.${code}.title`);
  return h(
    "div",
    { class: "notice error refusal", role: "alert", "data-reason": code ?? "" },
    h("h2", {}, known ? t(`refusal.${code}.title`) : t("refusal.unknown.title", { status: error.status })),
    h("p", {}, known ? t(`refusal.${code}.action`) : (error.problem?.detail ?? error.message)),
    error.problem?.receiptId ? h("p", {}, t("query.deniedReceipt", { id: error.problem.receiptId })) : null,
    code ? h("p", { class: "muted" }, t("refusal.code", { code })) : null,
  );
}

export function formatWhen(value) {
  return value ? formatDateTime(value) : "—";
}

/** A short code stored on chain as bytes32 (a receipt's purpose, a reason): its text, or the hex when it is none. */
export function bytes32Text(value) {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(value)) return String(value ?? "");
  const bytes = value
    .slice(2)
    .match(/../g)
    .map((pair) => parseInt(pair, 16));
  const end = bytes.indexOf(0);
  const used = end === -1 ? bytes : bytes.slice(0, end);
  if (bytes.slice(used.length).some((b) => b !== 0)) return value;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(used));
  } catch {
    return value;
  }
}
