import { h } from "./dom.js";
import { t } from "./i18n.js";
import { departmentName } from "./common.js";

/**
 * Who has put its seal on an agreement: it is in force only once every party has. The lead consumer seals by
 * requesting it, the provider by approving it, each co-consumer by its own seal (`POST /v1/agreements/:id/seal`, which
 * its gateway signs with the department's operator key).
 */
export function parties(agreement) {
  const needsProvider = agreement.replyDeadline !== null || agreement.providerApproved;
  return [
    { role: "consumer", ref: agreement.consumer, sealed: true, needed: true },
    { role: "provider", ref: agreement.provider, sealed: agreement.providerApproved, needed: needsProvider },
    ...agreement.coConsumers.map((ref) => ({ role: "coConsumer", ref, sealed: ref.sealed, needed: true })),
  ];
}

/** Whether the clerk's department is a co-consumer that has yet to seal a request still open to seals. */
export function awaitsSealFrom(agreement, departmentId) {
  if (agreement.status !== "requested" && agreement.status !== "escalated") return false;
  const own = String(departmentId ?? "").toLowerCase();
  return agreement.coConsumers.some((c) => String(c.id).toLowerCase() === own && !c.sealed);
}

/** "Seals 2 of 3" and each party with its seal. */
export function sealList(agreement, byId) {
  const all = parties(agreement).filter((p) => p.needed);
  const done = all.filter((p) => p.sealed).length;
  return h(
    "div",
    { class: "seals-block" },
    h("p", { "data-seals": `${done}/${all.length}` }, t("seals.count", { done, all: all.length })),
    h(
      "ul",
      { class: "seals" },
      // Marked by department id: a department's key is known only at its own gateway.
      all.map((p) =>
        h(
          "li",
          { "data-party": String(p.ref.id).toLowerCase(), "data-sealed": String(p.sealed) },
          t("seals.line", {
            party: t(`seals.${p.role}`, { name: departmentName(byId, p.ref) }),
            state: t(`seals.${p.role}State.${p.sealed}`),
          }),
        ),
      ),
    ),
  );
}
