import { ConflictError, ForbiddenError } from "../../common/errors";

export class NotCouncilMemberError extends ForbiddenError {
  override readonly code = "not_council_member";
}

export class ProposalClosedError extends ConflictError {
  override readonly code = "proposal_closed";
}

export class AlreadyApprovedError extends ConflictError {
  override readonly code = "already_approved";
}
