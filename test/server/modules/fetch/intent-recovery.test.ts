/**
 * Write-ahead on the consumer's side (issue 16): an exchange interrupted by a crash — the intent stored, the provider
 * asked, no receipt yet — is completed by the next gateway on the same database, which asks the provider again with
 * the same requestId and closes it with a consumer receipt saying truthfully that nothing reached the caller.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ZeroHash } from "ethers";
import request from "supertest";
import { HOUSEHOLD_REGISTRATION } from "../../../../backends/datasets";
import { DEMO_DEPARTMENTS } from "../../../../scripts/lib/demo-departments";
import { IntentStore } from "../../../../server/src/store/intents";
import {
  departmentId,
  eventually,
  issueGrant,
  makeAgreement,
  registerResource,
  unknownResidentId,
} from "../../support/fetch-world";
import {
  fakeProvider,
  PROVIDER_KEYS,
  startFederation,
  type FakeProvider,
  type Federation,
} from "../../support/federation";
import { startLiveGateway, type LiveGateway } from "../../support/live-gateway";

const CIVIL = "gz-civil-affairs";
const POLICE = "public-security";
const PURPOSE = "household-check";

describe("Fetch: intents of interrupted exchanges are completed at start", function () {
  this.timeout(120_000);
  let world: Federation;
  let fake: FakeProvider;
  let restarted: LiveGateway | undefined;
  let dir: string;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-intents-"));
    // A long exchange timeout: the first consumer gateway is "killed" while its exchange is still in flight.
    world = await startFederation({
      env: { KUAJIE_RECEIPT_BATCH_SECONDS: "0.2" },
      consumerEnv: { KUAJIE_EXCHANGE_TIMEOUT_MS: "60000" },
    });
    fake = await fakeProvider(world.system, POLICE, { kind: "hang" });
    await world.publishEndpoint(POLICE, fake.url);
  });

  after(async function () {
    await restarted?.stop();
    await fake?.close();
    await world?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("asks the provider again with the same requestId and closes the intent as not_delivered, keeping its answer", async function () {
    const household = await registerResource(world, HOUSEHOLD_REGISTRATION, "http://127.0.0.1:9/unused");
    const agreement = await makeAgreement(world, CIVIL, household, {
      fields: ["name"],
      purpose: PURPOSE,
      legalBasis: "statutory_duty",
    });
    const grant = await issueGrant(world, CIVIL, household, agreement, { fields: ["name"] });
    const idNumber = unknownResidentId(3);
    const inFlight = request(world.consumer.app)
      .post("/v1/data/fetch")
      .set("Authorization", world.consumer.bearer(CIVIL))
      .send({ grantId: grant, purpose: { code: PURPOSE }, subject: { idType: "resident_id", idNumber } })
      .then(
        (res) => res,
        () => null,
      );
    await eventually(async () => fake.received.length === 1);
    const first = fake.received[0];

    // The state a SIGKILL leaves at this point: the intent is committed, the provider was asked, nothing answered.
    const intents = new IntentStore(world.consumer.db);
    expect(intents.listOpen().map((i) => i.requestId)).to.deep.equal([first.request.requestId]);
    const snapshot = path.join(dir, "consumer.db");
    world.consumer.db.exec(`VACUUM INTO '${snapshot}'`);
    await world.consumer.stop();
    fake.behaviour = { kind: "deliver", data: { name: "测试" } };

    restarted = await startLiveGateway({
      system: world.system,
      departments: DEMO_DEPARTMENTS.map((d) => d.key).filter((k) => !(PROVIDER_KEYS as readonly string[]).includes(k)),
      databaseFile: snapshot,
      env: { KUAJIE_RECEIPT_BATCH_SECONDS: "0.2" },
    });
    const reopened = new IntentStore(restarted.db);
    const receiptId = await eventually(async () => reopened.closedBy(first.request.requestId));
    expect(reopened.listOpen()).to.deep.equal([]);

    // Asked again with the very request it had signed, and without the identity number (never stored).
    expect(fake.received).to.have.length(2);
    expect(fake.received[1].request).to.deep.equal(first.request);
    expect(fake.received[1].signature).to.equal(first.signature);
    expect(fake.received[1].subject).to.equal(undefined);

    const entry = (
      await request(restarted.app)
        .get(`/v1/receipts/${receiptId}`)
        .set("Authorization", restarted.bearer(CIVIL))
        .expect(200)
    ).body;
    expect(entry.receipt).to.include({
      result: "failed",
      reason: "not_delivered",
      department: departmentId(world, CIVIL),
      grantId: grant,
      fieldMask: "0x0",
      responseHash: ZeroHash,
    });
    expect(entry).to.include({ requestId: first.request.requestId, role: "consumer" });
    expect(entry.exchange.requestSignature).to.equal(first.signature);
    expect(entry.exchange.response).to.include({ requestId: first.request.requestId, result: "delivered" });
    expect(entry.exchange.responseSignature).to.match(/^0x[0-9a-f]{130}$/);
    const stored = restarted.db.prepare(`SELECT * FROM exchange_intents`).all();
    expect(JSON.stringify(stored)).not.to.include(idNumber);

    await fake.close(); // ends the first gateway's stalled call, whose gateway is gone
    await inFlight;
  });
});
