/**
 * The one fold of ConsentRegistry events into consents' state. As in the contract, a consent key (subject, recipient,
 * resource, purpose) has one current consent: the last one recorded; a newer record supersedes it, and the subject's
 * withdrawal or a revocation ends it. Events are read by the argument names of `IConsentRegistry`, from the indexer's
 * JSON or an ethers `Result`.
 */
import type { ConsentId } from "../ids";
import type { EventArgs } from "./agreements";

/** The state of one consent; `expired` is not a state: compare `validUntil` with the time of use. */
export type ConsentState = "active" | "withdrawn" | "revoked" | "superseded";

export interface CurrentConsent {
  id: ConsentId;
  validFrom: number;
  validUntil: number;
  state: ConsentState;
}

/** The state a consent enters with each event that ends it (ConsentRecorded starts it `active`). */
export const CONSENT_STATE_AFTER: Readonly<Record<string, ConsentState>> = {
  ConsentSuperseded: "superseded",
  ConsentWithdrawn: "withdrawn",
  ConsentRevoked: "revoked",
};

/** The map key of a consent key: its four bytes32, lower-case. */
export function consentKeyOf(subjectRef: string, recipient: string, resourceId: string, purpose: string): string {
  return `${subjectRef}|${recipient}|${resourceId}|${purpose}`.toLowerCase();
}

/** The current consent of every key, folded from ConsentRegistry events in chain order. No I/O: a map in memory. */
export class ConsentBook {
  private readonly byKey = new Map<string, CurrentConsent>();
  private readonly keyById = new Map<string, string>();

  apply(name: string, args: EventArgs): void {
    const consentId = String(args.consentId).toLowerCase() as ConsentId;
    if (name === "ConsentRecorded") {
      const key = consentKeyOf(
        String(args.subjectRef),
        String(args.recipient),
        String(args.resourceId),
        String(args.purpose),
      );
      const previous = this.byKey.get(key);
      if (previous) this.keyById.delete(previous.id);
      this.byKey.set(key, {
        id: consentId,
        validFrom: Number(args.validFrom),
        validUntil: Number(args.validUntil),
        state: "active",
      });
      this.keyById.set(consentId, key);
      return;
    }
    // ConsentSuperseded needs nothing here: the ConsentRecorded of the new consent has replaced the key's current one.
    if (name !== "ConsentWithdrawn" && name !== "ConsentRevoked") return;
    const key = this.keyById.get(consentId);
    const current = key === undefined ? undefined : this.byKey.get(key);
    if (current && current.id === consentId) current.state = CONSENT_STATE_AFTER[name];
  }

  /** The key's current consent, if one was ever recorded. */
  current(subjectRef: string, recipient: string, resourceId: string, purpose: string): CurrentConsent | undefined {
    return this.byKey.get(consentKeyOf(subjectRef, recipient, resourceId, purpose));
  }

  clear(): void {
    this.byKey.clear();
    this.keyById.clear();
  }
}
