import { ForbiddenError, NotFoundError } from "../../common/errors";

export class OutboxEntryNotFoundError extends NotFoundError {
  constructor(outboxId: number) {
    super(`no write with outbox id ${outboxId}`, { outboxId });
  }
}

/** A department follows only its own writes. */
export class OutboxEntryOfOthersError extends ForbiddenError {
  constructor(outboxId: number) {
    super("this write was made by another department", { outboxId });
  }
}
