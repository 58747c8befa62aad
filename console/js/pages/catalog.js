import { get, post } from "../api.js";
import { h, mount } from "../dom.js";
import { formatDateTime, t } from "../i18n.js";
import { evidence, label, problemNotice, successNotice } from "../common.js";
import { takeFlash } from "../flash.js";

/** The provider clerk's catalog entries: what it shares, on which terms, at which version; retire one. */
export async function render(main, { session, navigate, params, flash }) {
  const list = await get(`/v1/catalog/resources?provider=${session.department.id}`);
  const message = h("div", { "aria-live": "polite" }, flash ?? takeFlash());
  const retire = async (resource) => {
    try {
      const result = await post(`/v1/catalog/resources/${resource.resourceId}/retire`, {});
      await render(main, {
        session,
        navigate,
        params,
        flash: successNotice(t("catalog.retired", { code: resource.code }), result.updatedBlock, result.txHash),
      });
    } catch (error) {
      mount(message, problemNotice(error));
    }
  };
  mount(
    main,
    h("h1", {}, t("catalog.title")),
    message,
    h("p", {}, h("a", { href: "#/catalogEntry", class: "button" }, t("catalogEntry.registerLink"))),
    list.items.length === 0
      ? h("p", { class: "notice" }, t("catalog.empty"))
      : h(
          "ul",
          { class: "cards" },
          list.items.map((r) =>
            h(
              "li",
              { class: "card", "data-resource": r.resourceId },
              h(
                "h3",
                {},
                `${r.name ?? r.code} (${r.code}) v${r.version} `,
                h("span", { class: "badge" }, label("resourceStatus", r.status)),
              ),
              h(
                "dl",
                { class: "facts" },
                h("dt", {}, t("catalog.shareType")),
                h("dd", {}, label("shareType", r.shareType)),
                h("dt", {}, t("catalog.securityLevel")),
                h("dd", {}, label("securityLevel", r.securityLevel)),
                h("dt", {}, t("catalog.fields")),
                h("dd", {}, r.fields.map((f) => f.name).join(", ")),
                h("dt", {}, t("catalog.updated")),
                h("dd", {}, formatDateTime(r.updatedAt), " ", evidence(r.updatedBlock, r.txHash)),
              ),
              r.status === "active"
                ? h(
                    "div",
                    { class: "actions" },
                    h(
                      "a",
                      { href: `#/catalogEntry?id=${r.resourceId}`, class: "button secondary" },
                      t("catalogEntry.versionLink", { code: r.code }),
                    ),
                    h("button", { type: "button", class: "danger", onclick: () => retire(r) }, t("catalog.retire")),
                  )
                : null,
            ),
          ),
        ),
  );
}
