import { ForbiddenError, UnauthorizedError } from "../../common/errors";

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

/** A console session cookie that is unknown, expired, signed out, or whose token was revoked: sign in again. */
export class SessionEndedError extends UnauthorizedError {
  override readonly code = "session_ended";
  constructor() {
    super("the console session is unknown, expired or signed out");
  }
}
