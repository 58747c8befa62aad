/**
 * Part 4, audit: receipts verified per second by the auditor (`npm run audit -- receipts`) for 10,000 anchored
 * receipts, and the time to rebuild one subject's consent trail (`npm run audit -- subject`) with 1,000 consent
 * events among 100,000 other consent events. Needs only the chain and the auditor: no gateway.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { computeHmac, encodeBytes32String, id as keccakText, toUtf8Bytes } from "ethers";
import { digestSigner } from "../../core/crypto/ecdsa";
import {
  exchangeDomain,
  requestDigest,
  responseDigest,
  type ExchangeRequest,
  type ExchangeResponse,
} from "../../core/exchange";
import { receiptId } from "../../core/receipt";
import { writeDeployment } from "../../server/src/chain/deployment";
import { run as auditRun } from "../../scripts/audit/cli";
import type { JsonRpcProvider } from "ethers";
import { BulkSender, deploySystem, startNode, purposeBytes, type System } from "../lib/chain";
import { Skipped, round, type BenchContext } from "../lib/context";
import { summariseProfile } from "../lib/profile";
import { ROOT, start } from "../lib/procs";
import { writeAnchoredReceipts, type ReceiptFields } from "../lib/receipt-files";
import { arrangeSharing, queueConsents, type ConsentEntry, type DirectSharing } from "../lib/sharing";

const AUDIT_RECEIPTS = 10_000;
const SUBJECTS = 100;
const LAUNCHER = path.join(ROOT, "scripts/audit/launch.cjs");

export function subjectRefOf(label: string): string {
  return computeHmac("sha256", toUtf8Bytes("kuajie bench consortium secret"), toUtf8Bytes(label));
}

export async function auditPart(ctx: BenchContext): Promise<Record<string, unknown>> {
  if (!fs.existsSync(path.join(__dirname, "../../scripts/audit/cli.ts")))
    throw new Skipped("the auditor CLI (scripts/audit/cli.ts) has not landed");
  // A chain each: the exchange's consumer starts its receipts at 1, as the receipts part's consumer did.
  const { receipts, trail } = await onFreshChain(ctx, "audit-node", async (chain) => ({
    receipts: await receiptsPart(ctx, chain),
    trail: await trailPart(ctx, chain),
  }));
  const exchange = await onFreshChain(ctx, "audit-exchange-node", (chain) => exchangePart(ctx, chain));
  return { receipts, exchange, trail };
}

export interface AuditChain {
  provider: JsonRpcProvider;
  system: System;
  s: DirectSharing;
  rpc: string;
  deploymentFile: string;
  /** The chain's time when the sharing was arranged. */
  now: number;
}

export async function onFreshChain<T>(
  ctx: BenchContext,
  name: string,
  body: (chain: AuditChain) => Promise<T>,
): Promise<T> {
  const node = await startNode(ctx.logDir, name);
  try {
    const system = await deploySystem(node.provider);
    const deploymentFile = path.join(ctx.workDir, `${name}-deployment.json`);
    writeDeployment(deploymentFile, system.deployment);
    const now = (await node.provider.getBlock("latest"))!.timestamp;
    const s = await arrangeSharing(node.provider, system, now);
    return await body({ provider: node.provider, system, s, rpc: node.rpc, deploymentFile, now });
  } finally {
    await node.proc.stop();
  }
}

async function receiptsPart(ctx: BenchContext, { provider, system, s, rpc, deploymentFile }: AuditChain) {
  const consentIds = await consentedSubjects(provider, system, s);
  const time = (await provider.getBlock("latest"))!.timestamp;
  const file = path.join(ctx.workDir, "audit-receipts.jsonl");
  const count = AUDIT_RECEIPTS;
  const batches = await writeAnchoredReceipts(system, s.consumer, count, deliveries(s, consentIds, time), file);
  ctx.log(`audit: ${count} receipts anchored in ${batches} batches; verifying`);
  const args = ["receipts", file, "--rpc", rpc, "--deployment", deploymentFile, "--json"];

  // The auditor as a library (its `run`, in this process) and as the command (`npm run audit -- receipts`).
  let output = "";
  const startedLib = performance.now();
  const code = await auditRun(args, { stdout: (t) => (output += t), stderr: (t) => (output += t) });
  const libSeconds = (performance.now() - startedLib) / 1000;
  const violations = violationsOf(output);
  if (code !== 0) ctx.log(`audit: the auditor exited ${code} with ${violations} violations`);

  const command = await timeCommand(ctx, "audit-receipts", args, count);
  return {
    count,
    batches,
    ...command,
    library_per_s: round(count / libSeconds, 0),
    library_seconds: round(libSeconds, 2),
    violations,
  };
}

/** Runs of each command timed; the median is the figure. */
const RUNS = 3;

/**
 * `npm run audit -- <args>` in a new process, timed from spawn to exit (npm's and node's start included), then
 * `node scripts/audit/launch.cjs` (what npm runs) the same way, `RUNS` times each, alternated; below the goal, the latter again under the CPU
 * profiler. The auditor is compiled before (a `help` run), as it is after the first run following a change.
 */
async function timeCommand(ctx: BenchContext, name: string, args: readonly string[], receipts: number) {
  await start(`${name}-build`, process.execPath, [LAUNCHER, "help"], { logDir: ctx.logDir }).exited;
  // Wall time, and the CPU time of the process and its children (/usr/bin/time): on a shared machine the first says
  // what a user waited, the second what the command costs, whatever else ran beside it.
  const time = async (label: string, command: string, commandArgs: readonly string[]) => {
    const cpuFile = path.join(ctx.workDir, `${name}-${label}.time`);
    const started = performance.now();
    const code = await start(
      `${name}-${label}`,
      "/usr/bin/time",
      ["-f", "%U %S", "-o", cpuFile, command, ...commandArgs],
      {
        logDir: ctx.logDir,
      },
    ).exited;
    const seconds = (performance.now() - started) / 1000;
    const [user, system] = fs.readFileSync(cpuFile, "utf8").trim().split("\n").at(-1)!.split(" ").map(Number);
    return { code, seconds, cpuSeconds: user + system };
  };
  // Three runs of each, alternated; the median run by wall time is the figure (one run moved by 0.3–0.7 s here with
  // npm's own start and the machine's moment), every run's time kept beside it.
  const npmRuns: Awaited<ReturnType<typeof time>>[] = [];
  const nodeRuns: Awaited<ReturnType<typeof time>>[] = [];
  for (let run = 0; run < RUNS; run++) {
    npmRuns.push(await time("npm", "npm", ["run", "-s", "audit", "--", ...args]));
    nodeRuns.push(await time("node", process.execPath, [LAUNCHER, ...args]));
  }
  const median = (runs: typeof npmRuns) => [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)];
  const npm = median(npmRuns);
  const node = median(nodeRuns);
  let profile: Record<string, unknown> | undefined;
  if (ctx.profile || receipts / npm.seconds < 5_000) {
    const dir = path.join(ctx.workDir, `${name}-profile`);
    await start(`${name}-profiled`, process.execPath, ["--cpu-prof", `--cpu-prof-dir=${dir}`, LAUNCHER, ...args], {
      logDir: ctx.logDir,
    }).exited;
    const written = fs.existsSync(dir) ? fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile")) : undefined;
    if (written) profile = summariseProfile(path.join(dir, written), 10);
  }
  return {
    per_s: round(receipts / npm.seconds, 0),
    seconds: round(npm.seconds, 2),
    exit_code: npm.code,
    cpu_seconds: round(npm.cpuSeconds, 2),
    per_cpu_s: round(receipts / npm.cpuSeconds, 0),
    node_per_s: round(receipts / node.seconds, 0),
    node_seconds: round(node.seconds, 2),
    node_cpu_seconds: round(node.cpuSeconds, 2),
    runs: {
      npm_seconds: npmRuns.map((r) => round(r.seconds, 2)),
      node_seconds: nodeRuns.map((r) => round(r.seconds, 2)),
      exit_codes: [...npmRuns, ...nodeRuns].map((r) => r.code),
    },
    load_average: os.loadavg().map((l) => round(l, 2)),
    ...(profile ? { profile } : {}),
  };
}

/** 100 subjects who consented to the consumer; receipts cycle through them. Returns their consent ids. */
export async function consentedSubjects(
  provider: JsonRpcProvider,
  system: System,
  s: DirectSharing,
): Promise<string[]> {
  const subjects = Array.from({ length: SUBJECTS }, (_, i) => subjectRefOf(`audit subject ${i}`));
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
  return Promise.all(
    subjects.map(
      async (subjectRef) => (await system.consents.activeConsent(subjectRef, s.consumerId, s.resourceId, s.purpose))[1],
    ),
  );
}

/** Delivered receipts of the consumer at `time`, to the consented subjects in turn. */
export function deliveries(s: DirectSharing, consentIds: readonly string[], time: number): ReceiptFields {
  return (sequence) => {
    const k = sequence % consentIds.length;
    return {
      ...deliveryFields(s, consentIds[k], k),
      id: receiptId(s.consumerId, sequence),
      sequence,
      time,
      department: s.consumerId,
      account: s.consumer.address,
      requestHash: keccakText(`request ${sequence}`),
      responseHash: keccakText(`response ${sequence}`),
    };
  };
}

/** The fields of a delivery under the bench's sharing to subject number `k`. */
function deliveryFields(s: DirectSharing, consentId: string, k: number) {
  return {
    grantId: s.grantId.toString(),
    agreementId: s.agreementId.toString(),
    consentId,
    provider: s.providerId,
    resourceId: s.resourceId,
    resourceVersion: 1,
    fieldMask: "0x" + s.fieldMask.toString(16),
    subjectRef: subjectRefOf(`audit subject ${k}`),
    purpose: s.purpose,
    result: "delivered" as const,
    reason: "ok",
  };
}

/**
 * `npm run audit -- exchange` over 10,000 receipts: 5,000 exchanges, each with the consumer's receipt and the
 * provider's, both carrying the request signed by the consumer's operator and the response signed by the provider's
 * (two EIP-712 digests and two signature recoveries a receipt), each side chained and anchored by its department.
 */
async function exchangePart(ctx: BenchContext, chain: AuditChain) {
  const { args, exchanges } = await writeExchangeFiles(ctx, chain);
  let output = "";
  const code = await auditRun(args, { stdout: (t) => (output += t), stderr: (t) => (output += t) });
  const violations = violationsOf(output);
  if (code !== 0) ctx.log(`audit: exchange exited ${code} with ${violations} violations: ${output.slice(0, 300)}`);
  const command = await timeCommand(ctx, "audit-exchange", args, AUDIT_RECEIPTS);
  return { count: AUDIT_RECEIPTS, exchanges, ...command, violations };
}

/**
 * The exchange part's two files (5,000 exchanges signed and anchored, each side's receipts in its file) in
 * `ctx.workDir`; returns the auditor's arguments for them (bench/lib/audit-exchange-main.ts times them repeatedly).
 */
export async function writeExchangeFiles(
  ctx: BenchContext,
  { provider, system, s, rpc, deploymentFile }: AuditChain,
): Promise<{ args: string[]; exchanges: number }> {
  const exchanges = AUDIT_RECEIPTS / 2;
  const consentIds = await consentedSubjects(provider, system, s);
  const { chainId } = await provider.getNetwork();
  const domain = exchangeDomain(chainId, system.deployment.contracts.Consortium);
  const consumerKey = digestSigner(s.consumer.privateKey);
  const providerKey = digestSigner(s.provider.privateKey);
  const signedAt = (await provider.getBlock("latest"))!.timestamp;
  const envelopes = Array.from({ length: exchanges }, (_, i) => {
    const k = (i + 1) % SUBJECTS;
    const request: ExchangeRequest = {
      requestId: keccakText(`exchange ${i}`),
      consumer: s.consumerId,
      grantId: s.grantId.toString(),
      purpose: s.purpose,
      subjectRef: subjectRefOf(`audit subject ${k}`),
      fieldMask: "0x" + s.fieldMask.toString(16),
      paramsHash: keccakText(`params ${i}`),
      time: signedAt,
    };
    const digest = requestDigest(domain, request);
    const response: ExchangeResponse = {
      requestId: request.requestId,
      requestDigest: digest,
      provider: s.providerId,
      result: "delivered",
      reason: encodeBytes32String("ok"),
      responseHash: keccakText(`response ${i}`),
      time: signedAt,
    };
    const exchange = {
      request,
      requestSignature: consumerKey.sign(digest),
      response,
      responseSignature: providerKey.sign(responseDigest(domain, response)),
    };
    return { k, digest, responseHash: response.responseHash, exchange, requestId: request.requestId };
  });
  // Each side's receipts dated just before it anchors them: signing 10,000 messages may take longer than the allowed
  // anchoring delay on a loaded machine.
  const side =
    (department: string, time: number): ReceiptFields =>
    (sequence) => {
      const x = envelopes[sequence - 1];
      return {
        ...deliveryFields(s, consentIds[x.k], x.k),
        id: receiptId(department, sequence),
        sequence,
        time,
        department,
        account: s.consumer.address,
        requestHash: x.digest,
        responseHash: x.responseHash,
      };
    };
  const files = { consumer: "", provider: "" };
  for (const role of ["consumer", "provider"] as const) {
    files[role] = path.join(ctx.workDir, `audit-exchange-${role}.jsonl`);
    const department = role === "consumer" ? s.consumerId : s.providerId;
    const operator = role === "consumer" ? s.consumer : s.provider;
    const time = (await provider.getBlock("latest"))!.timestamp;
    await writeAnchoredReceipts(system, operator, exchanges, side(department, time), files[role], (i) => ({
      requestId: envelopes[i].requestId,
      role,
      exchange: envelopes[i].exchange,
    }));
  }
  ctx.log(`audit: ${exchanges} exchanges (${AUDIT_RECEIPTS} receipts) signed and anchored; verifying`);
  const args = ["exchange", files.consumer, files.provider, "--rpc", rpc, "--deployment", deploymentFile, "--json"];
  return { args, exchanges };
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

async function trailPart(ctx: BenchContext, { provider, system, s, rpc, deploymentFile, now }: AuditChain) {
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
