/**
 * The outbox keeps a row's calldata and its signed transaction in tables of their own, each written once: a status
 * change rewrites only the small `outbox` row (a consents batch carries ~150 kB of each, which every UPDATE used to
 * write to the WAL again and sync). A database of the release before, with the payloads in the row, is migrated with
 * every row kept, and what was signed before a restart is still sent byte for byte after it.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { keccak256, Wallet, type JsonRpcProvider } from "ethers";
import { OutboxStore } from "../../../server/src/chain/outbox";
import { createProvider } from "../../../server/src/chain/provider";
import { CHAIN_MIGRATIONS, migrateChainSchema } from "../../../server/src/chain/schema";
import { TxSender, type OutboxRow } from "../../../server/src/chain/tx-sender";
import { migrate, openDatabase, type Db } from "../../../server/src/common/db";
import { deployOutboxTarget, devSigners, storedValues, type DeployedTarget } from "./support/chain-fixture";
import { startHardhatNode, type HardhatNode } from "./support/hardhat-node";

/** The release before the payload tables: its chain schema is the first 8 statements. */
const BEFORE_PAYLOADS = 8;
const GENESIS = "0x" + "11".repeat(32);
const SENDER = "0x" + "22".repeat(20);
const TO = "0x" + "33".repeat(20);
const PAGE = 16_384;
const FAST = { pollIntervalMs: 20, idleIntervalMs: 50, chainCheckIntervalMs: 200, maxBackoffMs: 200 };

/** `bytes` bytes of deterministic hex, different for each `seed`. */
function hexOf(bytes: number, seed: number): string {
  return "0x" + Buffer.from(Array.from({ length: bytes }, (_, i) => (i * 7 + seed) % 256)).toString("hex");
}

const columnsOf = (db: Db, table: string) =>
  (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((c) => c.name);

describe("Outbox payloads in tables of their own", function () {
  let dir: string;
  const dbs: Db[] = [];

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-payloads-"));
  });

  afterEach(function () {
    dbs.splice(0).forEach((db) => db.open && db.close());
  });

  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function open(file: string): Db {
    const db = openDatabase(path.join(dir, file));
    dbs.push(db);
    return db;
  }

  it("writes the calldata once and the signed transaction once; sent, rebroadcast, error and mined leave them untouched", function () {
    const db = open("status-updates.db");
    // No checkpoint: the WAL keeps every frame written, so its growth is what each step wrote.
    db.pragma("wal_autocheckpoint = 0");
    migrateChainSchema(db);
    const store = new OutboxStore(db);
    store.raiseNextNonce(GENESIS, SENDER, 0);
    // About a consents batch's size: 100 kB of calldata, as much again signed.
    const data = hexOf(100_000, 1);
    const rawTx = hexOf(100_000, 2);
    const txHash = "0x" + "44".repeat(32);
    const wal = path.join(dir, "status-updates.db-wal");
    const pagesWritten = (step: () => void): number => {
      const before = fs.statSync(wal).size;
      step();
      return (fs.statSync(wal).size - before) / (PAGE + 24);
    };
    const payloads = () => ({
      calldata: db.prepare(`SELECT outbox_id, '0x' || lower(hex(data)) AS data FROM outbox_calldata`).all(),
      signed: db.prepare(`SELECT outbox_id, '0x' || lower(hex(raw_tx)) AS raw_tx FROM outbox_signed`).all(),
    });

    let id = 0;
    const inserted = pagesWritten(() => {
      id = store.insert(
        {
          genesis: GENESIS,
          key: "health",
          sender: SENDER,
          to: TO,
          data,
          gasLimit: 9_000_000n,
          dedupeKey: null,
          meta: {},
        },
        1,
      ) as number;
    });
    const signed = pagesWritten(() => store.markSigned(id, rawTx, txHash, 2));
    const afterSigning = payloads();
    expect(afterSigning).to.deep.equal({
      calldata: [{ outbox_id: id, data }],
      signed: [{ outbox_id: id, raw_tx: rawTx }],
    });

    const statusSteps = [
      pagesWritten(() => store.markSent(id, 3)),
      pagesWritten(() => store.markForRebroadcast([id], 4)),
      pagesWritten(() => store.noteError(id, "network: timeout", 5)),
      pagesWritten(() => store.markSent(id, 6)),
    ];
    expect(payloads()).to.deep.equal(afterSigning);
    expect(store.get(id)).to.deep.include({ status: "sent", data, rawTx, txHash, attempts: 1, sentAt: 6 });

    // Each payload, 100 kB stored as bytes, fills 7 pages of 16 KiB; a status change writes the row's page and its
    // index's, not those (in the release before, with the payloads in the row, each wrote 28 pages).
    expect(inserted).to.be.at.least(7);
    expect(signed).to.be.at.least(7);
    statusSteps.forEach((pages) => expect(pages).to.be.within(1, 3));

    store.finalize(
      id,
      {
        status: "mined",
        blockNumber: 7,
        blockHash: "0x" + "55".repeat(32),
        gasUsed: 21_000n,
        logs: [],
        revertData: null,
        revert: null,
      },
      7,
    );
    // A final row is never sent again: its signed bytes go, as they did from the row; the calldata stays.
    expect(payloads()).to.deep.equal({ calldata: [{ outbox_id: id, data }], signed: [] });
    expect(store.get(id)).to.deep.include({ status: "mined", data, rawTx: null, txHash, blockNumber: 7 });
  });

  it("drops the signed bytes of a row given up or requeued, and signs it afresh", function () {
    const db = open("requeue.db");
    migrateChainSchema(db);
    const store = new OutboxStore(db);
    store.raiseNextNonce(GENESIS, SENDER, 0);
    const intent = (n: number) => ({
      genesis: GENESIS,
      key: "health",
      sender: SENDER,
      to: TO,
      data: hexOf(64, n),
      gasLimit: null,
      dedupeKey: null,
      meta: { n },
    });
    const [a, b, c] = [0, 1, 2].map((n) => store.insert(intent(n), 1) as number);
    store.markSigned(a, hexOf(40, 10), "0x" + "a0".repeat(32), 2);
    store.markSigned(b, hexOf(40, 11), "0x" + "b0".repeat(32), 2);
    // A second markSigned of a row already signed changes nothing (the row is no longer queued).
    store.markSigned(a, hexOf(40, 99), "0x" + "99".repeat(32), 3);
    expect(store.get(a)).to.deep.include({ rawTx: hexOf(40, 10), txHash: "0x" + "a0".repeat(32) });

    store.requeue(a, "replaced: nonce 0 was used by another transaction", 4);
    expect(store.get(a)).to.deep.include({ status: "queued", rawTx: null, txHash: null, data: hexOf(64, 0) });
    store.markSigned(a, hexOf(40, 12), "0x" + "a1".repeat(32), 5);
    expect(store.get(a)).to.deep.include({ status: "signed", rawTx: hexOf(40, 12), attempts: 2 });

    store.releaseNonce(c, { status: "failed", revertData: null, revert: null, error: "rejected: no" }, 6);
    expect(store.get(c)).to.deep.include({ status: "failed", nonce: null, rawTx: null, data: hexOf(64, 2) });

    expect(store.abandonChain(GENESIS, "chain_reset: genesis_changed", 7)).to.have.members([a, b]);
    expect(db.prepare(`SELECT COUNT(*) FROM outbox_signed`).pluck().get()).to.equal(0);
    expect([a, b, c].map((id) => store.get(id)?.data)).to.deep.equal([0, 1, 2].map((n) => hexOf(64, n)));
    // Calldata that is not whole bytes of hex could never be signed: refused at once, nothing written, no nonce used.
    for (const data of ["0x123", "0xzz", "ab"]) {
      expect(() => store.insert({ ...intent(9), data }, 8)).to.throw(TypeError, /calldata must be 0x-prefixed hex/);
    }
    expect(db.prepare(`SELECT COUNT(*) FROM outbox`).pluck().get()).to.equal(3);
    expect(store.nextNonce(GENESIS, SENDER)).to.equal(store.get(b)!.nonce! + 1);

    // The sender follows its rows without reading their payloads; the calldata is read alone when a revert is replayed.
    const heads = store.pendingRows(GENESIS, SENDER, ["queued", "signed", "sent", "failed"]);
    expect(heads.map((h) => h.id)).to.have.members([a, b, c]);
    heads.forEach((h) => expect(h).to.not.have.any.keys("data", "rawTx"));
    expect(store.calldata(b)).to.equal(hexOf(64, 1));
    expect(store.calldata(999)).to.equal(null);
  });

  it("moves the payloads of a database of the release before out of its rows, every row and field kept", function () {
    const db = open("release-before.db");
    migrate(db, "chain", CHAIN_MIGRATIONS.slice(0, BEFORE_PAYLOADS));
    expect(columnsOf(db, "outbox")).to.include.members(["data", "raw_tx"]);
    const columns = [
      "genesis",
      "sender",
      "nonce",
      "to_address",
      "data",
      "gas_limit",
      "dedupe_key",
      "meta_json",
      "status",
      "raw_tx",
      "tx_hash",
      "attempts",
      "block_number",
      "block_hash",
      "gas_used",
      "logs_json",
      "error",
      "created_at",
      "updated_at",
      "sent_at",
    ];
    const insert = db.prepare(
      `INSERT INTO outbox (key, ${columns.join(", ")}) VALUES ('health', ${columns.map((c) => `@${c}`).join(", ")})`,
    );
    // A row of the release before: what is not given is null (or, for a few columns, the same in every row).
    const row = (fields: Record<string, string | number | null>) =>
      insert.run({
        ...Object.fromEntries(columns.map((c) => [c, null])),
        genesis: GENESIS,
        sender: SENDER,
        to_address: TO,
        attempts: 0,
        ...fields,
      });
    const hash = (n: number) => "0x" + n.toString(16).padStart(64, "0");
    // mined (its signed bytes already dropped), failed without a nonce, sent, signed, queued: the states a row is in.
    row({
      nonce: 0,
      data: hexOf(30_000, 0),
      gas_limit: "500000",
      dedupe_key: "anchor:1",
      meta_json: "{}",
      status: "mined",
      tx_hash: hash(1),
      attempts: 1,
      block_number: 9,
      block_hash: hash(9),
      gas_used: "21000",
      logs_json: "[]",
      created_at: 1,
      updated_at: 2,
      sent_at: 2,
    });
    row({
      data: hexOf(20, 1),
      meta_json: '{"i":1}',
      status: "failed",
      error: "rejected: no",
      created_at: 1,
      updated_at: 2,
    });
    row({
      nonce: 1,
      data: hexOf(30_000, 2),
      meta_json: '{"i":2}',
      status: "sent",
      raw_tx: hexOf(30_100, 12),
      tx_hash: hash(2),
      attempts: 1,
      created_at: 3,
      updated_at: 4,
      sent_at: 4,
    });
    row({
      nonce: 2,
      data: hexOf(20, 3),
      gas_limit: "90000",
      dedupe_key: "consents:7",
      meta_json: '{"i":3}',
      status: "signed",
      raw_tx: hexOf(120, 13),
      tx_hash: hash(3),
      attempts: 1,
      created_at: 3,
      updated_at: 4,
    });
    row({ nonce: 3, data: hexOf(20, 4), meta_json: '{"i":4}', status: "queued", created_at: 5, updated_at: 5 });
    db.prepare(`INSERT INTO outbox_nonces (genesis, sender, next_nonce) VALUES (?, ?, 4)`).run(GENESIS, SENDER);
    const before = db.prepare(`SELECT * FROM outbox ORDER BY id`).all() as Record<string, unknown>[];

    migrateChainSchema(db);
    const store = new OutboxStore(db);

    expect(db.prepare(`SELECT MAX(version) FROM schema_migrations WHERE component = 'chain'`).pluck().get()).to.equal(
      CHAIN_MIGRATIONS.length,
    );
    expect(columnsOf(db, "outbox")).to.not.include.members(["data"]).and.not.include.members(["raw_tx"]);
    const after = db.prepare(`SELECT * FROM outbox ORDER BY id`).all();
    expect(after).to.deep.equal(before.map(({ data: _data, raw_tx: _rawTx, ...rest }) => rest));
    for (const row of before) {
      expect(store.get(row.id as number), `row ${String(row.id)}`).to.deep.include({
        data: row.data,
        rawTx: row.raw_tx,
        status: row.status,
        nonce: row.nonce,
        txHash: row.tx_hash,
      });
    }
    expect(db.prepare(`SELECT outbox_id FROM outbox_signed ORDER BY outbox_id`).pluck().all()).to.deep.equal([3, 4]);
    expect(db.pragma("integrity_check", { simple: true })).to.equal("ok");
    expect(db.pragma("foreign_key_check")).to.deep.equal([]);

    // The sender carries on where the release before stopped: the signed row next, with its bytes, then new rows.
    expect(store.nextToSend(GENESIS, SENDER)).to.deep.include({ id: 4, status: "signed", rawTx: hexOf(120, 13) });
    expect(store.findByDedupeKey("consents:7")?.id).to.equal(4);
    const next = store.insert(
      {
        genesis: GENESIS,
        key: "health",
        sender: SENDER,
        to: TO,
        data: hexOf(8, 5),
        gasLimit: null,
        dedupeKey: null,
        meta: {},
      },
      6,
    );
    expect(next).to.equal(6);
    expect(store.get(6)).to.deep.include({ nonce: 4, data: hexOf(8, 5), rawTx: null, status: "queued" });
  });

  describe("against a hardhat node", function () {
    let node: HardhatNode;
    let provider: JsonRpcProvider;
    let target: DeployedTarget;

    before(async function () {
      node = await startHardhatNode();
      provider = await createProvider(node.url);
      target = await deployOutboxTarget(provider);
    });

    after(async function () {
      provider.destroy();
      await node.stop();
    });

    function senderOn(db: Db, signers: Map<string, Wallet>, halt?: (row: OutboxRow) => void): TxSender {
      return new TxSender({
        db,
        provider,
        chainId: 31337,
        signers,
        interfaces: [target.iface],
        ...FAST,
        faults: halt ? { afterSign: halt } : {},
      });
    }

    /** `store(value)` with 20 kB of padding after its arguments (ignored by the contract), so the payloads are large. */
    const padded = (value: number) => target.iface.encodeFunctionData("store", [value]) + "ab".repeat(20_000);

    it("sends, after a restart between signing and sending, the very transaction it signed before", async function () {
      const signers = devSigners(["health"], 3);
      const wallet = signers.get("health") as Wallet;
      const file = "restart-after-sign.db";
      let db = open(file);
      let halted = false;
      const first = senderOn(db, signers, (row) => {
        if (row.meta.i === 1) {
          halted = true;
          throw new Error("killed");
        }
      });
      await first.start();
      const ids = [0, 1, 2].map((i) => first.submit("health", { to: target.address, data: padded(300 + i) }, { i }));
      await waitUntil(() => halted);
      await first.stop();
      const signedRow = first.get(ids[1]) as OutboxRow;
      expect(signedRow.status).to.equal("signed");
      const signedBytes = db.prepare(`SELECT raw_tx FROM outbox_signed WHERE outbox_id = ?`).pluck().get(ids[1]);
      expect(keccak256(signedBytes as Buffer)).to.equal(signedRow.txHash);
      expect(await provider.send("eth_getTransactionByHash", [signedRow.txHash])).to.equal(null);
      db.close();

      db = open(file);
      expect(db.prepare(`SELECT raw_tx FROM outbox_signed WHERE outbox_id = ?`).pluck().get(ids[1])).to.deep.equal(
        signedBytes,
      );
      const second = senderOn(db, signers);
      await second.start();
      const rows = await Promise.all(ids.map((id) => second.waitFor(id)));
      await second.stop();

      expect(rows.map((r) => r.status)).to.deep.equal(["mined", "mined", "mined"]);
      expect(rows[1].txHash).to.equal(signedRow.txHash);
      expect(rows[1].attempts).to.equal(1);
      const onChain = (await provider.send("eth_getTransactionByHash", [signedRow.txHash])) as { input: string };
      expect(onChain.input).to.equal(padded(301));
      expect(rows.map((r) => r.data)).to.deep.equal([300, 301, 302].map(padded));
      expect(db.prepare(`SELECT COUNT(*) FROM outbox_signed`).pluck().get()).to.equal(0);
      expect((await storedValues(provider, target, wallet.address)).map(Number)).to.deep.equal([300, 301, 302]);
    });

    it("sends, after an upgrade from the release before, the transaction that release signed and did not send", async function () {
      const signers = devSigners(["health"], 4);
      const wallet = signers.get("health") as Wallet;
      const nonce = await provider.getTransactionCount(wallet.address);
      const genesis = ((await provider.send("eth_getBlockByNumber", ["0x0", false])) as { hash: string }).hash;
      const fees = await provider.getFeeData();
      const data = padded(400);
      const rawTx = await wallet.signTransaction({
        type: 2,
        chainId: 31337,
        nonce,
        to: target.address,
        data,
        gasLimit: 1_000_000n,
        maxFeePerGas: (fees.maxFeePerGas as bigint) * 2n,
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      });
      const txHash = keccak256(rawTx);

      const db = open("upgrade-signed.db");
      migrate(db, "chain", CHAIN_MIGRATIONS.slice(0, BEFORE_PAYLOADS));
      db.prepare(`INSERT INTO chain_meta (name, value) VALUES ('genesis_hash', ?)`).run(genesis);
      db.prepare(`INSERT INTO outbox_nonces (genesis, sender, next_nonce) VALUES (?, ?, ?)`).run(
        genesis,
        wallet.address,
        nonce + 1,
      );
      const id = Number(
        db
          .prepare(
            `INSERT INTO outbox (genesis, key, sender, nonce, to_address, data, gas_limit, meta_json, status, raw_tx,
               tx_hash, attempts, created_at, updated_at)
             VALUES (?, 'health', ?, ?, ?, ?, '1000000', '{}', 'signed', ?, ?, 1, 1, 1)`,
          )
          .run(genesis, wallet.address, nonce, target.address, data, rawTx, txHash).lastInsertRowid,
      );

      const sender = senderOn(db, signers);
      await sender.start();
      const row = await sender.waitFor(id);
      await sender.stop();

      expect(row).to.deep.include({ status: "mined", txHash, nonce, data, attempts: 1 });
      expect((await storedValues(provider, target, wallet.address)).map(Number)).to.deep.equal([400]);
    });
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
