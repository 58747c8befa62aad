import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from "../../common/errors";

export class AgreementNotFoundError extends NotFoundError {
  override readonly code = "agreement_not_found";
  constructor(agreementId: number, where = "params.id") {
    super(`no agreement with id ${agreementId} (${where})`, { agreementId });
  }
}

/** The resource is not shareable (不予共享): no agreement can be made on it. */
export class NotShareableError extends UnprocessableError {
  override readonly code = "not_shareable";
  constructor(resourceId: string) {
    super(`resource ${resourceId} is not shareable`, { reason: "not_shareable", resourceId });
  }
}

/** The caller's department has no part in the action (not the provider, not a co-consumer, …). */
export class NotAgreementPartyError extends ForbiddenError {
  override readonly code = "not_party";
  constructor(agreementId: number, needed: string, department: string) {
    super(`only ${needed} of agreement ${agreementId} may do this`, { agreementId, needed, department });
  }
}

/** The action does not fit the agreement's (effective) status as recorded. */
export class AgreementStatusError extends ConflictError {
  override readonly code = "invalid_status";
  constructor(agreementId: number, status: string, detail: string) {
    super(`agreement ${agreementId} is ${status}: ${detail}`, { agreementId, currentStatus: status });
  }
}
