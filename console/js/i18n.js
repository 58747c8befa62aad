/**
 * Every string of the console comes from a message file (messages/zh-CN.json, the default; messages/en.json).
 * `t("inbox.title")`, `t("inbox.left", {days: 3})`. The chosen language is kept in localStorage; dates and numbers
 * are formatted for it.
 */
export const LANGUAGES = ["zh-CN", "en"];
const STORAGE_KEY = "kuajie.console.lang";
let language = "zh-CN";
let messages = {};

export function currentLanguage() {
  return language;
}

export async function loadLanguage(requested) {
  const stored = requested ?? localStorage.getItem(STORAGE_KEY);
  language = LANGUAGES.includes(stored) ? stored : "zh-CN";
  const response = await fetch(`messages/${language}.json`, { credentials: "same-origin" });
  messages = await response.json();
  localStorage.setItem(STORAGE_KEY, language);
  document.documentElement.lang = language;
}

export function t(key, params = {}) {
  const template = key.split(".").reduce((node, part) => (node == null ? undefined : node[part]), messages);
  if (typeof template !== "string") return key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/** Whether a message exists (refusal reasons the console has words for). */
export function has(key) {
  return t(key) !== key;
}

export function formatDateTime(value) {
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

export function formatDate(value) {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(language, { dateStyle: "medium" }).format(date);
}
