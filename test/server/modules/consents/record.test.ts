import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import request from "supertest";
import type { Response } from "supertest";
import { run as runAuditor } from "../../../../scripts/audit/cli";
import { subjectRef as computeSubjectRef } from "../../../../server/src/common/subject-ref";
import { iso27560Errors, kantaraErrors } from "../../../support/consent-record-schemas";
import { syntheticResidentId } from "../../support/gateway";
import { startLiveGateway, type LiveGateway } from "../../support/live-gateway";
import { registerResource } from "../../support/sharing";

const DAY = 24 * 3600;
const PURPOSE = "minimum-living-allowance";

interface EvidenceEntry {
  event: string;
  transactionHash: string;
  blockNumber: number;
  logIndex: number;
}

describe("Gateway: GET /v1/consents/:id/record (ISO/IEC TS 27560, Kantara Consent Receipt v1.1)", function () {
  let gw: LiveGateway;
  let resourceId: string;
  let serial = 700;
  const idNumbers: string[] = [];
  const seen: string[] = [];

  const id = (key: string) => gw.system.departments[key].id;
  const chainNow = async () => Math.max(await time.latest(), Math.floor(Date.now() / 1000));
  const keep = (res: Response) => {
    seen.push(res.text);
    return res;
  };

  /** Records a consent to the city's civil affairs bureau at its counter; answers the 201 body and the identity. */
  async function recordConsent(validUntil?: number) {
    const idNumber = syntheticResidentId(serial++);
    idNumbers.push(idNumber);
    const res = keep(
      await request(gw.app)
        .post("/v1/consents")
        .set("Authorization", gw.bearer("gz-civil-affairs"))
        .send({
          subject: { idType: "resident_id", idNumber },
          recipient: id("gz-civil-affairs"),
          resourceId,
          purpose: { code: PURPOSE },
          validUntil: validUntil ?? (await chainNow()) + 180 * DAY,
          separate: true,
          evidence: { type: "record", document: { form: "minimum living allowance application", counter: 3 } },
        }),
    );
    expect(res.status, res.text).to.equal(201);
    return { consent: res.body, idNumber };
  }

  async function exportRecord(consentId: string, format: string, auth = gw.bearer("hrss")) {
    return keep(
      await request(gw.app).get(`/v1/consents/${consentId}/record?format=${format}`).set("Authorization", auth),
    );
  }

  /** The receiver's check: the log at that transaction and index is the named event of this consent. */
  async function expectOnLedger(entry: EvidenceEntry, consentId: string) {
    const receipt = await ethers.provider.getTransactionReceipt(entry.transactionHash);
    expect(receipt, entry.transactionHash).to.not.equal(null);
    expect(receipt!.blockNumber).to.equal(entry.blockNumber);
    const log = receipt!.logs.find((l) => l.index === entry.logIndex);
    expect(log, `log ${entry.logIndex}`).to.not.equal(undefined);
    expect(log!.address).to.equal(gw.system.deployment.contracts.ConsentRegistry);
    const parsed = gw.system.consents.interface.parseLog(log!);
    expect(parsed?.name).to.equal(entry.event);
    expect(parsed?.args.consentId).to.equal(consentId);
  }

  before(async function () {
    gw = await startLiveGateway();
    resourceId = await registerResource(gw, "public-security", "household-register-export", {
      sensitive: true,
      name: "Household register",
    });
  });
  after(async function () {
    await gw?.stop();
  });

  it("exports an active consent as a Kantara receipt valid against the published v1.1 schema, with its ledger evidence", async function () {
    const { consent, idNumber } = await recordConsent();
    const res = await exportRecord(consent.consentId, "kantara");
    expect(res.status, res.text).to.equal(200);
    expect(kantaraErrors(res.body)).to.deep.equal([]);
    const subjectRef = computeSubjectRef(gw.config.consortiumSecret, "resident_id", idNumber);
    expect(res.body).to.include({
      version: "KI-CR-v1.1.0",
      jurisdiction: "CN",
      consentReceiptID: consent.consentId,
      piiPrincipalId: subjectRef,
      consentTimestamp: Math.floor(Date.parse(consent.recordedAt) / 1000),
      sensitive: true,
      consentStatus: "active",
    });
    expect(res.body.piiControllers.map((c: { piiController: string }) => c.piiController)).to.deep.equal([
      "广东省公安厅 (Guangdong Public Security Department)",
      "广州市民政局 (Guangzhou Civil Affairs Bureau)",
    ]);
    expect(res.body.services[0].service).to.equal("Household register");
    expect(res.body.services[0].purposes[0]).to.include({ purpose: PURPOSE, thirdPartyDisclosure: true });
    expect(res.body.services[0].purposes[0].piiCategory).to.deep.equal(["idNumber", "name"]);
    expect(res.body.spiCat).to.deep.equal(["idNumber", "name"]);
    expect(res.body.chainEvidence).to.include({
      chainId: 31337,
      contract: gw.system.deployment.contracts.ConsentRegistry,
    });
    const [given] = res.body.chainEvidence.events;
    expect(given).to.include({
      event: "ConsentRecorded",
      transactionHash: consent.txHash,
      blockNumber: consent.recordedBlock,
    });
    await expectOnLedger(given, consent.consentId);
  });

  it("exports a withdrawn consent as an ISO/IEC TS 27560 record: given by the subject, withdrawn at another counter", async function () {
    const { consent } = await recordConsent();
    const withdrawn = keep(
      await request(gw.app)
        .post(`/v1/consents/${consent.consentId}/withdraw`)
        .set("Authorization", gw.bearer("hrss"))
        .send({ evidence: { type: "record", document: { request: "withdrawal form", number: 9 } } }),
    );
    expect(withdrawn.status, withdrawn.text).to.equal(200);
    const res = await exportRecord(consent.consentId, "iso27560");
    expect(res.status, res.text).to.equal(200);
    expect(iso27560Errors(res.body)).to.deep.equal([]);
    expect(res.body.header).to.include({
      record_id: consent.consentId,
      pii_principal_id: consent.subjectRef,
      consent_status: "withdrawn",
    });
    expect(res.body.processing.pii_controllers).to.deep.equal([id("public-security")]);
    expect(res.body.processing.recipient_third_parties).to.deep.equal([id("gz-civil-affairs")]);
    const events = res.body.events;
    expect(events.map((e: { event_state: string }) => e.event_state)).to.deep.equal(["given", "withdrawn"]);
    expect(events[0]).to.include({
      entity_kind: "pii_principal",
      entity_id: consent.subjectRef,
      received_by: id("gz-civil-affairs"),
    });
    expect(events[1]).to.include({
      entity_kind: "pii_principal",
      entity_id: consent.subjectRef,
      received_by: id("hrss"),
      event_time: withdrawn.body.history[1].time.replace(".000Z", "Z"),
      evidence_hash: ethers.keccak256(ethers.toUtf8Bytes('{"number":9,"request":"withdrawal form"}')),
    });
    expect(events[1].chain_evidence).to.include({ event: "ConsentWithdrawn", transactionHash: withdrawn.body.txHash });
    for (const e of events) await expectOnLedger(e.chain_evidence, consent.consentId);
  });

  it("shows a revocation as indicated by the recording department", async function () {
    const { consent } = await recordConsent();
    const revoked = await request(gw.app)
      .post(`/v1/consents/${consent.consentId}/revoke`)
      .set("Authorization", gw.bearer("gz-civil-affairs"));
    expect(revoked.status, revoked.text).to.equal(200);
    const res = await exportRecord(consent.consentId, "iso27560");
    expect(iso27560Errors(res.body)).to.deep.equal([]);
    expect(res.body.events[1]).to.include({
      event_state: "revoked",
      entity_kind: "department",
      entity_id: id("gz-civil-affairs"),
    });
    await expectOnLedger(res.body.events[1].chain_evidence, consent.consentId);
    const kantara = await exportRecord(consent.consentId, "kantara");
    expect(kantaraErrors(kantara.body)).to.deep.equal([]);
    expect(kantara.body.consentStatus).to.equal("revoked");
  });

  it("shows an expiry at the end of the validity, with no transaction behind it", async function () {
    const { consent } = await recordConsent((await chainNow()) + 120);
    await time.increase(300);
    // The gateway's clock is the later of its own and the last block it indexed: make the chain's time known.
    await recordConsent();
    const res = await exportRecord(consent.consentId, "iso27560");
    expect(iso27560Errors(res.body)).to.deep.equal([]);
    expect(res.body.events.map((e: { event_state: string }) => e.event_state)).to.deep.equal(["given", "expired"]);
    expect(res.body.events[1]).to.include({ entity_kind: "validity_end", chain_evidence: null });
    expect(res.body.events[1].event_time).to.equal(consent.validUntil.replace(".000Z", "Z"));
    expect(res.body.chain_evidence.events).to.have.length(1);
  });

  it("gives the same export as the auditor rebuilds from the chain alone, in both formats", async function () {
    const { consent } = await recordConsent();
    await request(gw.app)
      .post(`/v1/consents/${consent.consentId}/withdraw`)
      .set("Authorization", gw.bearer("health"))
      .send({ evidence: { type: "record", document: { request: "withdrawal form", number: 10 } } })
      .expect(200);
    const deploymentFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-record-")), "deployment.json");
    fs.writeFileSync(deploymentFile, JSON.stringify(gw.system.deployment));
    for (const format of ["iso27560", "kantara"]) {
      let stdout = "";
      const code = await runAuditor(
        ["consent-record", consent.consentId, "--format", format, "--deployment", deploymentFile],
        { provider: ethers.provider, stdout: (t) => (stdout += t), stderr: (t) => (stdout += t) },
      );
      expect(code, stdout).to.equal(0);
      const gateway = await exportRecord(consent.consentId, format);
      expect(JSON.parse(stdout), format).to.deep.equal(gateway.body);
    }
  });

  it("lets an auditor read it, as the consent trail; refuses a caller without a token", async function () {
    const { consent } = await recordConsent();
    const res = await exportRecord(consent.consentId, "kantara", gw.bearer(null, "auditor"));
    expect(res.status, res.text).to.equal(200);
    await request(gw.app).get(`/v1/consents/${consent.consentId}/record?format=kantara`).expect(401);
  });

  it("answers 400 problem+json naming `format` for another format or none", async function () {
    const { consent } = await recordConsent();
    for (const query of ["?format=pdf", "?format=KANTARA", ""]) {
      const res = keep(
        await request(gw.app)
          .get(`/v1/consents/${consent.consentId}/record${query}`)
          .set("Authorization", gw.bearer("hrss")),
      );
      expect(res.status, query).to.equal(400);
      expect(res.headers["content-type"]).to.match(/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(["query.format"]);
    }
  });

  it("answers 404 for an unknown consent", async function () {
    const res = await exportRecord(`0x${"ee".repeat(32)}`, "iso27560");
    expect(res.status).to.equal(404);
    expect(res.headers["content-type"]).to.match(/problem\+json/);
  });

  describe("privacy", function () {
    it("never shows an identity number in an export", function () {
      expect(idNumbers.length).to.be.greaterThan(5);
      for (const n of idNumbers) for (const text of seen) expect(text).to.not.include(n);
    });
  });
});
