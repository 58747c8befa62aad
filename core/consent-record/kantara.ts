/**
 * A consent as a Kantara Initiative Consent Receipt v1.1 (`KI-CR-v1.1.0`), valid against the published draft-04
 * JSON Schema kept in `schemas/kantara/`. The receipt's own fields cannot say how a consent ended, nor where it is
 * on the ledger, so two extension members carry them (the schema allows members it does not name):
 * `consentStatus` and `chainEvidence`.
 */
import {
  JURISDICTION,
  chainEvidenceOf,
  collectionMethodOf,
  isoTime,
  partiesOf,
  partyName,
  policyReferenceOf,
} from "./describe";
import type { ConsentRecordSource } from "./source";

export const KANTARA_VERSION = "KI-CR-v1.1.0";

export function toKantaraReceipt(source: ConsentRecordSource) {
  const controllers = partiesOf(source).filter((p) => !p.roles.every((r) => r === "consent_recorder"));
  const disclosed = source.provider !== null && source.provider.id.toLowerCase() !== source.recipient.id.toLowerCase();
  return {
    version: KANTARA_VERSION,
    jurisdiction: JURISDICTION,
    consentTimestamp: source.recordedAt,
    collectionMethod: collectionMethodOf(source),
    consentReceiptID: source.consentId,
    // The language the consent was obtained in (ISO 639-1), as the specification defines the field.
    language: "zh",
    piiPrincipalId: source.subjectRef,
    piiControllers: controllers.map(({ party }) => ({
      piiController: partyName(party),
      onBehalf: false,
      // The ledger names each department and its region; it publishes no contact person, e-mail or telephone, and
      // an export must not invent them.
      contact: partyName(party),
      address: {
        addressCountry: JURISDICTION,
        ...(party.regionCode === null ? {} : { addressRegion: String(party.regionCode) }),
      },
      email: "",
      phone: "",
      piiControllerId: party.id,
    })),
    policyUrl: policyReferenceOf(source),
    services: [
      {
        service: source.resource.name ?? source.resource.id,
        purposes: [
          {
            purpose: source.purposeCode,
            consentType: "EXPLICIT",
            // The consortium's purpose codes are its categories of purpose; the lawful basis is in the 27560 record.
            purposeCategory: [source.purposeCode],
            piiCategory: source.resource.personalItems,
            primaryPurpose: true,
            termination: `${isoTime(source.validUntil)}, or withdrawal or revocation before`,
            ...(disclosed
              ? { thirdPartyDisclosure: true, thirdPartyName: partyName(source.recipient) }
              : { thirdPartyDisclosure: false }),
          },
        ],
      },
    ],
    sensitive: source.resource.sensitive,
    spiCat: source.resource.sensitive ? source.resource.personalItems : [],
    consentStatus: source.status,
    chainEvidence: chainEvidenceOf(source),
  };
}
