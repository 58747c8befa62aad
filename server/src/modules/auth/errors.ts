import { ForbiddenError } from "../../common/errors";

/** A write needs a token tied to a department. */
export class DepartmentRequiredError extends ForbiddenError {
  override readonly code = "department_required";
  constructor() {
    super("this action needs a token acting for a department");
  }
}

/** A state change authenticated by the console's session cookie without the session's CSRF token. */
export class CsrfTokenError extends ForbiddenError {
  override readonly code = "csrf_failed";
  constructor() {
    super("a change made with the console's session needs its CSRF token in the X-CSRF-Token header");
  }
}
