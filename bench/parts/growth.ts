/**
 * Part 5, growth: fetch latency and trail-rebuild time at 1x, 10x and 100x the number of departments, resources,
 * agreements, grants and consents (quick mode: 1x and 10x). At scale k the chain holds, before the gateway starts (so
 * that it indexes all of it at boot): 5k departments (the five demo departments and 5(k-1) synthetic ones, admitted by
 * the council), k resources, k agreements, k grants and 100k consents. The measured subject always has the same 20
 * consent events, so the trail should cost the same at every scale; the fetch should too. Beside each scale's req/s,
 * the CPU ms per request of the two gateways of the path (from /proc), which a shared machine's load moves far less.
 */
import path from "node:path";
import { id as keccakText, parseEther, type JsonRpcProvider } from "ethers";
import { demoDepartment } from "../../scripts/lib/demo-departments";
import { writeDeployment } from "../../server/src/chain/deployment";
import {
  ADMIT,
  admitPayload,
  devWallet,
  fillerDepartment,
  fillerProfile,
  purposeBytes,
  type BulkSender,
  type System,
} from "../lib/chain";
import { loadAverage, machine, round, type BenchContext } from "../lib/context";
import { arrangeFetchPath, type FetchPath } from "../lib/fetch-path";
import { load } from "../lib/load";
import { PURPOSE, queueConsents, resourceMetadata, resourceTerms, type ConsentEntry } from "../lib/sharing";
import { cpuBetween, cpuMs } from "../lib/proc-stats";
import { CONSUMER, PROVIDER, startStack } from "../lib/stack";
import { subjectRefOf, timeTrail } from "./audit";
import { CONNECTIONS } from "./fetch";

const BASE_CONSENTS = 100;
const OWN_EVENTS = 20;
const DAY = 24 * 3600;
/** Bulk state is mined in blocks of bounded size (see the consents below). */
const CONSENTS_PER_BLOCK = 450;
const ADMISSIONS_PER_BLOCK = 50;

export async function growthPart(ctx: BenchContext): Promise<Record<string, unknown>> {
  const scales = ctx.quick ? [1, 10] : [1, 10, 100];
  const seconds = ctx.quick ? 5 : 10;
  const rows: Record<string, unknown>[] = [];
  for (const k of scales) {
    const started = performance.now();
    const trailSubject = subjectRefOf(`growth trail subject ${k}`);
    const stack = await startStack(ctx, {
      name: `growth-${k}x`,
      prepare: (node, system, bulk) => grow(node.provider, system, bulk, k, trailSubject),
    });
    try {
      const setup = round((performance.now() - started) / 1000, 1);
      const fetchPath = await arrangeFetchPath(stack, 16);
      await load({ url: stack.gateway, requests: fetchPath.kuajieRequests, connections: CONNECTIONS, seconds: 2 });
      await load({ url: stack.bare, requests: fetchPath.bareRequests, connections: CONNECTIONS, seconds: 2 });
      const measured = await measure(stack.gateway, fetchPath.kuajieRequests, seconds, {
        consumer: stack.gatewayProcOf(CONSUMER).child.pid,
        provider: stack.gatewayProcOf(PROVIDER).child.pid,
      });
      const bare = await measure(stack.bare, fetchPath.bareRequests, seconds, {
        consumer: stack.bareProcs.consumer.child.pid,
        provider: stack.bareProcs.provider.child.pid,
      });
      const deploymentFile = path.join(stack.dataDir, "audit-deployment.json");
      writeDeployment(deploymentFile, stack.system.deployment);
      const trail = await timeTrail(stack.node.rpc, deploymentFile, trailSubject, OWN_EVENTS);
      const row = {
        scale: k,
        departments: 5 * k,
        resources: k,
        agreements: k,
        grants: k,
        consents: BASE_CONSENTS * k,
        fetch: measured,
        // The two chained bare proxies of the same stack, loaded right after: the machine's load at that moment, so
        // that the ratios compare scales measured minutes apart on a shared machine.
        bare,
        ratio_to_bare: {
          rps: round(measured.rps / bare.rps, 3),
          cpu_ms_per_request: cpuRatio(measured.cpu_ms_per_request.total, bare.cpu_ms_per_request.total),
        },
        trail: { subject_events: OWN_EVENTS, seconds: round(trail, 3) },
        setup_seconds: setup,
      };
      ctx.log(`growth ${k}x: ${JSON.stringify(row)}`);
      rows.push(row);
    } finally {
      await stack.stop();
    }
  }
  return { scales: rows, connections: CONNECTIONS, seconds, machine: machine(), load_average: loadAverage() };
}

/** `seconds` of the fetch load at `url`, with the CPU ms per request of the two processes of its path. */
async function measure(
  url: string,
  requests: FetchPath["bareRequests"],
  seconds: number,
  pids: Record<"consumer" | "provider", number | undefined>,
) {
  const readCpu = () => Object.fromEntries(Object.entries(pids).map(([role, pid]) => [role, cpuMs(pid)]));
  const before = readCpu();
  const loaded = await load({ url, requests, connections: CONNECTIONS, seconds });
  const cpu = cpuBetween(before, readCpu());
  return {
    rps: loaded.rps,
    p50_ms: loaded.p50_ms,
    p99_ms: loaded.p99_ms,
    cpu_ms_per_request: cpuPerRequest(cpu, loaded.requests),
  };
}

const cpuRatio = (kuajie: number | null, bare: number | null) =>
  kuajie === null || bare === null || bare === 0 ? null : round(kuajie / bare, 2);

/** CPU ms per answered request, by process and for the two together (null where /proc could not tell). */
function cpuPerRequest(cpu: Record<string, number | null>, requests: number): Record<string, number | null> {
  const answered = Math.max(1, requests);
  const perRole = Object.fromEntries(
    Object.entries(cpu).map(([role, ms]) => [role, ms === null ? null : round(ms / answered, 2)]),
  );
  const all = Object.values(cpu);
  const total = all.every((ms) => ms !== null) ? round(all.reduce((a, b) => a! + b!, 0)! / answered, 2) : null;
  return { ...perRole, total };
}

/** Bulk state for scale k (sent with automine off, a few blocks per phase). */
async function grow(
  provider: JsonRpcProvider,
  system: System,
  bulk: BulkSender,
  k: number,
  trailSubject: string,
): Promise<void> {
  const funder = devWallet(0);
  const bureau = devWallet(demoDepartment("data-bureau").keyIndex);
  const fillers = Array.from({ length: 5 * (k - 1) }, (_, i) => fillerDepartment(i + 1));
  const consortium = await system.consortium.getAddress();
  for (const f of fillers) await bulk.send(funder, { to: f.wallet.address, value: parseEther("1") }, 21_000n);
  await bulk.flush();
  for (const [i, f] of fillers.entries()) {
    const data = system.consortium.interface.encodeFunctionData("propose", [
      ADMIT,
      admitPayload(fillerProfile(f), f.wallet.address),
    ]);
    await bulk.send(bureau, { to: consortium, data }, 1_500_000n);
    if ((i + 1) % ADMISSIONS_PER_BLOCK === 0) await bulk.flush();
  }
  await bulk.flush();
  // k-1 more resources, each of a synthetic department; k-1 agreements between synthetic departments.
  const catalog = await system.catalog.getAddress();
  const providers = fillers.slice(0, k - 1);
  for (const f of providers) {
    const data = system.catalog.interface.encodeFunctionData("register", [
      `bench-resource-${f.index}`,
      resourceTerms(7),
      resourceMetadata(`bench-resource-${f.index}`),
    ]);
    await bulk.send(f.wallet, { to: catalog, data }, 1_000_000n);
  }
  await bulk.flush();
  const now = Number((await provider.getBlock("latest"))!.timestamp);
  const agreementsAddress = await system.agreements.getAddress();
  const consumers = fillers.slice(k - 1, 2 * (k - 1));
  for (const [i, p] of providers.entries()) {
    const resourceId = await system.catalog.resourceIdOf(p.id, `bench-resource-${p.index}`);
    // Statutory duty on personal data: the request names its legal reference (issue 11).
    const data = system.agreements.interface.encodeFunctionData("requestWithLegalReference", [
      {
        resourceId,
        coConsumers: [],
        fieldMask: 0b11n,
        purpose: purposeBytes(PURPOSE),
        legalBasis: 1,
        validFrom: now - 60,
        validUntil: now + 365 * DAY,
        quota: { calls: 0, per: 0 },
        termsHash: keccakText(`bench growth agreement ${i}`),
      },
      keccakText("bench legal reference"),
    ]);
    await bulk.send(consumers[i].wallet, { to: agreementsAddress, data }, 1_000_000n);
  }
  await bulk.flush();
  for (const [i, p] of providers.entries()) {
    const data = system.agreements.interface.encodeFunctionData("approve", [BigInt(i + 1)]);
    await bulk.send(p.wallet, { to: agreementsAddress, data }, 500_000n);
  }
  await bulk.flush();
  // A grant under each of them, issued by its consumer: k grants with the measured fetch's own.
  const grantsAddress = await system.grants.getAddress();
  for (const [i, c] of consumers.entries()) {
    const data = system.grants.interface.encodeFunctionData("issue", [BigInt(i + 1), c.wallet.address, 0b11n, 0, 0, 0]);
    await bulk.send(c.wallet, { to: grantsAddress, data }, 500_000n);
  }
  await bulk.flush();
  // Consents: 100k in all at scale k (16 of them recorded through the API later), and the trail subject's 20.
  const others: ConsentEntry[] = [];
  const otherResource = keccakText("bench growth resource");
  for (let i = 0; i < BASE_CONSENTS * k - 16; i++) {
    others.push({
      subjectRef: subjectRefOf(`growth other ${i}`),
      recipient: demoDepartment("gz-civil-affairs").id,
      resourceId: otherResource,
      purpose: purposeBytes(PURPOSE),
    });
  }
  for (let i = 0; i < OWN_EVENTS; i++) {
    others.splice(Math.floor((i * others.length) / OWN_EVENTS), 0, {
      subjectRef: trailSubject,
      recipient: demoDepartment("gz-civil-affairs").id,
      resourceId: otherResource,
      purpose: purposeBytes(`trail-${i}`),
    });
  }
  // One recordBatch a block, as in the scale part: the gateways index all of it at boot, and a block holding every
  // consent would be one eth_getLogs answer that no page size can split (at 100x the Hardhat node could not answer
  // five gateways' pages of 10,000 consents within their page timeout, and the gateways never became healthy).
  for (let i = 0; i < others.length; i += CONSENTS_PER_BLOCK) {
    await queueConsents(bulk, system, bureau, others.slice(i, i + CONSENTS_PER_BLOCK), now - 10, CONSENTS_PER_BLOCK);
    await bulk.flush();
  }
}
