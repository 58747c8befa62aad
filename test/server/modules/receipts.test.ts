import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { ZeroHash } from "ethers";
import request from "supertest";
import { HOUSEHOLD_REGISTRATION, MEDICAL_INSTITUTIONS } from "../../../backends/datasets";
import { startBackends, type RunningBackends, PORTS_FROM_OS } from "../../../backends/main";
import { receiptLeaf, verifyProof, type Receipt } from "../../../core/receipt";
import { backupDatabase } from "../../../scripts/backup";
import { declareLoss, LossRefusedError, planLoss } from "../../../scripts/declare-loss";
import { toReceiptFields } from "../../audit/fixtures";
import {
  consentKey,
  departmentId,
  eventually,
  issueGrant,
  makeAgreement,
  receiptsSettled,
  recordConsent,
  registerResource,
  subjectRefOf,
} from "../support/fetch-world";
import { startLiveGateway, type LiveGateway } from "../support/live-gateway";

const PURPOSE = "minimum-living-allowance";
const CIVIL = "gz-civil-affairs";

interface ReceiptView {
  receipt: Receipt;
  leaf: string;
  status: "pending" | "anchored" | "lost";
  batch?: { sequence: number; root: string; txHash: string; blockNumber: number };
  proof?: string[];
}

async function setAutomine(on: boolean): Promise<void> {
  await hre.network.provider.send("evm_setAutomine", [on]);
  if (on) await hre.network.provider.send("evm_mine", []);
}

describe("Gateway: access receipts and their anchoring (GET /v1/receipts)", function () {
  this.timeout(180_000);
  const databaseFile = path.join(os.tmpdir(), `kuajie-receipts-${process.pid}-${Date.now()}.db`);
  const env = { KUAJIE_RECEIPT_BATCH_SIZE: "4", KUAJIE_RECEIPT_BATCH_SECONDS: "0.2" };
  let gw: LiveGateway;
  let backends: RunningBackends;
  let householdGrant: string;
  let householdAgreement: string;
  let institutionsGrant: string;
  let people: string[];
  let subjectRef: string;

  const fetchHousehold = (g: LiveGateway, idNumber: string, code = PURPOSE) =>
    request(g.app)
      .post("/v1/data/fetch")
      .set("Authorization", g.bearer(CIVIL))
      .send({ grantId: householdGrant, purpose: { code }, subject: { idType: "resident_id", idNumber } });
  const view = async (g: LiveGateway, id: string, department: string | null = null): Promise<ReceiptView> =>
    (
      await request(g.app)
        .get(`/v1/receipts/${id}`)
        .set("Authorization", department === null ? g.bearer(null, "auditor") : g.bearer(department))
        .expect(200)
    ).body;
  const all = async (g: LiveGateway): Promise<ReceiptView[]> =>
    (await request(g.app).get("/v1/receipts?limit=1000").set("Authorization", g.bearer(null, "auditor")).expect(200))
      .body.items;
  const anchoredView = (g: LiveGateway, id: string) =>
    eventually(async () => {
      const v = await view(g, id);
      return v.status === "anchored" ? v : null;
    });

  before(async function () {
    backends = await startBackends({ ports: PORTS_FROM_OS, allowControl: true });
    gw = await startLiveGateway({ env, databaseFile, exchange: true });
    people = backends.datasets["public-security"][0].records.map((r) => String(r.idNumber));
    const household = await registerResource(gw, HOUSEHOLD_REGISTRATION, backends.urls["public-security"]);
    const institutions = await registerResource(gw, MEDICAL_INSTITUTIONS, backends.urls.health);
    householdAgreement = await makeAgreement(gw, CIVIL, household, {
      fields: ["name", "gender"],
      purpose: PURPOSE,
      legalBasis: "consent",
    });
    householdGrant = await issueGrant(gw, CIVIL, household, householdAgreement, { fields: ["name", "gender"] });
    const institutionsAgreement = await makeAgreement(gw, "hrss", institutions, {
      fields: ["name"],
      purpose: "service-directory",
      legalBasis: "public_interest",
    });
    institutionsGrant = await issueGrant(gw, "hrss", institutions, institutionsAgreement, { fields: ["name"] });
    subjectRef = await subjectRefOf(gw, people[0]);
    await recordConsent(gw, CIVIL, consentKey(subjectRef, departmentId(gw, CIVIL), household.id, PURPOSE));
  });

  after(async function () {
    await setAutomine(true).catch(() => undefined);
    await gw?.stop();
    await backends?.close();
    for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(databaseFile + suffix, { force: true });
  });

  it("anchors every receipt: its proof from GET /v1/receipts/:id is accepted by AccessLedger.verifyReceiptFields", async function () {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await fetchHousehold(gw, people[0]).expect(200)).body.receipt.id);
    for (let i = 0; i < 3; i++) ids.push((await fetchHousehold(gw, people[0], "marketing").expect(403)).body.receiptId);
    const res = await request(gw.app)
      .post("/v1/data/fetch")
      .set("Authorization", gw.bearer("hrss"))
      .send({ grantId: institutionsGrant, purpose: { code: "service-directory" } })
      .expect(200);
    ids.push(res.body.receipt.id);

    for (const id of ids) {
      const v = await anchoredView(gw, id);
      expect(receiptLeaf(v.receipt)).to.equal(v.leaf);
      expect(verifyProof(v.receipt, v.proof!, v.batch!.root)).to.equal(true);
      expect(
        await gw.system.ledger.verifyReceiptFields(
          v.receipt.department,
          v.batch!.sequence,
          toReceiptFields(v.receipt),
          v.proof!,
        ),
      ).to.equal(true);
      const onChain = await gw.system.ledger.batch(v.receipt.department, v.batch!.sequence);
      expect(onChain.root).to.equal(v.batch!.root);
      expect(Number(onChain.blockNumber)).to.equal(v.batch!.blockNumber);
    }
  });

  it("numbers each department's receipts without gaps, even for concurrent fetches, and chains them by prevHash", async function () {
    const results = await Promise.all(Array.from({ length: 12 }, () => fetchHousehold(gw, people[0])));
    expect(results.map((r) => r.status)).to.deep.equal(Array(12).fill(200));
    await Promise.all(results.map((r) => anchoredView(gw, r.body.receipt.id)));
    // The providers' receipts of the same exchanges are anchored in their own batches.
    await eventually(async () => (await all(gw)).every((item) => item.status === "anchored"));

    const items = await all(gw);
    const byDepartment = new Map<string, ReceiptView[]>();
    for (const item of items) {
      const list = byDepartment.get(item.receipt.department) ?? [];
      list.push(item);
      byDepartment.set(item.receipt.department, list);
    }
    // One gateway serves both sides here: the providers' receipts of each exchange are numbered in their own ledgers.
    expect([...byDepartment.keys()].sort()).to.deep.equal(
      [CIVIL, "hrss", "public-security", "health"].map((key) => departmentId(gw, key)).sort(),
    );
    for (const [department, list] of byDepartment) {
      list.sort((a, b) => a.receipt.sequence - b.receipt.sequence);
      list.forEach((item, i) => {
        expect(item.receipt.sequence).to.equal(i + 1);
        expect(item.receipt.prevHash).to.equal(i === 0 ? ZeroHash : list[i - 1].leaf);
        expect(item.status).to.equal("anchored");
      });
      // The ledger holds consecutive batches covering exactly these receipts.
      const [lastBatch, lastReceipt] = await gw.system.ledger.head(department);
      expect(Number(lastReceipt)).to.equal(list.length);
      let next = 1;
      for (let b = 1; b <= Number(lastBatch); b++) {
        const batch = await gw.system.ledger.batch(department, b);
        expect(Number(batch.firstReceiptSequence)).to.equal(next);
        next = Number(batch.lastReceiptSequence) + 1;
      }
      expect(next).to.equal(list.length + 1);
    }
  });

  it("shows a receipt to its requester, its provider and auditors only, and filters the list", async function () {
    const id = (await fetchHousehold(gw, people[0]).expect(200)).body.receipt.id;
    await view(gw, id, CIVIL);
    await view(gw, id, "public-security");
    await view(gw, id, null);
    const other = await request(gw.app)
      .get(`/v1/receipts/${id}`)
      .set("Authorization", gw.bearer("data-bureau"))
      .expect(403);
    expect(other.headers["content-type"]).to.match(/problem\+json/);

    const list = async (department: string | null, query = "") =>
      (
        await request(gw.app)
          .get(`/v1/receipts${query}`)
          .set("Authorization", department === null ? gw.bearer(null, "auditor") : gw.bearer(department))
          .expect(200)
      ).body;
    const asProvider = await list("public-security");
    expect(asProvider.block).to.be.a("number");
    expect(asProvider.items.length).to.be.greaterThan(0);
    for (const item of asProvider.items) expect(item.receipt.provider).to.equal(departmentId(gw, "public-security"));
    expect((await list("data-bureau")).items).to.deep.equal([]);

    const bySubject = await list(null, `?subjectRef=${subjectRef}`);
    expect(bySubject.items.length).to.be.greaterThan(0);
    for (const item of bySubject.items) expect(item.receipt.subjectRef).to.equal(subjectRef);
    const byAgreement = await list(CIVIL, `?agreementId=${householdAgreement}`);
    for (const item of byAgreement.items) expect(item.receipt.agreementId).to.equal(householdAgreement);
    // The auditor sees both sides of each exchange; the consumer its own side.
    expect(byAgreement.items.length).to.equal(
      bySubject.items.filter((item: { role?: string }) => item.role === "consumer").length,
    );
    // `since` takes unix seconds or ISO 8601 (receipt times follow the chain's clock, which tests move forward).
    const latest = Math.max(...bySubject.items.map((item: ReceiptView) => item.receipt.time));
    expect((await list(null, `?since=${latest}`)).items.length).to.be.greaterThan(0);
    const after = new Date((latest + 1) * 1000).toISOString();
    expect((await list(null, `?since=${encodeURIComponent(after)}`)).items).to.deep.equal([]);
    // Pages: a full page answers the cursor of the next one, which starts right after it; the last page answers null.
    const everything = (await list(null, "?limit=1000")).items as ReceiptView[];
    expect(everything.length).to.be.greaterThan(1);
    const first = await list(null, "?limit=1");
    expect(first.items[0].receipt.id).to.equal(everything[0].receipt.id);
    const second = await list(null, `?limit=1&after=${first.next}`);
    expect(second.items[0].receipt.id).to.equal(everything[1].receipt.id);
    expect((await list(null, `?limit=1000`)).next).to.equal(null);
  });

  it("answers 404 for an unknown receipt and 400 for malformed ids and filters", async function () {
    await request(gw.app)
      .get(`/v1/receipts/0x${"ab".repeat(32)}`)
      .set("Authorization", gw.bearer(CIVIL))
      .expect(404);
    const bad = await request(gw.app).get(`/v1/receipts/0x1234`).set("Authorization", gw.bearer(CIVIL)).expect(400);
    expect(bad.body.errors[0].field).to.equal("params.id");
    const badCursors = ["after=12", `after=1.0x${"AB".repeat(32)}.1`, `after=1.0x${"ab".repeat(32)}.0`];
    for (const query of [
      "limit=0",
      "since=yesterday",
      "subjectRef=0x12",
      "agreementId=-1",
      "colour=red",
      ...badCursors,
    ]) {
      await request(gw.app).get(`/v1/receipts?${query}`).set("Authorization", gw.bearer(CIVIL)).expect(400);
    }
    await request(gw.app).get(`/v1/receipts`).expect(401);
  });

  it("keeps receipts across a restart on the same database, and anchors a batch caught in flight exactly once", async function () {
    const before = await all(gw);
    await setAutomine(false);
    const inFlight = [
      (await fetchHousehold(gw, people[0]).expect(200)).body.receipt.id,
      (await fetchHousehold(gw, people[0]).expect(200)).body.receipt.id,
    ];
    // Wait until the batch is stored and its anchor sent (it cannot be mined: the chain does not mine now).
    await eventually(async () =>
      gw.db.prepare(`SELECT 1 FROM outbox WHERE dedupe_key LIKE 'anchor:%' AND status = 'sent'`).get(),
    );
    await gw.stop();
    gw.db.close();
    await setAutomine(true);

    gw = await startLiveGateway({
      env: { ...env, KUAJIE_ANCHOR_MAX_LAG_SECONDS: "1" },
      databaseFile,
      system: gw.system,
      exchange: true,
    });
    for (const old of before) {
      const again = await view(gw, old.receipt.id);
      expect(again.receipt).to.deep.equal(old.receipt);
      expect(again.leaf).to.equal(old.leaf);
      expect(again.status).to.equal("anchored");
    }
    for (const id of inFlight) await anchoredView(gw, id);
    const department = departmentId(gw, CIVIL);
    const batches = gw.db
      .prepare(`SELECT sequence, status FROM receipt_batches WHERE department = ? ORDER BY sequence`)
      .all(department) as Array<{ sequence: number; status: string }>;
    const [lastBatch, lastReceipt] = await gw.system.ledger.head(department);
    expect(Number(lastBatch)).to.equal(batches.length);
    expect(batches.every((b) => b.status === "anchored")).to.equal(true);
    const civil = (await all(gw)).filter((v) => v.receipt.department === department);
    expect(Number(lastReceipt)).to.equal(civil.length);

    // Numbering continues where the first gateway stopped.
    const last = civil.sort((a, b) => b.receipt.sequence - a.receipt.sequence)[0];
    const next = await view(gw, (await fetchHousehold(gw, people[0]).expect(200)).body.receipt.id);
    expect(next.receipt.sequence).to.equal(last.receipt.sequence + 1);
    expect(next.receipt.prevHash).to.equal(last.leaf);
  });

  it("fails closed with 503 while anchoring is behind its limit, and recovers by itself", async function () {
    await eventually(async () => (await fetchHousehold(gw, people[0])).status === 200);
    const count = () => (gw.db.prepare(`SELECT COUNT(*) AS n FROM receipts`).get() as { n: number }).n;
    await setAutomine(false);
    try {
      await fetchHousehold(gw, people[0]).expect(200);
      const refused = await eventually(async () => {
        const res = await fetchHousehold(gw, people[0]);
        return res.status === 503 ? res : null;
      });
      expect(refused.headers["content-type"]).to.match(/problem\+json/);
      expect(refused.headers["retry-after"]).to.be.a("string");
      expect(refused.body.type).to.match(/anchoring_behind$/);
      const stored = count();
      await fetchHousehold(gw, people[0]).expect(503);
      expect(count()).to.equal(stored);
      // The lag gauge says how far behind anchoring is.
      await eventually(async () => {
        const metrics = await request(gw.app).get("/metrics").expect(200);
        return Number(/^kuajie_anchor_lag_seconds (\S+)$/m.exec(metrics.text)?.[1]) > 1;
      });
    } finally {
      await setAutomine(true);
    }
    await eventually(async () => (await fetchHousehold(gw, people[0])).status === 200);
  });

  it("refuses fetches at once (503 receipts_diverged) on a backup older than the chain's batches, says why in /healthz, and serves again on the newer database", async function () {
    const department = departmentId(gw, CIVIL);
    const copies = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-receipts-backups-"));
    const settled = () => receiptsSettled(gw.db);
    const receiptCount = () => (gw.db.prepare(`SELECT COUNT(*) AS n FROM receipts`).get() as { n: number }).n;
    try {
      await settled();
      const older = backupDatabase(databaseFile, path.join(copies, "older.db"));
      const held = older.departments.find((d) => d.department === department);
      expect(held?.lastBatch).to.be.a("number");
      expect(held?.anchoredBatches).to.equal(held?.lastBatch);
      // One more batch of civil affairs anchored after the backup (batches of four receipts here).
      for (let i = 0; i < 4; i++) await fetchHousehold(gw, people[0]).expect(200);
      await settled();
      const [lastBatch] = await gw.system.ledger.head(department);
      expect(Number(lastBatch)).to.be.greaterThan(held!.lastBatch!);
      const newer = backupDatabase(databaseFile, path.join(copies, "newer.db"));
      await gw.stop();
      gw.db.close();

      const restartOn = async (copy: string) => {
        for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(databaseFile + suffix, { force: true });
        fs.copyFileSync(copy, databaseFile);
        gw = await startLiveGateway({ env, databaseFile, system: gw.system, exchange: true });
      };
      await restartOn(older.file);
      const health = await eventually(async () => {
        const res = await request(gw.app).get("/healthz");
        return res.body.receipts ? res : null;
      });
      expect(health.status).to.equal(503);
      expect(health.body.status).to.equal("degraded");
      const civil = health.body.receipts.diverged.find((d: { department: string }) => d.department === department);
      expect(civil.batchSequence).to.equal(held!.lastBatch! + 1);
      expect(civil.detail).to.include("does not hold").and.to.include("npm run declare-loss");

      const stored = receiptCount();
      const refused = await fetchHousehold(gw, people[0]).expect(503);
      expect(refused.headers["content-type"]).to.match(/problem\+json/);
      expect(refused.body.type).to.match(/receipts_diverged$/);
      expect(refused.body).to.include({ department, batchSequence: held!.lastBatch! + 1 });
      expect(refused.body.detail).to.include(`batch ${held!.lastBatch! + 1} of department ${department}`);
      expect(receiptCount()).to.equal(stored);
      // Nothing anchored on top of the chain's batches, nothing sent to try.
      const [stillLast] = await gw.system.ledger.head(department);
      expect(stillLast).to.equal(lastBatch);
      expect(gw.logs.text()).to.include("not anchoring: AccessLedger anchored batch");

      // The database that holds the chain's batches serves again.
      await gw.stop();
      gw.db.close();
      await restartOn(newer.file);
      await eventually(async () => (await fetchHousehold(gw, people[0])).status === 200);
      expect((await request(gw.app).get("/healthz")).body.receipts).to.equal(undefined);
    } finally {
      fs.rmSync(copies, { recursive: true, force: true });
    }
  });
  it("carries on once its admin declares the lost batches on chain: numbering after the chain's last receipt, a new hash chain, anchored again", async function () {
    const department = departmentId(gw, CIVIL);
    const ledgerAddress = gw.system.deployment.contracts.AccessLedger;
    const copies = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-receipts-loss-"));
    const settled = () => receiptsSettled(gw.db);
    try {
      await eventually(async () => (await fetchHousehold(gw, people[0])).status === 200);
      await settled();
      const older = backupDatabase(databaseFile, path.join(copies, "older.db"));
      const heldThrough = gw.db
        .prepare(`SELECT MAX(last_sequence) FROM receipt_batches WHERE department = ? AND status = 'anchored'`)
        .pluck()
        .get(department) as number;
      for (let i = 0; i < 4; i++) await fetchHousehold(gw, people[0]).expect(200);
      await settled();
      const [lastBatch, lastReceipt, lastRoot] = await gw.system.ledger.head(department);
      await gw.stop();
      gw.db.close();
      for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(databaseFile + suffix, { force: true });
      fs.copyFileSync(older.file, databaseFile);
      gw = await startLiveGateway({ env, databaseFile, system: gw.system, exchange: true });
      await eventually(async () => (await request(gw.app).get("/healthz")).body.receipts?.diverged);
      // Read once every batch the copy misses is indexed (then the list names each department diverged), and before
      // any declaration, which the gateway indexes within its next poll and so resolves.
      const chainHead = await hre.ethers.provider.getBlockNumber();
      await eventually(async () => gw.chain.indexer.indexedBlock() >= chainHead);
      const diverged: string[] = (await request(gw.app).get("/healthz")).body.receipts.diverged.map(
        (d: { department: string }) => d.department,
      );
      expect(diverged).to.include(department);
      await fetchHousehold(gw, people[0]).expect(503);

      // A department whose batches this database all holds has nothing to declare.
      const refusal = await planLoss(gw.db, ledgerAddress, gw.system.ledger.runner!, departmentId(gw, "hrss")).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refusal).to.be.instanceOf(LossRefusedError);
      const plan = await planLoss(gw.db, ledgerAddress, gw.system.ledger.runner!, department);
      expect(plan).to.deep.equal({
        department,
        firstBatch: older.departments.find((d) => d.department === department)!.lastBatch! + 1,
        lastBatch: Number(lastBatch),
        firstReceipt: heldThrough + 1,
        lastReceipt: Number(lastReceipt),
      });
      // Declared with the department's key while its gateway runs (the gateway's next transaction takes a fresh nonce).
      await declareLoss(plan, ledgerAddress, gw.system.operators[CIVIL], "incident report 2026-17");
      expect(await gw.system.ledger.lostThrough(department)).to.equal(lastBatch);

      // The provider's receipts (public security's, on this same gateway) are as old as the copy: declared too.
      for (const other of diverged.filter((d) => d !== department)) {
        const key = Object.keys(gw.system.departments).find((k) => departmentId(gw, k) === other)!;
        const otherPlan = await planLoss(gw.db, ledgerAddress, gw.system.ledger.runner!, other);
        await declareLoss(otherPlan, ledgerAddress, gw.system.operators[key], "incident report 2026-17");
      }
      // Once both declarations are indexed, nothing is diverged and the next fetch is served; /healthz still says
      // what was declared lost, the status "ok".
      const settledHealth = async () => {
        const body = (await request(gw.app).get("/healthz")).body;
        return body.receipts?.diverged.length === 0 && body.receipts.declaredLost.length === diverged.length
          ? body
          : null;
      };
      const health = await eventually(settledHealth);
      expect(health.status).to.equal("ok");
      expect(health.receipts.declaredLost.find((l: { department: string }) => l.department === department)).to.include({
        firstBatch: plan.firstBatch,
        lastBatch: plan.lastBatch,
        firstSequence: plan.firstReceipt,
        lastSequence: plan.lastReceipt,
      });
      const next = (await view(gw, (await fetchHousehold(gw, people[0]).expect(200)).body.receipt.id)).receipt;
      expect(next.sequence).to.equal(Number(lastReceipt) + 1);
      expect(next.prevHash).to.equal(ZeroHash);
      const anchoredNext = await anchoredView(gw, next.id);
      expect(anchoredNext.batch!.sequence).to.equal(Number(lastBatch) + 1);
      expect(
        await gw.system.ledger.verifyReceiptFields(
          department,
          anchoredNext.batch!.sequence,
          toReceiptFields(anchoredNext.receipt),
          anchoredNext.proof!,
        ),
      ).to.equal(true);
      const [, , afterRoot] = await gw.system.ledger.head(department);
      expect(afterRoot).to.not.equal(lastRoot);
      // What the copy held of the lost range is kept, and shown as lost.
      for (const v of await all(gw)) {
        const inRange = v.receipt.department === department && v.receipt.sequence > heldThrough;
        if (inRange && v.receipt.sequence <= Number(lastReceipt)) expect(v.status).to.equal("lost");
      }
    } finally {
      fs.rmSync(copies, { recursive: true, force: true });
    }
  });
});
