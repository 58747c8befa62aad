import { t } from "../i18n.js";

/**
 * The rules of `POST /v1/catalog/resources` and `PATCH /v1/catalog/resources/:id` (server/src/modules/catalog/
 * schemas.ts), checked before sending so that a clerk sees a mistake at once, in the gateway's shape: a list of
 * {field, message} with the field's path in the body. What only the gateway can know (a code already registered, an
 * existing field renamed) comes back from it in the same shape.
 */
export const SHARE_TYPES = ["conditional", "unconditional", "not_shareable"];
export const OPEN_TYPES = ["restricted", "open"];
export const SECURITY_LEVELS = ["general", "important", "core"];
export const FIELD_TYPES = ["string", "number", "boolean", "date"];
export const UPDATE_CYCLES = [
  "real_time",
  "daily",
  "weekly",
  "monthly",
  "quarterly",
  "half_yearly",
  "yearly",
  "irregular",
];

const utf8Bytes = (text) => new TextEncoder().encode(text).length;

/** `update`: the body of a new version, where only the properties given change (code may not). */
export function checkResource(body, { update = false } = {}) {
  const errors = [];
  const fail = (field, key, params) =>
    errors.push({ field: `body.${field}`, message: t(`catalogRules.${key}`, params) });

  if (!update || body.code !== undefined) {
    const code = body.code ?? "";
    if (code.length === 0) fail("code", "required");
    else if (utf8Bytes(code) > 64) fail("code", "codeTooLong");
    else if (/\s/.test(code)) fail("code", "codeSpace");
  }
  if (!update || body.name !== undefined) {
    const name = (body.name ?? "").trim();
    if (name.length === 0) fail("name", "required");
    else if (name.length > 200) fail("name", "tooLong", { max: 200 });
  }
  if (body.summary !== undefined && body.summary.length > 2000) fail("summary", "tooLong", { max: 2000 });
  if (body.shareType !== undefined && !SHARE_TYPES.includes(body.shareType)) fail("shareType", "choose");
  if (body.securityLevel !== undefined && !SECURITY_LEVELS.includes(body.securityLevel))
    fail("securityLevel", "choose");
  if (body.legalBasis !== undefined && body.legalBasis.trim().length > 2000)
    fail("legalBasis", "tooLong", { max: 2000 });
  if (!update && body.shareType === "not_shareable" && body.legalBasis === undefined) {
    fail("legalBasis", "legalBasisNeeded");
  }
  if (!update || body.upstream !== undefined) {
    const url = body.upstream?.url ?? "";
    if (!isHttpUrl(url)) fail("upstream.url", "httpUrl");
  }
  if (!update || body.fields !== undefined) checkFields(body.fields ?? [], fail);
  if (update && Object.values(body).every((value) => value === undefined)) {
    errors.push({ field: "", message: t("catalogRules.nothingChanged") });
  }
  return errors;
}

function checkFields(fields, fail) {
  if (fields.length === 0) fail("fields", "fieldsNeeded");
  if (fields.length > 256) fail("fields", "tooManyFields");
  const seen = new Set();
  fields.forEach((f, i) => {
    if (f.name.length === 0) fail(`fields[${i}].name`, "required");
    else if (f.name.length > 64) fail(`fields[${i}].name`, "tooLong", { max: 64 });
    else if (/^\s|\s$/.test(f.name)) fail(`fields[${i}].name`, "fieldSpace");
    else if (seen.has(f.name)) fail(`fields[${i}].name`, "duplicateField", { name: f.name });
    seen.add(f.name);
    if (!FIELD_TYPES.includes(f.type)) fail(`fields[${i}].type`, "choose");
  });
}

function isHttpUrl(text) {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}
