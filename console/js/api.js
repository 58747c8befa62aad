/**
 * The API as the console calls it: same origin, the session cookie, and on every state change the session's CSRF
 * token in X-CSRF-Token (the gateway refuses a change made with the cookie without it).
 */
let csrfToken = null;
const listeners = new Set();

export function setCsrfToken(token) {
  csrfToken = token;
}

/** Called with no argument when the session has ended (expired or signed out elsewhere). */
export function onSessionEnded(listener) {
  listeners.add(listener);
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
  }
  /** The stable code of the problem type (https://kuajie.dev/problems/<code>). */
  get code() {
    const type = this.problem.type ?? "";
    return type.slice(type.lastIndexOf("/") + 1);
  }
}

export async function api(method, path, body, options = {}) {
  const headers = { accept: "application/json, application/problem+json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  else if (method !== "GET" && csrfToken) headers["x-csrf-token"] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  if (response.status === 204) return null;
  const text = await response.text();
  const data = text === "" ? null : JSON.parse(text);
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401 && !options.bearer && !options.quiet) for (const listener of listeners) listener();
    throw error;
  }
  return data;
}

export const get = (path, options) => api("GET", path, undefined, options);
export const post = (path, body = {}, options) => api("POST", path, body, options);
