import { ConflictError, ForbiddenError, UnprocessableError } from "../../common/errors";

export class ConsentNotActiveError extends ConflictError {
  override readonly code = "consent_not_active";
}

export class RecipientInactiveError extends UnprocessableError {
  override readonly code = "recipient_inactive";
}

export class NotRecorderError extends ForbiddenError {
  override readonly code = "not_recorder";
}

export class DepartmentInactiveError extends ForbiddenError {
  override readonly code = "department_inactive";
}
