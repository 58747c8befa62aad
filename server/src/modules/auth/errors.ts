import { ForbiddenError } from "../../common/errors";

/** A write needs a token tied to a department. */
export class DepartmentRequiredError extends ForbiddenError {
  override readonly code = "department_required";
  constructor() {
    super("this action needs a token acting for a department");
  }
}
