import { ConflictError, ForbiddenError, NotFoundError } from "../../common/errors";

export class ObjectionNotFoundError extends NotFoundError {
  override readonly code = "objection_not_found";
  constructor(objectionId: number, where = "params.id") {
    super(`no objection with id ${objectionId} (${where})`, { objectionId });
  }
}

/** The action does not fit the objection's recorded status. */
export class ObjectionStatusError extends ConflictError {
  override readonly code = "invalid_status";
  constructor(objectionId: number, status: string, detail: string) {
    super(`objection ${objectionId} is ${status}: ${detail}`, { objectionId, currentStatus: status });
  }
}

/** The caller's department is not the party the action belongs to (the provider answers, the consumer escalates). */
export class NotObjectionPartyError extends ForbiddenError {
  override readonly code = "not_party";
  constructor(objectionId: number, needed: "provider" | "consumer", department: string) {
    super(`only the ${needed} of objection ${objectionId} may do this`, { objectionId, needed, department });
  }
}

/** A provider cannot object to its own resource. */
export class OwnResourceError extends ForbiddenError {
  override readonly code = "own_resource";
  constructor(resourceId: string) {
    super(`the caller's department provides resource ${resourceId}: it corrects its data itself`, { resourceId });
  }
}
