/**
 * A consent as an ISO/IEC TS 27560:2023 consent record: its four sections (header, processing, parties, events)
 * with the standard's field names (clause 6.3: `schema_version`, `record_id`, `pii_principal_id`, `privacy_notice`,
 * …, `event_time`, `validity_duration`, `entity_id`, `event_type`, `event_state`), as the W3C DPVCG guide
 * "Consent Records and Receipts as per ISO/IEC TS 27560:2023 using DPV" lists them. `schemas/iso27560/` holds the
 * JSON Schema of this profile; each event also carries where it is on the ledger (`chain_evidence`).
 */
import {
  DPV_STATUS,
  JURISDICTION,
  chainEvidenceOf,
  collectionMethodOf,
  indicationOf,
  isoTime,
  lawfulBasisOf,
  noticeReferenceOf,
  partiesOf,
  partyName,
  validityOf,
  type PartyRole,
} from "./describe";
import type { ConsentRecordSource } from "./source";

/** The `schema_version` of this profile: the `$id` of `schemas/iso27560/consent-record.schema.json`. */
export const ISO27560_SCHEMA_VERSION = "https://kuajie.dev/schemas/iso27560/consent-record-v1";

const EVENT_STATE = {
  recorded: "given",
  superseded: "superseded",
  withdrawn: "withdrawn",
  revoked: "revoked",
  expired: "expired",
} as const;

const PARTY_TYPE: Readonly<Record<PartyRole, string>> = {
  data_provider: "data exporter",
  recipient: "data importer",
  consent_recorder: "consent recorder",
};

export function toIso27560Record(source: ConsentRecordSource) {
  const parties = partiesOf(source);
  const items = source.resource.personalItems.length
    ? source.resource.personalItems
    : [`the personal items of resource ${source.resource.id}`];
  return {
    header: {
      schema_version: ISO27560_SCHEMA_VERSION,
      record_id: source.consentId,
      pii_principal_id: source.subjectRef,
      consent_status: source.status,
    },
    processing: {
      privacy_notice: noticeReferenceOf(source),
      language: "zh-CN",
      purposes: [
        {
          purpose: source.purposeCode,
          lawful_basis: lawfulBasisOf(source),
          separate_consent: source.separate,
        },
      ],
      pii_information: items.map((name) => ({
        pii_type: name,
        pii_attribute_id: `${source.resource.id}#${name}`,
        pii_optional: false,
        sensitive_pii_category: source.resource.sensitive,
      })),
      pii_controllers: parties.filter((p) => p.roles.includes("data_provider")).map((p) => p.party.id),
      collection_method: collectionMethodOf(source),
      // The data stays in the provider's own system; only rules and evidence are on the ledger.
      storage_locations: [JURISDICTION],
      retention_period: `while the consent is in force: until ${isoTime(source.validUntil)}, or its withdrawal or revocation`,
      jurisdiction: JURISDICTION,
      services: [{ service_id: source.resource.id, service_name: source.resource.name ?? source.resource.id }],
      recipient_third_parties: [source.recipient.id],
      withdrawal_method:
        "at the counter of any member department (POST /v1/consents/{id}/withdraw), or by the subject's own " +
        "EIP-712 signature when the consent was signed; effective from the next block (PIPL Art. 15)",
    },
    parties: parties.map(({ party, roles }) => ({
      party_id: party.id,
      party_name: partyName(party),
      party_address: party.regionCode === null ? JURISDICTION : `GB/T 2260 region ${party.regionCode}, ${JURISDICTION}`,
      party_contact: party.code === null ? partyName(party) : `unified social credit code ${party.code}`,
      party_type: roles.map((r) => PARTY_TYPE[r]).join(", "),
      party_role: roles,
    })),
    events: source.events.map((event) => {
      const by = indicationOf(event, source);
      return {
        event_time: isoTime(event.time),
        validity_duration: validityOf(source),
        entity_id: by.id,
        entity_kind: by.entity,
        ...(by.signer ? { entity_signer: by.signer } : {}),
        ...(by.receivedBy ? { received_by: by.receivedBy } : {}),
        event_type: "explicitly expressed consent",
        event_state: EVENT_STATE[event.kind],
        dpv_consent_status: DPV_STATUS[event.kind],
        ...(event.evidence ? { evidence_hash: event.evidence } : {}),
        ...(event.supersededBy ? { superseded_by: event.supersededBy } : {}),
        chain_evidence: event.chain,
      };
    }),
    chain_evidence: chainEvidenceOf(source),
  };
}
