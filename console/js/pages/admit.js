import { post } from "../api.js";
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { departmentsById, label, problemNotice, successNotice } from "../common.js";
import { leaveFlash } from "../flash.js";
import { FieldErrors, fieldErrorsOf } from "../forms.js";

const LEVELS = ["central", "province", "city", "county", "township"];
/** The code's form (GB 32100): its check character is the gateway's to verify, and it says so at the field. */
const USCC_FORMAT = /^[0-9A-HJ-NPQRTUWXY]{18}$/;

/**
 * A council member proposes to admit a department (`POST /v1/council/proposals`, action admit): its profile as the
 * Consortium stores it and its first (admin) operator account. The proposal then gathers the seats' approvals on the
 * council's page, under its quorum bar.
 */
export async function render(main, { navigate }) {
  const byId = await departmentsById();
  const errors = new FieldErrors();
  const controls = {
    name: h("input", { name: "name", autocomplete: "organization" }),
    code: h("input", { name: "code", autocomplete: "off", maxlength: 18, spellcheck: "false" }),
    level: h(
      "select",
      { name: "level" },
      LEVELS.map((level) => h("option", { value: level, selected: level === "city" }, label("level", level))),
    ),
    regionCode: h("input", { name: "regionCode", inputmode: "numeric", maxlength: 6 }),
    parent: h(
      "select",
      { name: "parent" },
      h("option", { value: "" }, t("admit.noParent")),
      [...byId.values()].map((d) => h("option", { value: String(d.id).toLowerCase() }, d.name)),
    ),
    councilSeat: h("input", { type: "checkbox", name: "councilSeat" }),
    admin: h("input", { name: "admin", autocomplete: "off", spellcheck: "false" }),
  };

  const submit = async (event) => {
    event.preventDefault();
    const department = {
      name: controls.name.value.trim(),
      code: controls.code.value.trim().toUpperCase(),
      level: controls.level.value,
      regionCode: Number(controls.regionCode.value.trim()),
      parent: controls.parent.value === "" ? undefined : controls.parent.value,
      councilSeat: controls.councilSeat.checked,
    };
    const admin = controls.admin.value.trim();
    const found = [];
    const fail = (field, key) => found.push({ field, message: t(`admit.rules.${key}`) });
    if (department.name === "") fail("department.name", "required");
    else if (department.name.length > 200) fail("department.name", "nameTooLong");
    if (!USCC_FORMAT.test(department.code)) fail("department.code", "code");
    if (!/^[1-9][0-9]{5}$/.test(controls.regionCode.value.trim())) fail("department.regionCode", "regionCode");
    if (!/^0x[0-9a-fA-F]{40}$/.test(admin)) fail("admin", "admin");
    if (found.length > 0) {
      errors.show(found);
      return;
    }
    errors.clear();
    try {
      const result = await post("/v1/council/proposals", { action: "admit", department, admin });
      leaveFlash(
        successNotice(
          t("admit.proposed", {
            id: result.proposalId,
            name: department.name,
            status: label("proposalStatus", result.status),
          }),
          result.block,
          result.txHash,
        ),
      );
      navigate("council", { status: result.status });
    } catch (error) {
      const listed = fieldErrorsOf(error);
      if (listed) errors.show(listed, { fromGateway: true });
      else mount(errors.general, problemNotice(error));
    }
  };

  mount(
    main,
    h("h1", {}, t("admit.title")),
    h("p", { class: "muted" }, t("admit.intro")),
    h(
      "form",
      { class: "panel stack", novalidate: true, onsubmit: submit, "data-form": "admit" },
      errors.general,
      errors.field(t("admit.name"), controls.name, "department.name"),
      errors.field(t("admit.code"), controls.code, "department.code", t("admit.codeHint")),
      errors.field(t("admit.level"), controls.level, "department.level"),
      errors.field(t("admit.regionCode"), controls.regionCode, "department.regionCode", t("admit.regionCodeHint")),
      errors.field(t("admit.parent"), controls.parent, "department.parent"),
      h("label", { class: "check" }, controls.councilSeat, t("admit.councilSeat")),
      errors.field(t("admit.admin"), controls.admin, "admin", t("admit.adminHint")),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit" }, t("admit.submit")),
        h("a", { href: "#/council" }, t("admit.cancel")),
      ),
    ),
  );
}
