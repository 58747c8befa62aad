/**
 * Both sides' evidence of the exchanges between two departments' gateways (docs/FEDERATION.md §3.3, §4), read as the
 * auditor reads it: every receipt at each gateway (`GET /v1/receipts`, auditor token), waited for until anchored, then
 * paired by `requestId` and handed to `npm run audit -- exchange`.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ROOT, TS_NODE, sleep } from "../../../scripts/harness";
import { call } from "./http";
import type { Stack } from "./stack";

const PAGE = 1000;
const AUDITOR_CLI = path.join(ROOT, "scripts/audit/cli.ts");
const AUDIT_BOUND_MS = 180_000;

/** A receipt as `GET /v1/receipts/:id` answers it: what the auditor's file holds. */
export interface ReceiptView {
  receipt: {
    id: string;
    department: string;
    grantId: string;
    result: string;
    reason: string;
    time: number;
    responseHash: string;
  };
  requestId?: string;
  role?: "consumer" | "provider";
  exchange?: { request: { consumer: string; provider: string }; response?: unknown };
  status: "pending" | "anchored";
  batch?: { sequence: number; root: string; txHash: string; blockNumber: number };
  proof?: string[];
}

/** Every receipt at a department's gateway (dated at or after `since`, unix seconds), each once anchored (bounded). */
export async function anchoredReceipts(stack: Stack, key: string, boundMs: number, since = 0): Promise<ReceiptView[]> {
  const gateway = stack.gateway(key);
  const token = stack.credentials.auditor.token;
  const ids: string[] = [];
  const seen = new Set<string>();
  for (let from = since, pages = 0; pages < 1_000; pages++) {
    const answer = await call(gateway, "GET", `/v1/receipts?limit=${PAGE}&since=${from}`, token);
    if (answer.status !== 200) throw new Error(`GET /v1/receipts at ${key}: ${answer.status}`);
    const items = (answer.body as { items: Array<{ receipt: { id: string; time: number } }> }).items;
    const before = seen.size;
    for (const { receipt } of items) {
      if (!seen.has(receipt.id)) ids.push(receipt.id);
      seen.add(receipt.id);
    }
    if (items.length < PAGE || seen.size === before) break;
    from = items[items.length - 1].receipt.time;
  }
  const deadline = Date.now() + boundMs;
  const views: ReceiptView[] = [];
  for (const id of ids) {
    for (;;) {
      const answer = await call(gateway, "GET", `/v1/receipts/${id}`, token);
      const view = answer.body as ReceiptView;
      if (answer.status === 200 && view.status === "anchored" && view.proof) {
        views.push(view);
        break;
      }
      if (Date.now() > deadline) throw new Error(`receipt ${id} at ${key} not anchored: ${JSON.stringify(answer)}`);
      await sleep(500);
    }
  }
  return views;
}

/**
 * Writes both sides' receipts and runs `npm run audit -- exchange` (`--json` too when asked); its exit status and
 * output. Asynchronously: a test process blocked for the audit's duration would not see the gateways close their idle
 * keep-alive connections, and its next request would go out on a closed one.
 */
export async function auditExchange(
  stack: Stack,
  consumer: ReceiptView[],
  provider: ReceiptView[],
  label: string,
  json = false,
): Promise<{ status: number | null; output: string; stdout: string }> {
  const consumerFile = path.join(stack.files.dataDir, `faults-${label}-consumer.json`);
  const providerFile = path.join(stack.files.dataDir, `faults-${label}-provider.json`);
  fs.writeFileSync(consumerFile, JSON.stringify(consumer));
  fs.writeFileSync(providerFile, JSON.stringify(provider));
  const args = ["exchange", consumerFile, providerFile, "--rpc", stack.credentials.rpc, ...(json ? ["--json"] : [])];
  const child = spawn(TS_NODE, ["--transpile-only", AUDITOR_CLI, ...args, "--deployment", stack.files.deployment], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    timeout: AUDIT_BOUND_MS,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const status = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve(code));
  });
  return { status, output: `${stdout}${stderr}`, stdout };
}

/**
 * The provider's authoritative quota counters of the grants' day windows, as its gateway exposes them
 * (`kuajie_exchange_quota_used` in GET /metrics): `grantId → {window, count}`.
 */
export async function providerQuotaByGrant(gateway: string): Promise<Map<string, { window: string; count: number }>> {
  const answer = await call(gateway, "GET", "/metrics", null);
  if (answer.status !== 200 || typeof answer.body !== "string") throw new Error(`GET /metrics: ${answer.status}`);
  const out = new Map<string, { window: string; count: number }>();
  const sample = /^kuajie_exchange_quota_used\{([^}]*)\} (\S+)$/;
  for (const line of answer.body.split("\n")) {
    const match = sample.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...match[1].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (labels.scope === "grant" && labels.period === "day") {
      out.set(labels.id, { window: labels.window, count: Number(match[2]) });
    }
  }
  return out;
}
