import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from "../../common/errors";

export class GrantNotFoundError extends NotFoundError {
  override readonly code = "grant_not_found";
  constructor(grantId: number) {
    super(`no grant with id ${grantId} (params.id)`, { grantId });
  }
}

/** Only a consumer of the agreement issues grants; only the grant's consumer or the provider changes one. */
export class NotGrantPartyError extends ForbiddenError {
  override readonly code = "not_party";
  constructor(detail: string, department: string) {
    super(detail, { department });
  }
}

/** The grant's recorded status excludes the action. */
export class GrantStatusError extends ConflictError {
  override readonly code = "invalid_status";
  constructor(grantId: number, status: string, detail: string) {
    super(`grant ${grantId} is ${status}: ${detail}`, { grantId, currentStatus: status });
  }
}

/** Grants are issued only under an active agreement. */
export class AgreementNotActiveError extends ConflictError {
  override readonly code = "agreement_not_active";
  constructor(agreementId: number, status: string) {
    super(`agreement ${agreementId} is ${status}: grants are issued only under an active agreement`, {
      agreementId,
      currentStatus: status,
    });
  }
}

/** The grant asks for fields the agreement does not cover. */
export class FieldsOutsideAgreementError extends UnprocessableError {
  override readonly code = "fields_outside_agreement";
  constructor(agreementId: number, fields: string[], allowed: string[]) {
    super(`agreement ${agreementId} does not cover ${fields.join(", ")} (it covers ${allowed.join(", ")})`, {
      agreementId,
      fields,
      allowed,
    });
  }
}
