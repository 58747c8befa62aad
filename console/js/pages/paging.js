import { h } from "../dom.js";
import { t } from "../i18n.js";

export const PAGE_SIZE = 10;

/** One page of a list (`page` in the URL, from 1) and the links to the others. */
export function paged(items, params, go) {
  const pages = Math.max(1, Math.ceil(items.length / PAGE_SIZE));
  const page = Math.min(pages, Math.max(1, Number(params.get("page") ?? 1) || 1));
  const shown = items.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const pager =
    pages <= 1
      ? null
      : h(
          "nav",
          { class: "pager", "aria-label": t("paging.label") },
          h(
            "button",
            { type: "button", class: "secondary", disabled: page <= 1, onclick: () => go(page - 1) },
            t("paging.previous"),
          ),
          h("span", {}, t("paging.position", { page, pages })),
          h(
            "button",
            { type: "button", class: "secondary", disabled: page >= pages, onclick: () => go(page + 1) },
            t("paging.next"),
          ),
        );
  return { shown, pager };
}
