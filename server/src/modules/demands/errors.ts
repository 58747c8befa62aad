import { ConflictError, ForbiddenError, NotFoundError } from "../../common/errors";

export class DemandNotFoundError extends NotFoundError {
  override readonly code = "demand_not_found";
  constructor(demandId: number, where = "params.id") {
    super(`no demand with id ${demandId} (${where})`, { demandId });
  }
}

/** The action does not fit the demand's recorded status. */
export class DemandStatusError extends ConflictError {
  override readonly code = "invalid_status";
  constructor(demandId: number, status: string, detail: string) {
    super(`demand ${demandId} is ${status}: ${detail}`, { demandId, currentStatus: status });
  }
}

/** Only the department the council made responsible may fulfil the demand. */
export class NotResponsibleError extends ForbiddenError {
  override readonly code = "not_responsible";
  constructor(demandId: number, responsible: string, department: string) {
    super(`only the responsible department (${responsible}) may fulfil demand ${demandId}`, {
      demandId,
      responsible,
      department,
    });
  }
}
