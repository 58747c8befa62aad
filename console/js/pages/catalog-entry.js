import { api, get, post } from "../api.js";
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { label, problemNotice, successNotice } from "../common.js";
import { leaveFlash } from "../flash.js";
import { FieldErrors, fieldErrorsOf } from "../forms.js";
import {
  FIELD_TYPES,
  OPEN_TYPES,
  SECURITY_LEVELS,
  SHARE_TYPES,
  UPDATE_CYCLES,
  checkResource,
} from "./catalog-rules.js";

/**
 * The provider clerk registers a catalog entry (`#/catalogEntry`) or publishes a new version of one
 * (`#/catalogEntry?id=0x…`): the description the gateway puts on chain as metadata, the fields in order (an existing
 * field keeps its name and position: agreements refer to it by position), and the private upstream backend.
 */
export async function render(main, { params, navigate }) {
  const id = /^0x[0-9a-fA-F]{64}$/.test(params.get("id") ?? "") ? params.get("id") : null;
  const current = id === null ? null : await get(`/v1/catalog/resources/${id}`);
  const errors = new FieldErrors();
  const metadata = current?.metadata ?? {};
  const text = (value) => (typeof value === "string" ? value : "");

  const controls = {
    code: h("input", { name: "code", autocomplete: "off", value: current?.code ?? "", readonly: current !== null }),
    name: h("input", { name: "name", value: current?.name ?? "" }),
    summary: h("textarea", { name: "summary", rows: 3 }, text(metadata.summary)),
    shareType: select("shareType", SHARE_TYPES, "shareType", current?.shareType),
    openType: select("openType", OPEN_TYPES, "openType", current?.openType),
    securityLevel: select("securityLevel", SECURITY_LEVELS, "securityLevel", current?.securityLevel),
    updateCycle: select("updateCycle", ["", ...UPDATE_CYCLES], "updateCycle", text(metadata.updateCycle)),
    personal: h("input", { type: "checkbox", name: "personal", checked: current?.personal ?? false }),
    sensitive: h("input", { type: "checkbox", name: "sensitive", checked: current?.sensitive ?? false }),
    legalBasis: h("textarea", { name: "legalBasis", rows: 2 }, text(metadata.legalBasis)),
    upstream: h("input", { name: "upstream", type: "url", value: current?.upstream?.url ?? "" }),
  };
  const rows = (current?.fields ?? [{ name: "", type: "string", personal: false }]).map((f) =>
    fieldRow(f, current !== null),
  );
  const rowList = h("ol", { class: "field-rows" });
  const drawRows = () => {
    for (let i = 0; i < 257; i += 1) {
      errors.forget(`fields[${i}].name`);
      errors.forget(`fields[${i}].type`);
    }
    mount(
      rowList,
      rows.map((row, i) =>
        h(
          "li",
          { "data-field-row": i },
          errors.field(t("catalogEntry.fieldName", { n: i + 1 }), row.name, `fields[${i}].name`),
          errors.field(t("catalogEntry.fieldType", { n: i + 1 }), row.type, `fields[${i}].type`),
          h("label", { class: "check" }, row.personal, t("catalogEntry.fieldPersonal")),
          row.existing
            ? null
            : h(
                "button",
                {
                  type: "button",
                  class: "secondary",
                  onclick: () => {
                    rows.splice(rows.indexOf(row), 1);
                    drawRows();
                  },
                },
                t("catalogEntry.removeField", { n: i + 1 }),
              ),
        ),
      ),
    );
  };
  drawRows();

  const bodyFromForm = () => ({
    code: controls.code.value,
    name: controls.name.value,
    summary: controls.summary.value === "" ? undefined : controls.summary.value,
    shareType: controls.shareType.value,
    openType: controls.openType.value,
    securityLevel: controls.securityLevel.value,
    personal: controls.personal.checked,
    sensitive: controls.sensitive.checked,
    updateCycle: controls.updateCycle.value === "" ? undefined : controls.updateCycle.value,
    legalBasis: controls.legalBasis.value.trim() === "" ? undefined : controls.legalBasis.value.trim(),
    upstream: { url: controls.upstream.value.trim() },
    fields: rows.map((row) => ({ name: row.name.value, type: row.type.value, personal: row.personal.checked })),
  });

  const submit = async (event) => {
    event.preventDefault();
    const whole = bodyFromForm();
    const body = current === null ? whole : changesOf(current, whole);
    const found = checkResource(body, { update: current !== null });
    if (found.length > 0) {
      errors.show(found);
      return;
    }
    errors.clear();
    try {
      const result =
        current === null
          ? await post("/v1/catalog/resources", body)
          : await api("PATCH", `/v1/catalog/resources/${current.resourceId}`, body);
      const words =
        current === null
          ? t("catalogEntry.registered", { code: result.code, version: result.version })
          : t("catalogEntry.published", { code: result.code, version: result.version });
      leaveFlash(successNotice(words, result.updatedBlock, result.txHash));
      navigate("catalog");
    } catch (error) {
      const listed = fieldErrorsOf(error, error.code === "resource_exists" ? "body.code" : undefined);
      if (listed) errors.show(listed, { fromGateway: true });
      else mount(errors.general, problemNotice(error));
    }
  };

  mount(
    main,
    h(
      "h1",
      {},
      current === null
        ? t("catalogEntry.registerTitle")
        : t("catalogEntry.versionTitle", { code: current.code, version: current.version + 1 }),
    ),
    h("p", { class: "muted" }, t(current === null ? "catalogEntry.registerIntro" : "catalogEntry.versionIntro")),
    h(
      "form",
      { class: "panel stack", novalidate: true, onsubmit: submit, "data-form": "catalog-entry" },
      errors.general,
      errors.field(t("catalogEntry.code"), controls.code, "code", t("catalogEntry.codeHint")),
      errors.field(t("catalogEntry.name"), controls.name, "name"),
      errors.field(t("catalogEntry.summary"), controls.summary, "summary"),
      errors.field(t("catalog.shareType"), controls.shareType, "shareType"),
      errors.field(t("catalogEntry.openType"), controls.openType, "openType"),
      errors.field(t("catalog.securityLevel"), controls.securityLevel, "securityLevel"),
      errors.field(t("catalogEntry.updateCycle"), controls.updateCycle, "updateCycle"),
      h("label", { class: "check" }, controls.personal, t("catalogEntry.personal")),
      h("label", { class: "check" }, controls.sensitive, t("catalogEntry.sensitive")),
      errors.field(t("catalogEntry.legalBasis"), controls.legalBasis, "legalBasis", t("catalogEntry.legalBasisHint")),
      errors.field(t("catalogEntry.upstream"), controls.upstream, "upstream.url", t("catalogEntry.upstreamHint")),
      h(
        "fieldset",
        {},
        h("legend", {}, t("catalog.fields")),
        current === null ? null : h("p", { class: "muted" }, t("catalogEntry.fieldsKept")),
        errors.errorLine("fields"),
        rowList,
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            onclick: () => {
              rows.push(fieldRow({ name: "", type: "string", personal: false }, false));
              drawRows();
              rows.at(-1).name.focus();
            },
          },
          t("catalogEntry.addField"),
        ),
      ),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit" }, t(current === null ? "catalogEntry.register" : "catalogEntry.publish")),
        h("a", { href: "#/catalog" }, t("catalogEntry.cancel")),
      ),
    ),
  );
}

function select(name, values, group, selected) {
  return h(
    "select",
    { name },
    values.map((value) =>
      h(
        "option",
        { value, selected: value === (selected ?? values[0]) },
        value === "" ? t("catalogEntry.notSaid") : label(group, value),
      ),
    ),
  );
}

function fieldRow(f, existing) {
  return {
    existing,
    name: h("input", { name: "fieldName", autocomplete: "off", value: f.name, readonly: existing }),
    type: select("fieldType", FIELD_TYPES, "fieldType", f.type),
    personal: h("input", { type: "checkbox", name: "fieldPersonal", checked: f.personal }),
  };
}

/** A new version's body: only what differs from the entry as it is (the gateway keeps the rest). */
function changesOf(current, whole) {
  const metadata = current.metadata ?? {};
  const before = {
    name: current.name ?? "",
    summary: metadata.summary,
    shareType: current.shareType,
    openType: current.openType,
    securityLevel: current.securityLevel,
    personal: current.personal,
    sensitive: current.sensitive,
    updateCycle: metadata.updateCycle,
    legalBasis: metadata.legalBasis,
  };
  const body = {};
  for (const [key, was] of Object.entries(before)) if (whole[key] !== was) body[key] = whole[key];
  if (whole.upstream.url !== (current.upstream?.url ?? "")) body.upstream = whole.upstream;
  const sameFields =
    whole.fields.length === current.fields.length &&
    whole.fields.every(
      (f, i) =>
        f.name === current.fields[i].name &&
        f.type === current.fields[i].type &&
        f.personal === current.fields[i].personal,
    );
  if (!sameFields) body.fields = whole.fields;
  // The gateway cannot take these back to "unsaid": leaving them empty keeps them as they are.
  for (const key of ["summary", "updateCycle", "legalBasis"]) if (body[key] === undefined) delete body[key];
  return body;
}
