/** The readings both export formats share: who the parties are, who indicated each event, how consent was given. */
import type { ConsentParty, ConsentRecordEvent, ConsentRecordSource } from "./source";

export const JURISDICTION = "CN";

/** PIPL Art. 13(1)(1); a separate consent also answers Art. 23 (provision to another handler) and 29 (sensitive). */
export function lawfulBasisOf(source: ConsentRecordSource): string {
  return source.separate
    ? "consent (PIPL Art. 13(1)(1)), given separately (PIPL Art. 23, 29)"
    : "consent (PIPL Art. 13(1)(1))";
}

export function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

/** Where the consent was given and how the receiver can see it was: the record's hash, or the subject's signature. */
export function collectionMethodOf(source: ConsentRecordSource): string {
  const at = partyName(source.recorder);
  return source.evidence.kind === "record"
    ? `consent record (ISO/IEC TS 27560) taken at the counter of ${at}, kept by it; keccak256 of its canonical ` +
        `JSON ${source.evidence.hash} is on the ledger`
    : `the subject's EIP-712 signature by key ${source.evidence.signer}, verified by the ConsentRegistry ` +
        `${source.registry} (chain ${source.chainId}); recorded through ${at}`;
}

/**
 * The notice the subject agreed to: in the consent record whose hash is on the ledger, or the EIP-712 Consent terms
 * the subject signed. The consortium publishes no web page per consent, so this is a reference, not a page.
 */
export function noticeReferenceOf(source: ConsentRecordSource): string {
  return source.evidence.kind === "record"
    ? `urn:kuajie:consent-record:keccak256:${source.evidence.hash}`
    : `urn:kuajie:eip712:${source.chainId}:${source.registry}:Consent:${source.consentId}`;
}

/** The resource's catalog entry: its terms (fields, sharing class, metadata hash) are on the ledger. */
export function policyReferenceOf(source: ConsentRecordSource): string {
  return `urn:kuajie:catalog:${source.chainId}:${source.resource.id}`;
}

export function partyName(party: ConsentParty): string {
  return party.name ?? `department ${party.id}`;
}

export type PartyRole = "data_provider" | "recipient" | "consent_recorder";

/** Each department once, with every role it plays: provider, recipient, recorder (one may play several). */
export function partiesOf(source: ConsentRecordSource): { party: ConsentParty; roles: PartyRole[] }[] {
  const byId = new Map<string, { party: ConsentParty; roles: PartyRole[] }>();
  const add = (party: ConsentParty | null, role: PartyRole) => {
    if (!party) return;
    const entry = byId.get(party.id.toLowerCase()) ?? { party, roles: [] };
    entry.roles.push(role);
    byId.set(party.id.toLowerCase(), entry);
  };
  add(source.provider, "data_provider");
  add(source.recipient, "recipient");
  add(source.recorder, "consent_recorder");
  return [...byId.values()];
}

/** Who indicated an event: the subject (by its key, or at a department's counter), a department, the council, time. */
export interface Indication {
  entity: "pii_principal" | "department" | "council" | "validity_end";
  /** The subject reference, the department id, the council, or the registry (whose clock ends the validity). */
  id: string;
  /** The subject's signing address, when the subject signed. */
  signer?: string;
  /** The department whose counter received the subject's consent or withdrawal. */
  receivedBy?: string;
}

export function indicationOf(event: ConsentRecordEvent, source: ConsentRecordSource): Indication {
  const { actor } = event;
  const bySubject = event.kind === "recorded" || event.kind === "withdrawn";
  if (actor.kind === "time") return { entity: "validity_end", id: source.registry };
  if (actor.kind === "council") return { entity: "council", id: "council" };
  if (actor.kind === "subject" || bySubject) {
    return {
      entity: "pii_principal",
      id: source.subjectRef,
      ...(actor.signer ? { signer: actor.signer } : {}),
      ...(actor.kind === "department" && actor.departmentId ? { receivedBy: actor.departmentId } : {}),
    };
  }
  return { entity: "department", id: actor.departmentId ?? "unknown" };
}

/** DPV's consent statuses (https://w3id.org/dpv#ConsentStatus) for each event. */
export const DPV_STATUS: Readonly<Record<ConsentRecordEvent["kind"], string>> = {
  recorded: "dpv:ConsentGiven",
  superseded: "dpv:RenewedConsentGiven",
  withdrawn: "dpv:ConsentWithdrawn",
  revoked: "dpv:ConsentRevoked",
  expired: "dpv:ConsentExpired",
};

/** The consent's validity as an ISO 8601 interval; from recording when it named no start. */
export function validityOf(source: ConsentRecordSource): string {
  return `${isoTime(source.validFrom || source.recordedAt)}/${isoTime(source.validUntil)}`;
}

/** The events that a transaction caused, with where each is on the ledger. */
export function chainEvidenceOf(source: ConsentRecordSource) {
  return {
    chainId: source.chainId,
    contract: source.registry,
    events: source.events.flatMap((e) =>
      e.chain
        ? [
            {
              event: e.chain.event,
              transactionHash: e.chain.transactionHash,
              blockNumber: e.chain.blockNumber,
              logIndex: e.chain.logIndex,
              time: isoTime(e.time),
            },
          ]
        : [],
    ),
  };
}
