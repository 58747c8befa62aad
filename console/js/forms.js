import { h, mount } from "./dom.js";
import { t } from "./i18n.js";

/**
 * A form whose mistakes are shown next to the field they concern, whether the console found them before sending or
 * the gateway answered them (problem+json `errors: [{field: "body.fields[2].name", message}]`). Each control is
 * registered under its path in the request body ("code", "fields[2].name", "department.regionCode").
 */
export class FieldErrors {
  #fields = new Map();
  #general;
  #serial = FieldErrors.#next();

  static #count = 0;
  static #next() {
    FieldErrors.#count += 1;
    return FieldErrors.#count;
  }

  constructor() {
    this.#general = h("div", { "aria-live": "polite" });
  }

  /** Where the mistakes that belong to no field (or to a field the form has no control for) are said. */
  get general() {
    return this.#general;
  }

  /** A labelled control with its error line below, described by it while it holds an error. */
  field(labelText, control, path, hint) {
    const id = `error-${this.#serial}-${path.replace(/[^A-Za-z0-9]+/g, "-")}`;
    const error = h("p", { class: "field-error", id, "data-error-for": path, hidden: true });
    const hintNode = hint ? h("span", { class: "muted hint" }, hint) : null;
    this.#fields.set(path, { control, error });
    return h(
      "div",
      { class: "field-wrap" },
      h("label", { class: "field" }, h("span", {}, labelText), hintNode, control),
      error,
    );
  }

  /** An error line for a path that has no single control (the list of fields as a whole). */
  errorLine(path) {
    const id = `error-${this.#serial}-${path.replace(/[^A-Za-z0-9]+/g, "-")}`;
    const error = h("p", { class: "field-error", id, "data-error-for": path, hidden: true });
    this.#fields.set(path, { control: null, error });
    return error;
  }

  forget(path) {
    this.#fields.delete(path);
  }

  clear() {
    mount(this.#general);
    for (const { control, error } of this.#fields.values()) {
      control?.removeAttribute("aria-invalid");
      control?.removeAttribute("aria-describedby");
      error.hidden = true;
      mount(error);
    }
  }

  /**
   * Shows each error at its field: the control for its path, else the nearest enclosing one (`fields[3]` at the
   * fields list), else above the form. Focuses the first field in error. `fromGateway` marks the gateway's words.
   */
  show(errors, { fromGateway = false } = {}) {
    this.clear();
    const unplaced = [];
    let first = null;
    for (const { field, message } of errors) {
      const path = String(field ?? "").replace(/^body\.?/, "");
      const target = this.#closest(path);
      const text = fromGateway ? t("forms.gatewaySays", { message }) : message;
      if (!target) {
        unplaced.push(h("li", {}, path ? `${path}: ${text}` : text));
        continue;
      }
      target.error.hidden = false;
      target.error.append(h("span", {}, text), " ");
      target.control?.setAttribute("aria-invalid", "true");
      target.control?.setAttribute("aria-describedby", target.error.id);
      first ??= target.control;
    }
    mount(
      this.#general,
      h(
        "div",
        { class: "notice error", role: "alert" },
        h("p", {}, t("forms.fixErrors", { count: errors.length })),
        unplaced.length > 0 ? h("ul", {}, unplaced) : null,
      ),
    );
    first?.focus();
  }

  #closest(path) {
    const parent = /(\.[^.[\]]+|\[\d+\])$/;
    for (let candidate = path; ;) {
      if (this.#fields.has(candidate)) return this.#fields.get(candidate);
      const shorter = candidate.replace(parent, "");
      if (shorter === candidate) return null;
      candidate = shorter;
    }
  }
}

/** Whether an API failure is the gateway's list of field errors (400) or a conflict it names a field for. */
export function fieldErrorsOf(error, conflictField) {
  const listed = error?.problem?.errors;
  if (error?.status === 400 && Array.isArray(listed) && listed.length > 0) return listed;
  if (conflictField && error?.status === 409) return [{ field: conflictField, message: error.problem?.detail ?? "" }];
  return null;
}
