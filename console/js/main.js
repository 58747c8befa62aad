import { ApiError, api, get, onSessionEnded, setCsrfToken } from "./api.js";
import { h, mount } from "./dom.js";
import { currentLanguage, loadLanguage, t } from "./i18n.js";
import * as signin from "./pages/signin.js";
import * as inbox from "./pages/inbox.js";
import * as grants from "./pages/grants.js";
import * as query from "./pages/query.js";
import * as consents from "./pages/consents.js";
import * as timeline from "./pages/timeline.js";
import * as council from "./pages/council.js";
import * as requests from "./pages/requests.js";
import * as agreement from "./pages/agreement.js";
import * as exchanges from "./pages/exchanges.js";
import * as catalog from "./pages/catalog.js";
// console12a: the clerk's catalog forms, the council's admission form.
import * as catalogEntry from "./pages/catalog-entry.js";
import * as admit from "./pages/admit.js";
// The auditor's scorecard and receipts check (console12b).
import * as scorecard from "./pages/scorecard.js";
import * as exchangeCheck from "./pages/exchange-check.js";

/** The pages, and which roles see them in the navigation (the gateway decides what each may really do). */
const PAGES = {
  inbox: { page: inbox, roles: ["operator", "council"] },
  catalog: { page: catalog, roles: ["operator", "council"] },
  requests: { page: requests, roles: ["operator", "council"] },
  grants: { page: grants, roles: ["operator", "council"] },
  query: { page: query, roles: ["operator", "council"] },
  consents: { page: consents, roles: ["operator", "council"] },
  timeline: { page: timeline, roles: ["operator", "council", "auditor"] },
  exchanges: { page: exchanges, roles: ["operator", "council", "auditor"] },
  agreement: { page: agreement, roles: ["operator", "council", "auditor"], hidden: true },
  council: { page: council, roles: ["council"] },
  // console12a: pages reached from another page's links, not from the navigation.
  catalogEntry: { page: catalogEntry, roles: ["operator", "council"], hidden: true },
  admit: { page: admit, roles: ["council"], hidden: true },
  // The auditor's scorecard and receipts check (console12b): labels in their own message blocks.
  scorecard: { page: scorecard, roles: ["auditor"], label: "scorecard.nav" },
  "exchange-check": { page: exchangeCheck, roles: ["auditor"], label: "exchangeCheck.nav" },
};

let session = null;
let sessionNotice = null;

/** `#/query?grant=3` → {name: "query", params: URLSearchParams}: filters live in the URL, so a view can be shared. */
function route() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [name, search = ""] = hash.split("?");
  return { name: name || "", params: new URLSearchParams(search) };
}

export function navigate(name, params = {}) {
  const search = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== ""));
  const target = `#/${name}${search.size > 0 ? `?${search}` : ""}`;
  if (location.hash === target) render();
  else location.hash = target;
}

function homeFor(role) {
  return role === "auditor" ? "timeline" : "inbox";
}

function renderChrome() {
  document.title = t("app.title");
  document.getElementById("brand").textContent = t("app.brand");
  document.getElementById("skip").textContent = t("app.skip");
  document.getElementById("lang-label").textContent = t("app.language");
  document.getElementById("lang").value = currentLanguage();
  const nav = document.getElementById("nav");
  nav.setAttribute("aria-label", t("app.navigation"));
  const signout = document.getElementById("signout");
  signout.textContent = t("app.signOut");
  signout.hidden = session === null;
  const who = document.getElementById("who");
  if (session === null) {
    mount(nav);
    mount(who);
    return;
  }
  const current = route().name;
  mount(
    nav,
    Object.entries(PAGES)
      .filter(([, entry]) => entry.roles.includes(session.role) && !entry.hidden)
      .map(([name, entry]) =>
        h(
          "a",
          { href: `#/${name}`, "aria-current": name === current ? "page" : undefined },
          t(entry.label ?? `nav.${name}`),
        ),
      ),
  );
  const department = session.department?.name ?? session.department?.key ?? t("app.noDepartment");
  mount(who, `${department} · ${t(`role.${session.role}`)}`);
}

async function render() {
  const main = document.getElementById("main");
  const { name, params } = route();
  if (session === null) {
    renderChrome();
    await signin.render(main, { notice: sessionNotice, onSignedIn });
    return;
  }
  const entry = PAGES[name];
  if (!entry || !entry.page || !entry.roles.includes(session.role)) {
    navigate(homeFor(session.role));
    return;
  }
  renderChrome();
  try {
    await entry.page.render(main, { params, session, navigate });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    mount(main, h("div", { class: "notice error", role: "alert" }, String(error?.message ?? error)));
  }
}

function onSignedIn(opened) {
  session = opened;
  sessionNotice = null;
  setCsrfToken(opened.csrfToken);
  navigate(
    route().name && route().name !== "signin" ? route().name : homeFor(opened.role),
    Object.fromEntries(route().params),
  );
}

onSessionEnded(() => {
  if (session === null) return;
  session = null;
  setCsrfToken(null);
  sessionNotice = "expired";
  render();
});

async function start() {
  await loadLanguage();
  document.getElementById("lang").addEventListener("change", async (event) => {
    await loadLanguage(event.target.value);
    render();
  });
  document.getElementById("signout").addEventListener("click", async () => {
    await api("DELETE", "/console/session", undefined, { quiet: true }).catch(() => undefined);
    session = null;
    setCsrfToken(null);
    sessionNotice = "signedOut";
    location.hash = "";
    render();
  });
  try {
    session = await get("/console/session", { quiet: true });
    setCsrfToken(session.csrfToken);
  } catch (error) {
    session = null;
    // A cookie was presented but its session is over (expired, signed out elsewhere, token revoked).
    if (error instanceof ApiError && error.code === "session_ended") sessionNotice = "expired";
  }
  window.addEventListener("hashchange", render);
  await render();
}

start();
