/**
 * `npx ts-node --transpile-only bench/lib/scorecard-memory-main.ts [consents,...]`: what one `GET
 * /v1/audit/scorecard` costs a gateway in memory and time at a province's volume (issue 17), with no chain. For each
 * size a child process fills a database file as the indexer would (the consent store's own statements for the
 * consents, every seventh withdrawn; 100,000 GrantIssued and a thousand agreements in the indexer's `events` table),
 * then a fresh child opens it, as a restarted gateway would, and asks the scorecard service for the whole history
 * three times: the resident size before and at its peak (`maxRSS`), the heap in use before and right after each
 * request (before any collection we force: what the request left for the collector) and after a full collection,
 * and the time of each request, wall and CPU.
 *
 * `measure <dir>` alone measures a database filled before: to compare another commit's service, run this file from
 * a checkout of that commit on the same database.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { IndexedEvent, JsonObject } from "../../server/src/common/indexed-event";
import { openDatabase } from "../../server/src/common/db";
import { migrateChainSchema } from "../../server/src/chain/schema";
import { ConsentStore } from "../../server/src/store/consents";
import { ReceiptStore } from "../../server/src/store/receipts";
import { ScorecardService } from "../../server/src/modules/audit/service";

const DEPARTMENTS = 5;
const GRANTS = 100_000;
const AGREEMENTS = 1_000;
const CONSENTS_A_BLOCK = 525;
const BLOCK_SECONDS = 5;
const T0 = 1_900_000_000;
const word = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const department = (i: number) => word(0xd0 + (i % DEPARTMENTS));
const databaseFile = (dir: string) => path.join(dir, "gateway.sqlite");

interface Measure {
  consents: number;
  databaseMiB: number;
  rssBeforeMiB: number;
  maxRssMiB: number;
  heapBeforeMiB: number;
  heapAfterRequestMiB: number[];
  heapRetainedMiB: number;
  requestMs: number[];
  /** CPU time of each request (user + system), which the machine's load inflates less than its wall time. */
  requestCpuMs: number[];
  consentsRecorded: number;
  loadBefore: number[];
  loadAfter: number[];
}

function fill(dir: string, consents: number): void {
  const db = openDatabase(databaseFile(dir));
  migrateChainSchema(db);
  const store = new ConsentStore(db);
  new ReceiptStore(db);
  const insertEvent = db.prepare(
    `INSERT INTO events (block_number, log_index, tx_hash, address, contract, name, args_json, block_time)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let block = 1;
  const put = (contract: string, name: string, args: JsonObject, logIndex: number) =>
    insertEvent.run(block, logIndex, word(block), `0x${"00".repeat(20)}`, contract, name, JSON.stringify(args), time());
  const time = () => T0 + block * BLOCK_SECONDS;
  db.transaction(() => {
    for (let i = 0; i < DEPARTMENTS; i++)
      put("Consortium", "DepartmentAdmitted", { departmentId: department(i), code: `D${i}`, name: `部门${i}` }, i);
    for (let i = 0; i < AGREEMENTS; i++) {
      block++;
      const agreementId = String(i + 1);
      const [provider, consumer] = [department(i), department(i + 1)];
      const replyDeadline = String(time() + 3600);
      put(
        "SharingAgreements",
        "AgreementRequested",
        { agreementId, resourceId: word(0xa0), provider, consumer, replyDeadline },
        0,
      );
      put("SharingAgreements", "AgreementApproved", { agreementId, byCouncil: false }, 1);
    }
    for (let i = 0; i < GRANTS; i++) {
      if (i % CONSENTS_A_BLOCK === 0) block++;
      const args = { grantId: String(i + 1), agreementId: String((i % AGREEMENTS) + 1), consumer: department(i + 1) };
      put("Grants", "GrantIssued", args, i % CONSENTS_A_BLOCK);
    }
  })();
  const consentId = (i: number) => word(0x1_0000_0000 + i);
  const BATCH = 10_500;
  for (let start = 0; start < consents; start += BATCH) {
    const events: IndexedEvent[] = [];
    for (let i = start; i < Math.min(consents, start + BATCH); i++) {
      if (i % CONSENTS_A_BLOCK === 0) block++;
      events.push(consentEvent(block, i % CONSENTS_A_BLOCK, "ConsentRecorded", recordedArgs(consentId(i), i), time()));
    }
    // Every seventh consent of the batch withdrawn in the block after it, by another department.
    block++;
    let logIndex = 0;
    for (let i = start; i < Math.min(consents, start + BATCH); i += 7) {
      const args = {
        subjectRef: consentId(i),
        consentId: consentId(i),
        department: department(i + 1),
        evidence: word(9),
      };
      events.push(consentEvent(block, logIndex++, "ConsentWithdrawn", args, time()));
    }
    db.transaction(() => store.apply(events))();
  }
  db.close();
}

function consentEvent(
  block: number,
  logIndex: number,
  name: string,
  args: JsonObject,
  blockTime: number,
): IndexedEvent {
  const address = `0x${"c0".repeat(20)}`;
  return {
    blockNumber: block,
    logIndex,
    txHash: word(block),
    address,
    contract: "ConsentRegistry",
    name,
    args,
    blockTime,
  };
}

function recordedArgs(consentId: string, i: number): JsonObject {
  return {
    subjectRef: consentId,
    consentId,
    recipient: department(i + 2),
    resourceId: word(0xa0),
    purpose: word(0xb0),
    separate: false,
    validFrom: String(T0),
    validUntil: String(T0 + 10 * 365 * 86_400),
    evidenceKind: "2",
    evidence: word(0xe0),
    recorder: department(i),
    afterWithdrawal: false,
  };
}

const MiB = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

function measure(dir: string): Measure {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with node --expose-gc");
  const loadBefore = os.loadavg();
  const db = openDatabase(databaseFile(dir));
  const head = db.prepare(`SELECT max(block_number) AS block, max(block_time) AS time FROM events`).get() as {
    block: number;
    time: number;
  };
  const consentHead = db.prepare(`SELECT max(block_time) FROM consent_changes`).pluck().get() as number;
  const indexed = { block: head.block, time: Math.max(head.time, consentHead) };
  const departments = Array.from({ length: DEPARTMENTS }, (_, i) => department(i));
  const service = new ScorecardService(
    db,
    new ReceiptStore(db),
    () => departments,
    () => indexed,
  );
  gc();
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  const requestMs: number[] = [];
  const requestCpuMs: number[] = [];
  const heapAfterRequest: number[] = [];
  let consentsRecorded = 0;
  for (let i = 0; i < 3; i++) {
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const answer = service.scorecard({});
    const used = process.cpuUsage(cpu);
    requestMs.push(Number(process.hrtime.bigint() - started) / 1e6);
    requestCpuMs.push((used.user + used.system) / 1000);
    heapAfterRequest.push(process.memoryUsage().heapUsed);
    consentsRecorded = answer.departments.reduce((sum, c) => sum + c.consentsRecorded, 0);
    gc();
  }
  const measured: Measure = {
    consents: db.prepare(`SELECT count(*) FROM consent_records`).pluck().get() as number,
    databaseMiB: MiB(fs.statSync(databaseFile(dir)).size),
    rssBeforeMiB: MiB(rssBefore),
    maxRssMiB: MiB(process.resourceUsage().maxRSS * 1024),
    heapBeforeMiB: MiB(heapBefore),
    heapAfterRequestMiB: heapAfterRequest.map(MiB),
    heapRetainedMiB: MiB(process.memoryUsage().heapUsed),
    requestMs: requestMs.map(Math.round),
    requestCpuMs: requestCpuMs.map(Math.round),
    consentsRecorded,
    loadBefore: loadBefore.map((l) => Math.round(l * 10) / 10),
    loadAfter: os.loadavg().map((l) => Math.round(l * 10) / 10),
  };
  db.close();
  return measured;
}

function main(): void {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === "fill") return fill(rest[0], Number(rest[1]));
  if (mode === "measure") {
    process.stdout.write(`${JSON.stringify(measure(rest[0]))}\n`);
    return;
  }
  const sizes = (mode ?? "100000,1000000").split(",").map(Number);
  const self = ["--expose-gc", "-r", "ts-node/register/transpile-only", __filename];
  for (const consents of sizes) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-scorecard-memory-"));
    try {
      execFileSync(process.execPath, [...self, "fill", dir, String(consents)], { stdio: "inherit" });
      const out = execFileSync(process.execPath, [...self, "measure", dir], { encoding: "utf8" });
      process.stdout.write(out);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

main();
