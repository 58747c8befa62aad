/**
 * What a consent export is built from: one consent as the chain established it, with the names the catalog and the
 * consortium give its parties. The gateway fills it from its projection, the auditor from the chain's events; the
 * builders (`iso27560.ts`, `kantara.ts`) turn it into the published formats and do no I/O.
 *
 * It never holds an identity number: the data subject is known only by the subject reference.
 */

/** Where one ConsentRegistry event sits on the ledger, so that a receiver can fetch the log and compare. */
export interface ChainEvidence {
  chainId: number;
  /** The ConsentRegistry address (EIP-55). */
  contract: string;
  event: "ConsentRecorded" | "ConsentSuperseded" | "ConsentWithdrawn" | "ConsentRevoked";
  transactionHash: string;
  blockNumber: number;
  logIndex: number;
}

/** A member department as a party to the consent. */
export interface ConsentParty {
  /** The on-chain department id (bytes32). */
  id: string;
  /** The name it was admitted under; null when this reader has not seen it. */
  name: string | null;
  /** Its unified social credit code (GB 32100). */
  code: string | null;
  /** Its GB/T 2260 region code. */
  regionCode: number | null;
}

/**
 * Who caused an event, as the registry recorded it: a department (for the subject at its counter when the event is
 * a recording or a withdrawal), the subject's own key, the council, or the end of the validity.
 */
interface ConsentEventActor {
  kind: "department" | "subject" | "council" | "time";
  departmentId?: string;
  /** The subject's signing address. */
  signer?: string;
}

type ConsentEventKind = "recorded" | "superseded" | "withdrawn" | "revoked" | "expired";

export interface ConsentRecordEvent {
  kind: ConsentEventKind;
  /** Unix seconds: the block's time, or `validUntil` for expiry (which no transaction causes). */
  time: number;
  actor: ConsentEventActor;
  /** The withdrawal request's hash (or the signer, padded), as the event carries it. */
  evidence?: string;
  supersededBy?: string;
  /** Null for expiry. */
  chain: ChainEvidence | null;
}

export interface ConsentRecordSource {
  consentId: string;
  subjectRef: string;
  /** Its status now: `active`, `withdrawn`, `revoked`, `expired` or `superseded`. */
  status: string;
  purposeCode: string;
  /** PIPL Art. 23 / 29 separate consent. */
  separate: boolean;
  /** Unix seconds; 0: in effect from recording. */
  validFrom: number;
  validUntil: number;
  recordedAt: number;
  evidence: { kind: "record"; hash: string } | { kind: "signature"; signer: string };
  recorder: ConsentParty;
  recipient: ConsentParty;
  /** The resource's provider; null when the resource is not in this reader's catalog view. */
  provider: ConsentParty | null;
  resource: {
    id: string;
    /** Null when the resource is not in this reader's catalog view. */
    name: string | null;
    /** The names of the resource's personal data items, in catalog order. */
    personalItems: string[];
    sensitive: boolean;
  };
  chainId: number;
  /** The ConsentRegistry address (EIP-55). */
  registry: string;
  /** Every event of the consent in chain order, expiry last. */
  events: ConsentRecordEvent[];
}
