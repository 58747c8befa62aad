import { expect } from "chai";
import {
  ISO27560_SCHEMA_VERSION,
  KANTARA_VERSION,
  exportConsentRecord,
  toIso27560Record,
  toKantaraReceipt,
  type ConsentRecordEvent,
  type ConsentRecordSource,
} from "../../../core/consent-record";
import { iso27560Errors, kantaraErrors } from "../../support/consent-record-schemas";

const hex = (byte: string) => `0x${byte.repeat(32)}`;
const REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const SIGNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const PROVIDER = { id: hex("a1"), name: "广东省公安厅", code: "11440000006939812X", regionCode: 440000 };
const RECIPIENT = { id: hex("b2"), name: "广州市民政局", code: "114401000069327456", regionCode: 440100 };
const RECORDED_AT = 1_790_000_000;

function chain(event: NonNullable<ConsentRecordEvent["chain"]>["event"], block: number, logIndex = 0) {
  return {
    chainId: 31337,
    contract: REGISTRY,
    event,
    transactionHash: hex(block.toString(16).padStart(2, "0")),
    blockNumber: block,
    logIndex,
  };
}

const recorded: ConsentRecordEvent = {
  kind: "recorded",
  time: RECORDED_AT,
  actor: { kind: "department", departmentId: RECIPIENT.id },
  chain: chain("ConsentRecorded", 40, 2),
};

/** A consent to the city's civil affairs bureau, recorded at its counter on paper, still active. */
function source(overrides: Partial<ConsentRecordSource> = {}): ConsentRecordSource {
  return {
    consentId: hex("c3"),
    subjectRef: hex("d4"),
    status: "active",
    purposeCode: "minimum-living-allowance",
    separate: true,
    validFrom: 0,
    validUntil: RECORDED_AT + 180 * 86400,
    recordedAt: RECORDED_AT,
    evidence: { kind: "record", hash: hex("e5") },
    recorder: RECIPIENT,
    recipient: RECIPIENT,
    provider: PROVIDER,
    resource: { id: hex("f6"), name: "户籍信息", personalItems: ["name", "address"], sensitive: true },
    chainId: 31337,
    registry: REGISTRY,
    events: [recorded],
    ...overrides,
  };
}

describe("consent record exports (pure builders)", function () {
  describe("Kantara Consent Receipt v1.1", function () {
    it("fills every required field and validates against the published draft-04 schema", function () {
      const receipt = toKantaraReceipt(source());
      expect(kantaraErrors(receipt)).to.deep.equal([]);
      expect(receipt).to.include({
        version: KANTARA_VERSION,
        jurisdiction: "CN",
        consentTimestamp: RECORDED_AT,
        consentReceiptID: hex("c3"),
        piiPrincipalId: hex("d4"),
        policyUrl: `urn:kuajie:catalog:31337:${hex("f6")}`,
        sensitive: true,
        consentStatus: "active",
      });
      expect(receipt.spiCat).to.deep.equal(["name", "address"]);
      expect(receipt.collectionMethod).to.include(hex("e5")).and.include("广州市民政局");
      expect(receipt.piiControllers.map((c) => c.piiController)).to.deep.equal(["广东省公安厅", "广州市民政局"]);
      expect(receipt.piiControllers[1].address).to.deep.equal({ addressCountry: "CN", addressRegion: "440100" });
      const [service] = receipt.services;
      expect(service.service).to.equal("户籍信息");
      expect(service.purposes[0]).to.include({
        purpose: "minimum-living-allowance",
        consentType: "EXPLICIT",
        primaryPurpose: true,
        thirdPartyDisclosure: true,
        thirdPartyName: "广州市民政局",
      });
      expect(service.purposes[0].piiCategory).to.deep.equal(["name", "address"]);
      expect(receipt.chainEvidence).to.deep.equal({
        chainId: 31337,
        contract: REGISTRY,
        events: [
          {
            event: "ConsentRecorded",
            transactionHash: hex("28"),
            blockNumber: 40,
            logIndex: 2,
            time: "2026-09-21T14:13:20Z",
          },
        ],
      });
    });

    it("names no third party and no sensitive category when the resource is not in the reader's catalog", function () {
      const receipt = toKantaraReceipt(
        source({ provider: null, resource: { id: hex("f6"), name: null, personalItems: [], sensitive: false } }),
      );
      expect(kantaraErrors(receipt)).to.deep.equal([]);
      expect(receipt.services[0].service).to.equal(hex("f6"));
      expect(receipt.services[0].purposes[0]).to.include({ thirdPartyDisclosure: false });
      expect(receipt.services[0].purposes[0]).to.not.have.property("thirdPartyName");
      expect(receipt.spiCat).to.deep.equal([]);
      expect(receipt.piiControllers.map((c) => c.piiController)).to.deep.equal(["广州市民政局"]);
    });

    it("the schema refuses a receipt without its principal (the validator can fail)", function () {
      const { piiPrincipalId: _dropped, ...rest } = toKantaraReceipt(source());
      expect(kantaraErrors(rest)).to.deep.equal([" must have required property 'piiPrincipalId'"]);
      const badDisclosure = toKantaraReceipt(source());
      delete (badDisclosure.services[0].purposes[0] as { thirdPartyName?: string }).thirdPartyName;
      expect(kantaraErrors(badDisclosure)).to.not.deep.equal([]);
    });
  });

  describe("ISO/IEC TS 27560 consent record", function () {
    it("has header, processing, parties and events, and validates against the profile's schema", function () {
      const record = toIso27560Record(source());
      expect(iso27560Errors(record)).to.deep.equal([]);
      expect(record.header).to.deep.equal({
        schema_version: ISO27560_SCHEMA_VERSION,
        record_id: hex("c3"),
        pii_principal_id: hex("d4"),
        consent_status: "active",
      });
      expect(record.processing.purposes).to.deep.equal([
        {
          purpose: "minimum-living-allowance",
          lawful_basis: "consent (PIPL Art. 13(1)(1)), given separately (PIPL Art. 23, 29)",
          separate_consent: true,
        },
      ]);
      expect(record.processing.privacy_notice).to.equal(`urn:kuajie:consent-record:keccak256:${hex("e5")}`);
      expect(record.processing.pii_information.map((p) => p.pii_type)).to.deep.equal(["name", "address"]);
      expect(record.processing.pii_controllers).to.deep.equal([PROVIDER.id]);
      expect(record.processing.recipient_third_parties).to.deep.equal([RECIPIENT.id]);
      // The recipient recorded the consent too: one party with both roles.
      expect(record.parties.map((p) => [p.party_name, p.party_role])).to.deep.equal([
        ["广东省公安厅", ["data_provider"]],
        ["广州市民政局", ["recipient", "consent_recorder"]],
      ]);
      expect(record.events).to.deep.equal([
        {
          event_time: "2026-09-21T14:13:20Z",
          validity_duration: "2026-09-21T14:13:20Z/2027-03-20T14:13:20Z",
          entity_id: hex("d4"),
          entity_kind: "pii_principal",
          received_by: RECIPIENT.id,
          event_type: "explicitly expressed consent",
          event_state: "given",
          dpv_consent_status: "dpv:ConsentGiven",
          chain_evidence: chain("ConsentRecorded", 40, 2),
        },
      ]);
    });

    it("says who indicated each event: the subject's key, a department, the council, the end of the validity", function () {
      const signed = source({
        status: "revoked",
        evidence: { kind: "signature", signer: SIGNER },
        validFrom: RECORDED_AT + 3600,
        events: [
          { ...recorded, actor: { kind: "department", departmentId: RECIPIENT.id, signer: SIGNER } },
          {
            kind: "withdrawn",
            time: RECORDED_AT + 7200,
            actor: { kind: "subject", signer: SIGNER },
            evidence: `0x${"0".repeat(24)}${SIGNER.slice(2).toLowerCase()}`,
            chain: chain("ConsentWithdrawn", 41),
          },
          {
            kind: "revoked",
            time: RECORDED_AT + 7300,
            actor: { kind: "council" },
            chain: chain("ConsentRevoked", 42),
          },
          {
            kind: "revoked",
            time: RECORDED_AT + 7400,
            actor: { kind: "department", departmentId: RECIPIENT.id },
            chain: chain("ConsentRevoked", 43),
          },
          {
            kind: "superseded",
            time: RECORDED_AT + 7500,
            actor: { kind: "department", departmentId: PROVIDER.id },
            supersededBy: hex("99"),
            chain: chain("ConsentSuperseded", 44),
          },
          { kind: "expired", time: RECORDED_AT + 180 * 86400, actor: { kind: "time" }, chain: null },
        ],
      });
      const record = toIso27560Record(signed);
      expect(iso27560Errors(record)).to.deep.equal([]);
      expect(record.processing.privacy_notice).to.equal(`urn:kuajie:eip712:31337:${REGISTRY}:Consent:${hex("c3")}`);
      expect(
        record.events.map((e) => [
          e.event_state,
          e.entity_kind,
          e.entity_id,
          "entity_signer" in e ? e.entity_signer : null,
        ]),
      ).to.deep.equal([
        ["given", "pii_principal", hex("d4"), SIGNER],
        ["withdrawn", "pii_principal", hex("d4"), SIGNER],
        ["revoked", "council", "council", null],
        ["revoked", "department", RECIPIENT.id, null],
        ["superseded", "department", PROVIDER.id, null],
        ["expired", "validity_end", REGISTRY, null],
      ]);
      expect(record.events[0].validity_duration).to.equal("2026-09-21T15:13:20Z/2027-03-20T14:13:20Z");
      expect(record.events[4]).to.include({ superseded_by: hex("99"), dpv_consent_status: "dpv:RenewedConsentGiven" });
      expect(record.events[5].chain_evidence).to.equal(null);
      expect(record.chain_evidence.events.map((e) => e.blockNumber)).to.deep.equal([40, 41, 42, 43, 44]);
      expect(kantaraErrors(toKantaraReceipt(signed))).to.deep.equal([]);
      expect(toKantaraReceipt(signed).collectionMethod).to.include(SIGNER);
    });

    it("the schema refuses an event without its state or time (the validator can fail)", function () {
      const record = toIso27560Record(source());
      const { event_state: _s, ...noState } = record.events[0];
      expect(iso27560Errors({ ...record, events: [noState] })).to.deep.equal([
        "/events/0 must have required property 'event_state'",
      ]);
      expect(
        iso27560Errors({ ...record, header: { ...record.header, pii_principal_id: "990000198001010012" } }),
      ).to.not.deep.equal([]);
    });
  });

  it("exports either format from one source", function () {
    expect(exportConsentRecord(source(), "kantara")).to.deep.equal(toKantaraReceipt(source()));
    expect(exportConsentRecord(source(), "iso27560")).to.deep.equal(toIso27560Record(source()));
  });
});
