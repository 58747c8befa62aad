import { ApiError, post } from "../api.js";
import { field, h, mount } from "../dom.js";
import { t } from "../i18n.js";

/** Sign-in: the API token is sent once, in the Authorization header, and exchanged for a session cookie. */
export async function render(main, { notice, onSignedIn }) {
  const token = h("input", {
    type: "password",
    name: "token",
    id: "token",
    autocomplete: "off",
    required: true,
    spellcheck: "false",
  });
  const message = h("div", { "aria-live": "polite" });
  if (notice) mount(message, h("div", { class: "notice", role: "status" }, t(`signin.${notice}`)));
  const form = h(
    "form",
    { class: "panel stack", "aria-labelledby": "signin-title" },
    field(t("signin.token"), token),
    h("p", { class: "muted" }, t("signin.tokenHelp")),
    h("button", { type: "submit" }, t("signin.submit")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const presented = token.value.trim();
    token.value = "";
    try {
      const opened = await post("/console/session", {}, { bearer: presented });
      onSignedIn(opened);
    } catch (error) {
      const key = error instanceof ApiError && error.status === 429 ? "signin.tooMany" : "signin.refused";
      mount(message, h("div", { class: "notice error", role: "alert" }, t(key)));
    }
  });
  mount(main, h("h1", { id: "signin-title" }, t("signin.title")), h("p", {}, t("signin.intro")), message, form);
  token.focus();
}
