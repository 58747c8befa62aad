import { NotFoundError } from "../../common/errors";

/** No member department with this id (as indexed). */
export class MemberNotFoundError extends NotFoundError {
  constructor(departmentId: string) {
    super(`no member department with id ${departmentId}`, { departmentId });
  }
}
