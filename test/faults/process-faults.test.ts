/**
 * Process-level faults (issue 6, faults 1, 2 and 4) against the real processes of `npm start` on 127.0.0.1: the
 * Hardhat node, the demo backends and the supervised gateways (one per department), in a temporary data directory on
 * free ports. The gateway broken is the consumer's (civil affairs'), where the writes and fetches are acknowledged
 * and its receipts kept; the providers register their resources at their own gateways.
 * Run with `npm run test:faults` (`hardhat test test/faults/*.test.ts`); not part of `npm test`.
 *
 * 1. The consumer's gateway killed with SIGKILL at random moments under a steady load of consent writes and data fetches.
 * 2. The chain unavailable (the Hardhat node SIGSTOPped, then SIGCONTed): writes 202 or 503, never acknowledged and
 *    lost; fetches fail closed once anchoring is behind its limit; the gateway recovers by itself.
 * 4. 10,000 receipts pending anchoring when the gateway restarts: all anchored, none twice.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { expect } from "chai";
import { Interface, JsonRpcProvider, zeroPadValue } from "ethers";
import { DEMO_RESOURCES, MEDICAL_INSTITUTIONS } from "../../backends/datasets";
import { ReceiptRecorder, type ReceiptDraft } from "../../server/src/modules/receipts/recorder";
import { openDatabase } from "../../server/src/common/db";
import { RECEIPT_ROW_COLUMNS, ReceiptStore, receiptOfRow } from "../../server/src/store/receipts";
import { catalogBody } from "../../scripts/lib/demo-catalog";
import { backendsFileSchema, readJsonFile } from "../../scripts/lib/dev-files";
import { isAlive, jsonRpc, sleep, waitFor } from "../../scripts/harness";
import { call, must, type Answer } from "./support/http";
import { runs, tally } from "./support/processes";
import { Stack } from "./support/stack";

const PURPOSE = "minimum-living-allowance";
const CONSUMER = "gz-civil-affairs";
const DAY = 86_400;
const MAX_LAG_SECONDS = 5;
const KILLS = 3;
const ANCHOR_BOUND_MS = 120_000;
const BACKLOG = 10_000;

/** The consumer's gateway's database, read beside the running gateway (WAL). */
const consumerDatabase = (stack: Stack) => openDatabase(stack.gatewayFiles(CONSUMER).database);

const events = new Interface([
  "event ConsentRecorded(bytes32 indexed subjectRef, bytes32 indexed consentId, bytes32 indexed recipient, bytes32 resourceId, bytes32 purpose, bool separate, uint64 validFrom, uint64 validUntil, uint8 evidenceKind, bytes32 evidence, bytes32 recorder, bool afterWithdrawal)",
  "event BatchAnchored(bytes32 indexed departmentId, uint64 indexed batchSequence, bytes32 indexed root, uint32 receiptCount, uint64 firstReceiptSequence, uint64 lastReceiptSequence, bytes32 previousRoot, address operator)",
]);

interface Write {
  key: string;
  body: Record<string, unknown>;
  subjectRef: string;
  answer: Answer;
}

interface Fetch {
  answer: Answer;
}

describe("process faults: the real processes of npm start", function () {
  this.timeout(600_000);

  const stack = new Stack({ KUAJIE_ANCHOR_MAX_LAG_SECONDS: String(MAX_LAG_SECONDS), KUAJIE_LOG_LEVEL: "warn" });
  let gateway: string;
  let consumerToken: string;
  let auditorToken: string;
  let chain: JsonRpcProvider;
  let consentResourceId: string;
  let grantId: string;
  let validUntil: string;

  before(async function () {
    const credentials = await stack.launch();
    gateway = stack.gateway(CONSUMER);
    consumerToken = stack.token(CONSUMER);
    auditorToken = credentials.auditor.token;
    chain = new JsonRpcProvider(credentials.rpc, credentials.chainId, { staticNetwork: true });
    const backends = readJsonFile(stack.files.backends, backendsFileSchema, "backends file");

    const household = DEMO_RESOURCES.find((d) => d.code === "household-registration")!;
    const registered = new Map<string, string>();
    for (const def of [household, MEDICAL_INSTITUTIONS]) {
      const created = await must<{ resourceId: string }>(
        201,
        stack.gateway(def.provider),
        "POST",
        "/v1/catalog/resources",
        stack.token(def.provider),
        catalogBody(def, backends),
      );
      registered.set(def.code, created.resourceId);
    }
    consentResourceId = registered.get(household.code)!;
    await stack.indexed(CONSUMER);
    const block = (await jsonRpc(credentials.rpc, "eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
    const now = Number(BigInt(block.timestamp));
    validUntil = new Date((now + 180 * DAY) * 1000).toISOString();
    const agreement = await must<{ agreementId: string | number; status: string }>(
      201,
      gateway,
      "POST",
      "/v1/agreements",
      consumerToken,
      {
        resourceId: registered.get(MEDICAL_INSTITUTIONS.code)!,
        fields: MEDICAL_INSTITUTIONS.fields.map((f) => f.name),
        purpose: { code: PURPOSE },
        legalBasis: "public_interest",
        validUntil: new Date((now + 365 * DAY) * 1000).toISOString(),
        quota: { calls: 1_000_000, per: "day" },
      },
    );
    expect(agreement.status).to.equal("active");
    const grant = await must<{ grantId: string | number }>(201, gateway, "POST", "/v1/grants", consumerToken, {
      agreementId: String(agreement.agreementId),
    });
    grantId = String(grant.grantId);
  });

  after(async function () {
    chain?.destroy();
    await stack.stop();
  });

  /** A consent write with record evidence for a fresh random subject, so that its events can be counted. */
  function newWrite(): Omit<Write, "answer"> {
    const subjectRef = `0x${randomBytes(32).toString("hex")}`;
    return {
      key: randomUUID(),
      subjectRef,
      body: {
        subject: { subjectRef },
        recipient: stack.departmentId(CONSUMER),
        resourceId: consentResourceId,
        purpose: { code: PURPOSE },
        validUntil,
        separate: true,
        evidence: { type: "record", document: { schema: "ISO/IEC TS 27560:2023", event: "given", note: subjectRef } },
      },
    };
  }

  async function sendWrite(timeoutMs = 30_000): Promise<Write> {
    const write = newWrite();
    const answer = await call(gateway, "POST", "/v1/consents", consumerToken, write.body, write.key, timeoutMs);
    return { ...write, answer };
  }

  async function sendFetch(timeoutMs = 30_000): Promise<Fetch> {
    const answer = await call(
      gateway,
      "POST",
      "/v1/data/fetch",
      consumerToken,
      { grantId, purpose: { code: PURPOSE }, params: { limit: 2 } },
      randomUUID(),
      timeoutMs,
    );
    return { answer };
  }

  /** How many ConsentRecorded events name this subject reference. */
  async function consentsOnChain(subjectRef: string): Promise<string[]> {
    const logs = await chain.getLogs({
      address: stack.credentials.contracts.ConsentRegistry,
      topics: [events.getEvent("ConsentRecorded")!.topicHash, subjectRef.toLowerCase()],
      fromBlock: 0,
      toBlock: "latest",
    });
    return logs.map((log) => events.parseLog(log)!.args.consentId as string);
  }

  async function waitAnchored(receiptId: string): Promise<void> {
    await waitFor(`receipt ${receiptId} anchored`, ANCHOR_BOUND_MS, async () => {
      const answer = await call(gateway, "GET", `/v1/receipts/${receiptId}`, auditorToken);
      return answer.status === 200 && (answer.body as { status: string }).status === "anchored" ? true : undefined;
    });
  }

  /**
   * Every receipt in the gateway's database (read beside the running gateway; WAL): per department, sequences 1..n
   * with no gap or repeat and each prevHash the leaf before. Returns each department's last sequence.
   */
  async function checkReceiptChains(): Promise<Map<string, number>> {
    const db = consumerDatabase(stack);
    try {
      const rows = db
        .prepare(`SELECT sequence, ${RECEIPT_ROW_COLUMNS} FROM receipts ORDER BY department, sequence`)
        .all()
        .map((row) => ({ ...receiptOfRow(row), sequence: (row as { sequence: number }).sequence }));
      const heads = new Map<string, number>();
      let previous: { department: string; leaf: string } | null = null;
      for (const row of rows) {
        const expected = (heads.get(row.department) ?? 0) + 1;
        expect(row.sequence).to.equal(expected, `department ${row.department}: receipt sequence without a gap`);
        if (previous !== null && previous.department === row.department) {
          expect(row.receipt.prevHash).to.equal(previous.leaf, "hash chain unbroken");
        }
        heads.set(row.department, row.sequence);
        previous = { department: row.department, leaf: row.leaf };
      }
      return heads;
    } finally {
      db.close();
    }
  }

  /** AccessLedger batches of a department: sequences 1..n, receipt ranges contiguous from 1; returns the last. */
  async function checkBatches(
    department: string,
  ): Promise<{ batches: number; receipts: number; lastSequence: number }> {
    const logs = await chain.getLogs({
      address: stack.credentials.contracts.AccessLedger,
      topics: [events.getEvent("BatchAnchored")!.topicHash, zeroPadValue(department, 32)],
      fromBlock: 0,
      toBlock: "latest",
    });
    let receipts = 0;
    let lastSequence = 0;
    logs.forEach((log, i) => {
      const args = events.parseLog(log)!.args;
      expect(Number(args.batchSequence)).to.equal(i + 1, "batch sequence without a gap or a repeat");
      expect(Number(args.firstReceiptSequence)).to.equal(lastSequence + 1, "no receipt anchored twice or skipped");
      lastSequence = Number(args.lastReceiptSequence);
      expect(Number(args.receiptCount)).to.equal(lastSequence - Number(args.firstReceiptSequence) + 1);
      receipts += Number(args.receiptCount);
    });
    return { batches: logs.length, receipts, lastSequence };
  }

  it("fault 1: the gateway killed with SIGKILL 3 times under load loses no acknowledged write or fetch receipt", async function () {
    const writes: Write[] = [];
    const fetches: Fetch[] = [];
    let loading = true;
    const writer = async () => {
      while (loading) {
        const write = await sendWrite();
        writes.push(write);
        if (write.answer.status === 0 || write.answer.status >= 500) await sleep(200);
      }
    };
    const fetcher = async () => {
      while (loading) {
        const fetched = await sendFetch();
        fetches.push(fetched);
        if (fetched.answer.status !== 200) await sleep(200);
      }
    };
    const clients = [writer(), writer(), fetcher(), fetcher()];
    const kills: Array<{ before: number; after: number; atWrites: number; atFetches: number }> = [];
    try {
      for (let k = 0; k < KILLS; k++) {
        await sleep(2_000 + Math.floor(Math.random() * 4_000));
        const atWrites = writes.length;
        const atFetches = fetches.length;
        const pids = await stack.killGateway(CONSUMER);
        expect(isAlive(pids.before)).to.equal(false);
        kills.push({ ...pids, atWrites, atFetches });
      }
      await sleep(3_000);
    } finally {
      loading = false;
      await Promise.all(clients);
    }

    const acknowledged = writes.filter((w) => w.answer.status >= 200 && w.answer.status < 300);
    const fetched = fetches.filter((f) => f.answer.status === 200);
    const summary = {
      kills: kills.length,
      writes: writes.length,
      writeStatuses: tally(writes.map((w) => w.answer.status)),
      fetches: fetches.length,
      fetchStatuses: tally(fetches.map((f) => f.answer.status)),
    };
    console.log(`      fault 1: ${JSON.stringify(summary)}`);
    expect(acknowledged.length).to.be.above(0);
    expect(fetched.length).to.be.above(0);

    // Every acknowledged write mined exactly once (a 202 may still be in the outbox: wait for it, bounded).
    for (const write of acknowledged) {
      const ids = await waitFor(`consent of ${write.key} on chain`, ANCHOR_BOUND_MS, async () => {
        const found = await consentsOnChain(write.subjectRef);
        return found.length > 0 ? found : undefined;
      });
      expect(ids.length).to.equal(1, `write ${write.key} (${write.answer.status}) recorded exactly once`);
      if (write.answer.status === 201) {
        expect((write.answer.body as { consentId: string }).consentId.toLowerCase()).to.equal(ids[0].toLowerCase());
      }
    }
    // Writes without an answer (in flight at a kill) are on chain at most once.
    for (const write of writes.filter((w) => !(w.answer.status >= 200 && w.answer.status < 300))) {
      expect((await consentsOnChain(write.subjectRef)).length).to.be.at.most(1, `unacknowledged ${write.key}`);
    }
    // A retry of an acknowledged write with the same key returns the original result.
    for (const write of acknowledged.filter((w) => w.answer.status === 201)) {
      const retry = await call(gateway, "POST", "/v1/consents", consumerToken, write.body, write.key);
      expect(retry.status).to.equal(201, `retry of ${write.key}`);
      expect((retry.body as { consentId: string }).consentId).to.equal(
        (write.answer.body as { consentId: string }).consentId,
      );
      expect((await consentsOnChain(write.subjectRef)).length).to.equal(1, "the retry did not write again");
    }
    // Every delivered fetch's receipt gets anchored; receipts and batches have no gaps.
    for (const f of fetched) await waitAnchored((f.answer.body as { receipt: { id: string } }).receipt.id);
    const heads = await checkReceiptChains();
    for (const department of heads.keys()) {
      const batches = await checkBatches(department);
      expect(batches.lastSequence).to.be.at.most(heads.get(department)!);
    }
  });

  it("fault 2: with the node stopped, writes are 202 or 503 and none is lost; fetches fail closed; recovery without a restart", async function () {
    const { node } = stack.processes();
    const gatewayPid = stack.gatewayPid(CONSUMER);
    expect(node).to.be.a("number");
    const outageWrites: Write[] = [];
    const outageFetches: Fetch[] = [];
    process.kill(node!, "SIGSTOP");
    let closed = false;
    try {
      const until = Date.now() + (MAX_LAG_SECONDS + 15) * 1_000;
      // One fetch first, so that a receipt waits for anchoring and the lag clock runs.
      outageFetches.push(await sendFetch(20_000));
      const writer = async () => {
        while (Date.now() < until) outageWrites.push(await sendWrite(20_000));
      };
      const fetcher = async () => {
        while (Date.now() < until) {
          const fetched = await sendFetch(20_000);
          outageFetches.push(fetched);
          if (fetched.answer.status === 503) closed = true;
          await sleep(500);
        }
      };
      await Promise.all([writer(), writer(), writer(), fetcher()]);
    } finally {
      process.kill(node!, "SIGCONT");
    }
    console.log(
      `      fault 2: outage writes ${JSON.stringify(tally(outageWrites.map((w) => w.answer.status)))}, ` +
        `fetches ${JSON.stringify(tally(outageFetches.map((f) => f.answer.status)))}`,
    );
    for (const write of outageWrites) {
      expect([0, 201, 202, 503]).to.include(
        write.answer.status,
        `outage write answered ${JSON.stringify(write.answer)}`,
      );
    }
    expect(closed, "fetches fail closed (503) once anchoring is behind its limit").to.equal(true);
    const lastFetch = outageFetches[outageFetches.length - 1].answer;
    expect(lastFetch.status).to.equal(503, `the last fetch of the outage: ${JSON.stringify(lastFetch.body)}`);

    // Recovery by itself: the same gateway process, healthy, fetching again.
    await stack.healthy(CONSUMER, 60_000);
    await waitFor("fetches delivered again", ANCHOR_BOUND_MS, async () =>
      (await sendFetch()).answer.status === 200 ? true : undefined,
    );
    expect(stack.gatewayPid(CONSUMER)).to.equal(gatewayPid, "recovered without a restart");
    for (const write of outageWrites.filter((w) => w.answer.status === 201 || w.answer.status === 202)) {
      const ids = await waitFor(`outage write ${write.key} on chain`, ANCHOR_BOUND_MS, async () => {
        const found = await consentsOnChain(write.subjectRef);
        return found.length > 0 ? found : undefined;
      });
      expect(ids.length).to.equal(1, `accepted outage write ${write.key} recorded exactly once`);
    }
    for (const write of outageWrites.filter((w) => w.answer.status === 0 || w.answer.status === 503)) {
      expect((await consentsOnChain(write.subjectRef)).length).to.be.at.most(1);
    }
    const after = await sendWrite();
    expect(after.answer.status).to.equal(201, JSON.stringify(after.answer.body));
    await checkReceiptChains();
  });

  it(`fault 4: ${BACKLOG.toLocaleString("en")} receipts pending when the gateway restarts are all anchored, none twice`, async function () {
    // A template: the consumer's latest real receipt; the backlog continues its sequence and hash chain.
    const heads = await checkReceiptChains();
    const department = stack.departmentId(CONSUMER).toLowerCase();
    const headBefore = heads.get(department)!;
    const templateDb = consumerDatabase(stack);
    const template = receiptOfRow(
      templateDb
        .prepare(`SELECT ${RECEIPT_ROW_COLUMNS} FROM receipts WHERE department = ? ORDER BY sequence DESC LIMIT 1`)
        .get(Buffer.from(department.slice(2), "hex")),
    ).receipt as { id: string; sequence: number; prevHash: string } & Record<string, unknown>;
    templateDb.close();
    expect(template.sequence).to.equal(headBefore);
    await waitAnchored(template.id);

    // The supervisor paused (so that it cannot restart the gateway yet), the gateway stopped with SIGKILL.
    const { start } = stack.processes();
    const oldGateway = stack.gatewayPid(CONSUMER);
    process.kill(start, "SIGSTOP");
    let backlogIds: string[];
    try {
      process.kill(oldGateway!, "SIGKILL");
      // Its parent is paused, so it stays a zombie until the supervisor reaps it: dead, not yet gone.
      await waitFor("the gateway dead", 10_000, async () => (runs(oldGateway!) ? undefined : true));
      const db = consumerDatabase(stack);
      try {
        const recorder = new ReceiptRecorder(new ReceiptStore(db));
        const { id: _id, sequence: _sequence, prevHash: _prevHash, ...draft } = template;
        const recorded = await Promise.all(
          Array.from({ length: BACKLOG }, () => recorder.record({ ...(draft as unknown as ReceiptDraft) })),
        );
        backlogIds = recorded.map((r) => r.receipt.id);
        expect(recorded[recorded.length - 1].receipt.sequence).to.equal(headBefore + BACKLOG);
      } finally {
        db.close();
      }
    } finally {
      process.kill(start, "SIGCONT");
    }
    const restarted = await waitFor("the restarted gateway", 90_000, async () => {
      const now = stack.gatewayPid(CONSUMER);
      return now !== null && now !== oldGateway ? now : undefined;
    });
    await stack.healthy(CONSUMER, 90_000);
    const began = Date.now();
    await waitAnchored(backlogIds[backlogIds.length - 1]);
    const seconds = (Date.now() - began) / 1000;
    const batches = await checkBatches(department);
    console.log(
      `      fault 4: gateway ${oldGateway} → ${restarted}; ${BACKLOG} pending receipts anchored in ${seconds.toFixed(1)} s ` +
        `after /healthz; ${batches.batches} batches cover receipts 1..${batches.lastSequence}`,
    );
    expect(batches.lastSequence).to.equal(headBefore + BACKLOG);
    expect(batches.receipts).to.equal(headBefore + BACKLOG, "batch counts sum to the receipts: none twice");
    // A sample through the API, with proofs.
    for (const id of [backlogIds[0], backlogIds[Math.floor(BACKLOG / 2)], backlogIds[BACKLOG - 1]]) {
      const view = await must<{ status: string; proof?: string[] }>(
        200,
        gateway,
        "GET",
        `/v1/receipts/${id}`,
        auditorToken,
      );
      expect(view.status).to.equal("anchored");
      expect(view.proof).to.be.an("array");
    }
    // In the gateway's database: every receipt in an anchored batch.
    const db = consumerDatabase(stack);
    try {
      const row = db
        .prepare(
          `SELECT COUNT(*) AS n FROM receipts r LEFT JOIN receipt_batches b
             ON b.department = r.department AND b.sequence = r.batch_sequence
           WHERE r.department = ? AND (b.status IS NULL OR b.status <> 'anchored')`,
        )
        .get(department) as { n: number };
      expect(row.n).to.equal(0, "receipts not in an anchored batch");
    } finally {
      db.close();
    }
  });
});
