/**
 * Compact receipt rows (issue 17): a receipt and its exchange envelope are one packed record, served back byte for
 * byte; the key columns hold 32-byte ids as bytes. A database of the release before is rebuilt by a migration.
 */
import { expect } from "chai";
import { ethers, Wallet, ZeroHash } from "ethers";
import {
  exchangeDomain,
  requestDigest,
  signRequest,
  signResponse,
  type ExchangeRequest,
  type ExchangeResponse,
} from "../../../../core/exchange";
import { buildBatch, verifyProof, type Receipt } from "../../../../core/receipt";
import { openDatabase, type Db } from "../../../../server/src/common/db";
import { ReceiptRecorder, type ReceiptDraft } from "../../../../server/src/modules/receipts/recorder";
import { PackedJson } from "../../../../server/src/store/packed-json";
import { isPackedRecord, packReceiptRecord, unpackReceiptRecord } from "../../../../server/src/store/receipt-record";
import { ReceiptStore, type ReceiptEnvelope, type StoredReceipt } from "../../../../server/src/store/receipts";
import { writeEarlierRelease } from "../../support/legacy-receipts";

const CONSUMER = ethers.id("consumer department").toLowerCase();
const PROVIDER = ethers.id("provider department").toLowerCase();
const DOMAIN = exchangeDomain(31337, "0x" + "22".repeat(20));
// Fixed keys: their signatures (RFC 6979) are the same on every run.
const consumerKey = new Wallet(ethers.id("consumer key"));
const providerKey = new Wallet(ethers.id("provider key"));
/** The release before compact rows: the first 14 statements of the receipt store's schema. */
const BEFORE_COMPACT_ROWS = 14;

function draftOf(n: number, request: ExchangeRequest | null, delivered = true): ReceiptDraft {
  return {
    time: 1_700_000_000 + n,
    department: CONSUMER,
    // A checksummed (mixed-case) address, as a gateway's account may be.
    account: ethers.getAddress("0x" + "ab".repeat(20)),
    grantId: String(1 + (n % 2)),
    agreementId: String(1 + (n % 3)),
    consentId: delivered ? ethers.id(`consent ${n}`) : ZeroHash,
    provider: PROVIDER,
    resourceId: ethers.id("resource"),
    resourceVersion: 1,
    fieldMask: delivered ? "0x3" : "0x0",
    subjectRef: ethers.id(`subject ${n % 2}`),
    purpose: ethers.encodeBytes32String("purpose"),
    result: delivered ? "delivered" : "denied",
    reason: delivered ? "ok" : "consent_missing",
    requestHash: request === null ? ethers.id(`request ${n}`) : requestDigest(DOMAIN, request),
    responseHash: delivered ? ethers.id(`response ${n}`) : ZeroHash,
  };
}

/** A federated consumer's receipt of exchange `n` with both signed messages (the response only when `answered`). */
async function federated(n: number, answered = true): Promise<{ draft: ReceiptDraft; envelope: ReceiptEnvelope }> {
  const request: ExchangeRequest = {
    requestId: ethers.id(`request id ${n}`),
    consumer: CONSUMER,
    grantId: String(1 + (n % 2)),
    purpose: ethers.encodeBytes32String("purpose"),
    subjectRef: ethers.id(`subject ${n % 2}`),
    fieldMask: "0x3",
    paramsHash: ethers.id(`params ${n}`),
    time: 1_700_000_000 + n,
  };
  const draft = draftOf(n, request);
  const response: ExchangeResponse = {
    requestId: request.requestId,
    requestDigest: draft.requestHash,
    provider: PROVIDER,
    result: "delivered",
    reason: ethers.encodeBytes32String("ok"),
    responseHash: draft.responseHash,
    time: request.time,
  };
  const requestSignature = await signRequest(consumerKey, DOMAIN, request);
  const exchange = answered
    ? { request, requestSignature, response, responseSignature: await signResponse(providerKey, DOMAIN, response) }
    : { request, requestSignature };
  return { draft, envelope: { requestId: request.requestId, role: "consumer", exchange } };
}

describe("Receipts: compact rows", function () {
  describe("the packed record", function () {
    const packer = new PackedJson([]);
    const roundTrip = (value: unknown, known: string[] = []) =>
      JSON.stringify(packer.unpack(packer.pack(value, known), known));

    it("serves a receipt and its signed messages back byte for byte, in under a third of their JSON", async function () {
      const db = openDatabase(":memory:");
      try {
        const recorder = new ReceiptRecorder(new ReceiptStore(db));
        for (const answered of [true, false]) {
          const { draft, envelope } = await federated(answered ? 1 : 2, answered);
          const { receipt } = await recorder.record(draft, envelope);
          const receiptJson = JSON.stringify(receipt);
          const exchangeJson = JSON.stringify(envelope.exchange);
          const known = [receipt.department, receipt.id, receipt.provider, receipt.subjectRef];
          const value = { receipt, exchange: envelope.exchange, requestId: envelope.requestId };
          const record = packReceiptRecord(value, receiptJson, exchangeJson, known);
          expect(isPackedRecord(record)).to.equal(true);
          expect(record.length).to.be.below((receiptJson.length + exchangeJson.length) / 3);
          const back = unpackReceiptRecord(record, known);
          expect(JSON.stringify(back.receipt)).to.equal(receiptJson);
          expect(JSON.stringify(back.exchange)).to.equal(exchangeJson);
          expect(back.requestId).to.equal(envelope.requestId);
          // Without the row's values, the same record cannot be read: they are references, not copies.
          expect(() => unpackReceiptRecord(record, [])).to.throw(/reference/);
        }
      } finally {
        db.close();
      }
    });

    it("writes a value seen before, in the record or among the row's columns, as a reference of two bytes", function () {
      const hash = ethers.id("hash").toLowerCase();
      const once = packer.pack([hash], []).length;
      expect(once).to.equal(1 + 1 + 1 + 1 + 32); // array, count; hex, length, its bytes
      expect(packer.pack([hash, hash], []).length).to.equal(once + 2);
      expect(packer.pack([hash], [hash]).length).to.equal(1 + 1 + 2);
      expect(roundTrip([hash, { a: hash }], [hash])).to.equal(JSON.stringify([hash, { a: hash }]));
      // The same digits as a number and as a string are two values.
      expect(roundTrip([1, "1", 1, "1"])).to.equal(`[1,"1",1,"1"]`);
    });

    it("keeps hex of odd length as text, and upper-case or mixed-case hex with its case", function () {
      const odd = packer.pack(["0x3"], []);
      expect(odd.toString("latin1")).to.include("0x3");
      const cases = ["0x3", "0xABCDEF", "0xAbCd00", ethers.getAddress("0x" + "ab".repeat(20)), "0x", "0xzz", "0X12"];
      for (const value of cases) expect(roundTrip([value])).to.equal(JSON.stringify([value]));
      // Trailing zero bytes are counted, not written: a bytes32 string, the zero hash.
      expect(packer.pack([ZeroHash], []).length).to.equal(1 + 1 + 1 + 1 + 1);
      expect(roundTrip([ZeroHash, ethers.encodeBytes32String("ok")])).to.equal(
        JSON.stringify([ZeroHash, ethers.encodeBytes32String("ok")]),
      );
    });

    it("round-trips every kind of JSON value: numbers, booleans, null, strings, nested arrays and objects", function () {
      const value = {
        n: [0, 127, 128, 2 ** 53 - 1, -1, 1.5, -0.25, 1e300],
        b: [true, false, null],
        s: ["", "é", "汉字"],
      };
      expect(roundTrip(value)).to.equal(JSON.stringify(value));
      expect(roundTrip({ "2": "x", "1": { deep: [[[]]] } })).to.equal(
        JSON.stringify({ "2": "x", "1": { deep: [[[]]] } }),
      );
    });

    it("keeps a record as its JSON when packing would not give it back exactly", function () {
      const receipt = { id: ethers.id("r"), note: undefined } as unknown as Receipt;
      const receiptJson = JSON.stringify(receipt);
      const record = packReceiptRecord({ receipt, exchange: null, requestId: null }, receiptJson, null, []);
      expect(isPackedRecord(record)).to.equal(false);
      expect(record.toString("utf8", 1)).to.equal(`[${receiptJson},null,null]`);
      expect(JSON.stringify(unpackReceiptRecord(record, []).receipt)).to.equal(receiptJson);
      // An own "__proto__" key (JSON.parse makes one) would become a prototype when unpacked: kept as JSON.
      const odd = JSON.parse(`{"__proto__":{"a":1},"b":"0x00"}`) as unknown;
      const oddJson = JSON.stringify(odd);
      const kept = packReceiptRecord({ receipt: odd, exchange: null, requestId: null }, oddJson, null, []);
      expect(isPackedRecord(kept)).to.equal(false);
      expect(JSON.stringify(unpackReceiptRecord(kept, []).receipt)).to.equal(oddJson);
    });
  });

  describe("the table", function () {
    let db: Db;
    let current: Db | undefined;
    afterEach(() => {
      db?.close();
      current?.close();
      current = undefined;
    });

    it("keeps ids as 32 bytes, one packed record a receipt, and no index nothing asks for", async function () {
      db = openDatabase(":memory:");
      const store = new ReceiptStore(db);
      const recorder = new ReceiptRecorder(store);
      const { draft, envelope } = await federated(1);
      const { receipt } = await recorder.record(draft, envelope);
      const row = db
        .prepare(
          `SELECT typeof(department) AS department, length(id) AS id, length(leaf) AS leaf, length(record) AS record
           FROM receipts`,
        )
        .get() as Record<string, unknown>;
      expect(row).to.deep.include({ department: "blob", id: 32, leaf: 32 });
      expect(row.record).to.be.below(500);
      expect(
        db
          .prepare(`SELECT name FROM sqlite_schema WHERE name IN ('receipts_provider', 'receipts_request_id')`)
          .pluck()
          .get(),
      ).to.equal(undefined);
      // A department sees the receipt as requester and as provider; others do not.
      for (const [visibleTo, count] of [
        [CONSUMER, 1],
        [PROVIDER, 1],
        [ethers.id("other").toLowerCase(), 0],
      ] as const) {
        expect(store.list({ visibleTo, limit: 10 })).to.have.length(count);
      }
      expect(store.get(receipt.id.toUpperCase().replace("0X", "0x"))?.receipt).to.deep.equal(receipt);
      expect(store.departments()).to.deep.equal([CONSUMER]);
      expect(store.head(CONSUMER)?.sequence).to.equal(1);
    });

    it("migrates the release before: federated and pre-federation receipts, JSON and byte proofs, all kept", async function () {
      // The same receipts written by this release and by the one before, then compared receipt by receipt.
      current = openDatabase(":memory:");
      const store = new ReceiptStore(current);
      const recorder = new ReceiptRecorder(store);
      const receipts: Receipt[] = [];
      for (let n = 0; n < 8; n++) {
        // Receipts 1–3 before federation (no envelope), 4–8 federated (7 without a response yet).
        const { draft, envelope } =
          n < 3 ? { draft: draftOf(n, null, n !== 1), envelope: null } : await federated(n, n !== 6);
        receipts.push((await recorder.record(draft, envelope)).receipt);
      }
      // Batch 1 (receipts 1–4) anchored when proofs were JSON, batch 2 (5–6) with their bytes; 7–8 unbatched.
      const batches = [receipts.slice(0, 4), receipts.slice(4, 6)].map((members, i) => {
        const built = buildBatch(members);
        store.saveBatch({
          department: CONSUMER,
          sequence: i + 1,
          root: built.root,
          previousRoot: i === 0 ? ZeroHash : buildBatch(receipts.slice(0, 4)).root,
          firstSequence: members[0].sequence,
          lastSequence: members.at(-1)!.sequence,
          proofs: members.map((r) => built.proofs[r.id]),
          createdMs: 1,
        });
        store.markAnchored(CONSUMER, i + 1, built.root, ethers.id(`anchor ${i}`), 7 + i);
        return built;
      });
      const served = new Map<string, StoredReceipt>(receipts.map((r) => [r.id, store.get(r.id)!]));
      db = openDatabase(":memory:");
      writeEarlierRelease(
        db,
        BEFORE_COMPACT_ROWS,
        receipts.map((r) => ({ stored: served.get(r.id)!, proofAs: r.sequence <= 4 ? "json" : "bytes" })),
        current.prepare(`SELECT * FROM receipt_batches`).all() as Record<string, unknown>[],
      );
      const texts = db.prepare(`SELECT id, body, exchange FROM receipts`).all() as Array<{
        id: string;
        body: string;
        exchange: string | null;
      }>;
      expect(texts.filter((t) => t.exchange === null)).to.have.length(3);

      const migrated = new ReceiptStore(db);
      expect(migrated.fresh).to.equal(true);
      expect(db.pragma("integrity_check", { simple: true })).to.equal("ok");
      for (const text of texts) {
        const stored = migrated.get(text.id)!;
        expect(stored).to.deep.equal(served.get(text.id));
        expect(JSON.stringify(stored.receipt)).to.equal(text.body);
        expect(stored.envelope === null ? null : JSON.stringify(stored.envelope.exchange)).to.equal(text.exchange);
      }
      for (const [i, members] of [receipts.slice(0, 4), receipts.slice(4, 6)].entries()) {
        for (const r of members) expect(verifyProof(r, migrated.get(r.id)!.proof!, batches[i].root)).to.equal(true);
      }
      // Every record packed; the JSON proofs of batch 1 kept as they were.
      expect(db.prepare(`SELECT COUNT(*) FROM receipts WHERE substr(record, 1, 1) = x'01'`).pluck().get()).to.equal(8);
      expect(db.prepare(`SELECT COUNT(*) FROM receipts WHERE proof IS NOT NULL`).pluck().get()).to.equal(4);
      // Listings, filters and cursors answer as before.
      const queries = [
        { visibleTo: null, limit: 3 },
        { visibleTo: PROVIDER, limit: 10 },
        { visibleTo: CONSUMER, subjectRef: ethers.id("subject 1"), limit: 10 },
        { visibleTo: null, agreementId: "2", limit: 10 },
        { visibleTo: null, since: 1_700_000_004, limit: 10 },
        { visibleTo: null, after: { time: 1_700_000_002, department: CONSUMER, sequence: 3 }, limit: 10 },
      ];
      for (const query of queries) expect(migrated.list(query)).to.deep.equal(store.list(query));
      expect(migrated.unbatched(CONSUMER, 10).map((u) => u.receipt)).to.deep.equal(receipts.slice(6));
      expect(migrated.deliveredSince(0)).to.deep.equal(store.deliveredSince(0));
      // The recorder continues the department's chain on the rebuilt table.
      const next = await new ReceiptRecorder(migrated).record(draftOf(9, null));
      expect(next.receipt.sequence).to.equal(9);
      expect(next.receipt.prevHash).to.equal(served.get(receipts[7].id)!.leaf);
    });
  });
});
