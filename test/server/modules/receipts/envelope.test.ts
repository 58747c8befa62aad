import { expect } from "chai";
import { ethers, Wallet, ZeroHash } from "ethers";
import { exchangeDomain, requestDigest, signRequest, type ExchangeRequest } from "../../../../core/exchange";
import { openDatabase, type Db } from "../../../../server/src/common/db";
import { ReceiptRecorder } from "../../../../server/src/modules/receipts/recorder";
import { ReceiptService } from "../../../../server/src/modules/receipts/service";
import { ReceiptStore, type StoredReceipt } from "../../../../server/src/store/receipts";
import { writeEarlierRelease } from "../../support/legacy-receipts";
import { deniedDraft } from "../../support/receipt-drafts";

const draft = () => deniedDraft("fields_not_granted", "0x3");

const AUDITOR = { tokenId: 1, role: "auditor" as const, departmentKey: null };

describe("Receipts: the exchange envelope beside the frozen receipt", function () {
  let db: Db;
  afterEach(() => db?.close());

  it("stores and serves requestId, role and the signed request of a federated receipt", async function () {
    db = openDatabase(":memory:");
    const store = new ReceiptStore(db);
    const recorder = new ReceiptRecorder(store);
    const signer = Wallet.createRandom();
    const request: ExchangeRequest = {
      requestId: ethers.id("request-1"),
      consumer: ethers.id("consumer"),
      grantId: "1",
      purpose: ethers.encodeBytes32String("purpose"),
      subjectRef: ZeroHash,
      fieldMask: "0x3",
      paramsHash: ethers.id("null"),
      time: 1_700_000_000,
    };
    const domain = exchangeDomain(31337, "0x" + "22".repeat(20));
    const requestSignature = await signRequest(signer, domain, request);
    const envelope = {
      requestId: request.requestId,
      role: "provider" as const,
      exchange: { request, requestSignature },
    };
    const recorded = await recorder.record({ ...draft(), requestHash: requestDigest(domain, request) }, envelope);
    const plain = await recorder.record(draft());

    const service = new ReceiptService(
      store,
      () => null,
      () => 7,
    );
    const one = service.get(recorded.receipt.id, AUDITOR);
    expect(one.requestId).to.equal(request.requestId);
    expect(one.role).to.equal("provider");
    expect(one.exchange).to.deep.equal({ request, requestSignature });
    expect(one.receipt).to.deep.equal(recorded.receipt);
    const listed = service.list({}, AUDITOR).items;
    expect(listed.map((i) => i.role)).to.deep.equal(["provider", undefined]);
    expect(Object.keys(service.get(plain.receipt.id, AUDITOR))).to.deep.equal(["receipt", "leaf", "status", "block"]);
    expect(Object.keys(listed[1])).to.deep.equal(["receipt", "leaf", "status", "batchSequence"]);
  });

  it("migrates a database of pre-federation receipts, which keep their JSON exactly", async function () {
    const current = openDatabase(":memory:");
    let old: StoredReceipt;
    try {
      const store = new ReceiptStore(current);
      old = store.get((await new ReceiptRecorder(store).record(draft())).receipt.id)!;
    } finally {
      current.close();
    }
    // A database written by the release before federation: its first 7 statements.
    db = openDatabase(":memory:");
    writeEarlierRelease(db, 7, [{ stored: old, proofAs: "json" }], []);
    const before = db.prepare(`SELECT body FROM receipts`).get() as { body: string };

    const migrated = new ReceiptStore(db);
    expect(migrated.fresh).to.equal(true);
    const stored = migrated.get(old.receipt.id);
    expect(stored?.envelope).to.equal(null);
    expect(JSON.stringify(stored?.receipt)).to.equal(before.body);
  });

  it("writes what comes alongside a receipt in its transaction: a failure there stores neither", async function () {
    db = openDatabase(":memory:");
    const store = new ReceiptStore(db);
    const recorder = new ReceiptRecorder(store);
    db.exec(`CREATE TABLE side (receipt_id TEXT PRIMARY KEY)`);
    const side = db.prepare(`INSERT INTO side (receipt_id) VALUES (?)`);
    const kept = await recorder.record(draft(), null, (receipt) => side.run(receipt.id));
    const failed = recorder.record(draft(), null, () => {
      throw new Error("the answer could not be stored");
    });
    let error: unknown;
    await failed.catch((e: unknown) => (error = e));
    expect(String(error)).to.include("the answer could not be stored");
    expect(db.prepare(`SELECT receipt_id FROM side`).all()).to.deep.equal([{ receipt_id: kept.receipt.id }]);
    expect(store.list({ visibleTo: null, limit: 10 }).map((r) => r.receipt.id)).to.deep.equal([kept.receipt.id]);
    // The next receipt continues the stored sequence: no gap where the failed one was numbered.
    expect((await recorder.record(draft())).receipt.sequence).to.equal(2);
  });

  it("counts a gateway's own deliveries and the provider receipts it wrote for others apart (quota rebuilds)", async function () {
    db = openDatabase(":memory:");
    const store = new ReceiptStore(db);
    const recorder = new ReceiptRecorder(store);
    const delivered = { ...draft(), result: "delivered" as const, reason: "ok" };
    const request: ExchangeRequest = {
      requestId: ethers.id("request-2"),
      consumer: ethers.id("consumer"),
      grantId: "2",
      purpose: ethers.encodeBytes32String("purpose"),
      subjectRef: ZeroHash,
      fieldMask: "0x3",
      paramsHash: ethers.id("null"),
      time: 1_700_000_000,
    };
    await recorder.record(delivered);
    await recorder.record(
      { ...delivered, grantId: "2" },
      {
        requestId: request.requestId,
        role: "provider",
        exchange: { request, requestSignature: "0x" + "1b".repeat(65) },
      },
    );
    expect(store.deliveredSince(0).map((d) => d.grantId)).to.deep.equal(["1"]);
    expect(store.deliveredSince(0, "provider").map((d) => d.grantId)).to.deep.equal(["2"]);
  });
});
