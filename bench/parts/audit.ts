/**
 * Part 4, audit: receipts verified per second by the auditor (`npm run audit -- receipts`) for 10,000 anchored
 * receipts, and the time to rebuild one subject's consent trail (`npm run audit -- subject`) with 1,000 consent
 * events among 100,000 other consent events. Needs only the chain and the auditor: no gateway.
 */
import fs from "node:fs";
import path from "node:path";
import { ZeroHash, computeHmac, encodeBytes32String, id as keccakText, keccak256, toUtf8Bytes } from "ethers";
import { buildBatch, receiptId, receiptLeaf, type Receipt } from "../../core/receipt";
import { writeDeployment } from "../../server/src/chain/deployment";
import { run as auditRun } from "../../scripts/audit/cli";
import type { JsonRpcProvider } from "ethers";
import { BulkSender, deploySystem, startNode, purposeBytes, type System } from "../lib/chain";
import { Skipped, round, type BenchContext } from "../lib/context";
import { summariseProfile } from "../lib/profile";
import { startTs } from "../lib/procs";
import { arrangeSharing, queueConsents, type ConsentEntry, type DirectSharing } from "../lib/sharing";

const AUDIT_RECEIPTS = 10_000;
const BATCH = 1_024;

export function subjectRefOf(label: string): string {
  return computeHmac("sha256", toUtf8Bytes("kuajie bench consortium secret"), toUtf8Bytes(label));
}

export async function auditPart(ctx: BenchContext): Promise<Record<string, unknown>> {
  if (!fs.existsSync(path.join(__dirname, "../../scripts/audit/cli.ts")))
    throw new Skipped("the auditor CLI (scripts/audit/cli.ts) has not landed");
  const node = await startNode(ctx.logDir, "audit-node");
  try {
    const system = await deploySystem(node.provider);
    const deploymentFile = path.join(ctx.workDir, "audit-deployment.json");
    writeDeployment(deploymentFile, system.deployment);
    const now = (await node.provider.getBlock("latest"))!.timestamp;
    const sharing = await arrangeSharing(node.provider, system, now);

    const receipts = await receiptsPart(ctx, node.provider, system, sharing, node.rpc, deploymentFile);
    const trail = await trailPart(ctx, node.provider, system, sharing, node.rpc, deploymentFile, now);
    return { receipts, trail };
  } finally {
    await node.proc.stop();
  }
}

async function receiptsPart(
  ctx: BenchContext,
  provider: JsonRpcProvider,
  system: System,
  s: DirectSharing,
  rpc: string,
  deploymentFile: string,
) {
  // 100 subjects who consented; receipts cycle through them.
  const subjects = Array.from({ length: 100 }, (_, i) => subjectRefOf(`audit subject ${i}`));
  const bulk = new BulkSender(provider);
  await bulk.begin();
  const t0 = (await provider.getBlock("latest"))!.timestamp;
  await queueConsents(
    bulk,
    system,
    s.consumer,
    subjects.map((subjectRef) => ({
      subjectRef,
      recipient: s.consumerId,
      resourceId: s.resourceId,
      purpose: s.purpose,
    })),
    t0 - 10,
  );
  await bulk.end();
  const consentIds = await Promise.all(
    subjects.map(
      async (subjectRef) => (await system.consents.activeConsent(subjectRef, s.consumerId, s.resourceId, s.purpose))[1],
    ),
  );

  const time = (await provider.getBlock("latest"))!.timestamp;
  const receipts: Receipt[] = [];
  let prev = ZeroHash;
  for (let sequence = 1; sequence <= AUDIT_RECEIPTS; sequence++) {
    const k = sequence % subjects.length;
    const r: Receipt = {
      id: receiptId(s.consumerId, sequence),
      sequence,
      time,
      department: s.consumerId,
      account: s.consumer.address,
      grantId: s.grantId.toString(),
      agreementId: s.agreementId.toString(),
      consentId: consentIds[k],
      provider: s.providerId,
      resourceId: s.resourceId,
      resourceVersion: 1,
      fieldMask: "0x" + s.fieldMask.toString(16),
      subjectRef: subjects[k],
      purpose: s.purpose,
      result: "delivered",
      reason: "ok",
      requestHash: keccakText(`request ${sequence}`),
      responseHash: keccakText(`response ${sequence}`),
      prevHash: prev,
    };
    prev = fastLeaf(r);
    if (sequence === 1 && prev !== receiptLeaf(r))
      throw new Error("the benchmark's leaf encoding differs from the receipt module's");
    receipts.push(r);
  }
  const lines: string[] = [];
  let previousRoot = ZeroHash;
  for (let first = 0, batchSequence = 1; first < receipts.length; first += BATCH, batchSequence++) {
    const batch = buildBatch(receipts.slice(first, first + BATCH));
    const tx = await system.ledger
      .connect(s.consumer)
      .anchor(batchSequence, batch.root, batch.receiptCount, batch.firstSequence, batch.lastSequence, previousRoot);
    const mined = await tx.wait();
    previousRoot = batch.root;
    for (const r of receipts.slice(first, first + BATCH)) {
      lines.push(
        JSON.stringify({
          receipt: r,
          leaf: batch.leaves[r.id],
          status: "anchored",
          batch: { sequence: batchSequence, root: batch.root, txHash: mined!.hash, blockNumber: mined!.blockNumber },
          proof: batch.proofs[r.id],
        }),
      );
    }
  }
  const file = path.join(ctx.workDir, "audit-receipts.jsonl");
  fs.writeFileSync(file, lines.join("\n") + "\n");
  ctx.log(`audit: ${receipts.length} receipts anchored in ${Math.ceil(receipts.length / BATCH)} batches; verifying`);

  // The auditor as a library (its `run`, in this process) and as the command (`npm run audit -- receipts`).
  let output = "";
  const startedLib = performance.now();
  const code = await auditRun(["receipts", file, "--rpc", rpc, "--deployment", deploymentFile, "--json"], {
    stdout: (t) => (output += t),
    stderr: (t) => (output += t),
  });
  const libSeconds = (performance.now() - startedLib) / 1000;
  const violations = violationsOf(output);
  if (code !== 0) ctx.log(`audit: the auditor exited ${code} with ${violations} violations`);

  const startedCli = performance.now();
  const cli = startTs("audit-cli", "scripts/audit/cli.ts", {
    logDir: ctx.logDir,
    args: ["receipts", file, "--rpc", rpc, "--deployment", deploymentFile, "--json"],
  });
  const cliCode = await cli.exited;
  const cliSeconds = (performance.now() - startedCli) / 1000;
  // Below the goal: run the command again under the CPU profiler and keep its top costs.
  let profile: Record<string, unknown> | undefined;
  if (receipts.length / cliSeconds < 5_000) {
    const dir = path.join(ctx.workDir, "audit-profile");
    const profiled = startTs("audit-cli-profiled", "scripts/audit/cli.ts", {
      logDir: ctx.logDir,
      nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${dir}`],
      args: ["receipts", file, "--rpc", rpc, "--deployment", deploymentFile, "--json"],
    });
    await profiled.exited;
    const written = fs.existsSync(dir) ? fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile")) : undefined;
    if (written) profile = summariseProfile(path.join(dir, written), 10);
  }
  return {
    count: receipts.length,
    batches: Math.ceil(receipts.length / BATCH),
    per_s: round(receipts.length / cliSeconds, 0),
    seconds: round(cliSeconds, 2),
    library_per_s: round(receipts.length / libSeconds, 0),
    library_seconds: round(libSeconds, 2),
    exit_code: cliCode,
    violations,
    ...(profile ? { profile } : {}),
  };
}

const RESULT_INDEX = { delivered: 0, denied: 1, failed: 2 } as const;

/**
 * The receipt module's leaf without its schema check (the receipts here are built well-formed, and checked
 * against `receiptLeaf` for the first): 10,000 chained receipts in well under a second instead of many seconds.
 */
function fastLeaf(r: Receipt): string {
  const w = (v: string | number | bigint) =>
    typeof v === "string" ? v.slice(2).toLowerCase().padStart(64, "0") : v.toString(16).padStart(64, "0");
  const words = [
    w(r.id),
    w(r.sequence),
    w(r.time),
    w(r.department),
    w(r.account),
    w(BigInt(r.grantId)),
    w(BigInt(r.agreementId)),
    w(r.consentId),
    w(r.provider),
    w(r.resourceId),
    w(r.resourceVersion),
    w(r.fieldMask),
    w(r.subjectRef),
    w(r.purpose),
    w(RESULT_INDEX[r.result]),
    w(encodeBytes32String(r.reason)),
    w(r.requestHash),
    w(r.responseHash),
    w(r.prevHash),
  ];
  return keccak256(keccak256("0x" + words.join("")));
}

function violationsOf(json: string): number | null {
  try {
    const report = JSON.parse(json) as { violations?: unknown[] };
    return report.violations?.length ?? null;
  } catch {
    return null;
  }
}

/** Consent events: `own` for one subject (distinct purposes) spread among `others` of other subjects. */
async function createTrail(
  provider: JsonRpcProvider,
  system: System,
  s: DirectSharing,
  own: number,
  others: number,
  subjectRef: string,
  validFrom: number,
) {
  const entries: ConsentEntry[] = [];
  const spread = Math.max(1, Math.floor(others / Math.max(1, own)));
  let ownLeft = own;
  for (let i = 0; i < others || ownLeft > 0; i++) {
    if (ownLeft > 0 && (i % spread === 0 || i >= others)) {
      entries.push({
        subjectRef,
        recipient: s.consumerId,
        resourceId: s.resourceId,
        purpose: purposeBytes(`trail-${own - ownLeft}`),
      });
      ownLeft--;
    }
    if (i < others)
      entries.push({
        subjectRef: subjectRefOf(`other ${i}`),
        recipient: s.consumerId,
        resourceId: s.resourceId,
        purpose: s.purpose,
      });
  }
  const bulk = new BulkSender(provider);
  await bulk.begin();
  for (let i = 0; i < entries.length; i += 8_000) {
    await queueConsents(bulk, system, s.consumer, entries.slice(i, i + 8_000), validFrom);
    await bulk.flush();
  }
  await bulk.end();
  return entries.length;
}

/** Times the auditor's `subject` command (in this process) rebuilding one subject's trail; returns seconds. */
export async function timeTrail(
  rpc: string,
  deploymentFile: string,
  subjectRef: string,
  expectOwn: number,
): Promise<number> {
  let output = "";
  const started = performance.now();
  const code = await auditRun(
    ["subject", "--subject-ref", subjectRef, "--rpc", rpc, "--deployment", deploymentFile, "--json"],
    { stdout: (t) => (output += t), stderr: (t) => (output += t) },
  );
  const seconds = (performance.now() - started) / 1000;
  if (code === 2) throw new Error(`auditor subject command failed: ${output.slice(0, 300)}`);
  const count = (output.match(/trail-\d+/g) ?? []).length;
  if (expectOwn > 0 && count === 0 && !output.includes(subjectRef.toLowerCase()))
    throw new Error("the auditor's trail does not name the subject");
  return seconds;
}

async function trailPart(
  ctx: BenchContext,
  provider: JsonRpcProvider,
  system: System,
  s: DirectSharing,
  rpc: string,
  deploymentFile: string,
  now: number,
) {
  // Quick mode: a tenth of the events (the chain takes minutes to execute 100,000 consents on a small machine).
  const own = ctx.quick ? 100 : 1_000;
  const others = ctx.quick ? 10_000 : 100_000;
  const subjectRef = subjectRefOf("trail subject");
  const started = performance.now();
  const events = await createTrail(provider, system, s, own, others, subjectRef, now - 5);
  ctx.log(
    `audit: ${events} consent events recorded with recordBatch in ${round((performance.now() - started) / 1000)} s; rebuilding the trail`,
  );
  const seconds = await timeTrail(rpc, deploymentFile, subjectRef, own);
  return { subject_events: own, other_events: others, seconds: round(seconds, 3) };
}
