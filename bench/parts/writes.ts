/**
 * Part 2, writes: consents recorded per second through the gateway against the local Hardhat node: one request
 * at a time (each waits for its transaction to be mined and indexed) versus many concurrent requests, which the
 * gateway coalesces into ConsentRegistry.recordBatch calls.
 */
import { randomBytes } from "node:crypto";
import { demoDepartment } from "../../scripts/lib/demo-departments";
import { round, type BenchContext } from "../lib/context";
import { requireRoutes } from "../lib/fetch-path";
import { PURPOSE } from "../lib/sharing";
import { HOUSEHOLD_REGISTRATION } from "../../backends/datasets";
import { Api, CONSUMER, PROVIDER, startStack } from "../lib/stack";

const iso = (secondsFromNow: number) => new Date(Date.now() + secondsFromNow * 1000).toISOString();

export async function writesPart(ctx: BenchContext): Promise<Record<string, unknown>> {
  const stack = await startStack(ctx, { name: "writes" });
  try {
    await requireRoutes(stack, ["POST /v1/catalog/resources", "POST /v1/consents"]);
    const provider = new Api(stack.gateways[PROVIDER], stack.tokens[PROVIDER]);
    const consumer = new Api(stack.gateways[CONSUMER], stack.tokens[CONSUMER]);
    const r = HOUSEHOLD_REGISTRATION;
    const { resourceId } = await provider.post<{ resourceId: string }>("/v1/catalog/resources", {
      code: "bench-consent-writes",
      name: r.name,
      summary: r.summary,
      shareType: "conditional",
      securityLevel: r.securityLevel,
      personal: true,
      fields: r.fields.map((f) => ({ name: f.name, type: f.type, personal: f.personal })),
      upstream: { url: stack.backends[PROVIDER] },
    });
    await stack.indexed(CONSUMER);
    const recipient = demoDepartment("gz-civil-affairs").id;
    let n = 0;
    const consent = () =>
      consumer.request<{ consentId?: string }>(
        "POST",
        "/v1/consents",
        {
          subject: { subjectRef: "0x" + randomBytes(32).toString("hex") },
          recipient,
          resourceId,
          purpose: { code: PURPOSE },
          validUntil: iso(180 * 24 * 3600),
          evidence: { type: "record", document: { form: `bench consent ${n++}` } },
        },
        [201, 202],
      );

    // One at a time for a fixed time.
    const singleSeconds = ctx.quick ? 5 : 15;
    await consent(); // warm-up
    let single = 0;
    let singlePending = 0;
    const singleStart = performance.now();
    while (performance.now() - singleStart < singleSeconds * 1000) {
      const answer = await consent();
      if (answer.status === 201) single++;
      else singlePending++;
    }
    const singleElapsed = (performance.now() - singleStart) / 1000;
    ctx.log(`writes: single ${single} consents in ${round(singleElapsed, 1)} s`);

    // Many at once: `total` requests, `concurrency` in flight.
    const total = ctx.quick ? 3_000 : 10_000;
    const concurrency = 512;
    let batched = 0;
    let batchedPending = 0;
    let failed = 0;
    let next = 0;
    const batchedStart = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          next++;
          try {
            const answer = await consent();
            if (answer.status === 201) batched++;
            else batchedPending++;
          } catch {
            failed++;
          }
        }
      }),
    );
    const batchedElapsed = (performance.now() - batchedStart) / 1000;
    ctx.log(`writes: batched ${batched} consents in ${round(batchedElapsed, 1)} s`);
    const singleRate = single / singleElapsed;
    const batchedRate = batched / batchedElapsed;
    const blocks = await stack.node.provider.getBlockNumber();
    return {
      single: {
        consents_per_s: round(singleRate, 1),
        consents: single,
        seconds: round(singleElapsed, 1),
        pending_202: singlePending,
      },
      batched: {
        consents_per_s: round(batchedRate, 1),
        consents: batched,
        seconds: round(batchedElapsed, 1),
        concurrency,
        pending_202: batchedPending,
        failed,
      },
      ratio: round(batchedRate / singleRate, 1),
      chain_blocks_at_end: blocks,
    };
  } finally {
    await stack.stop();
  }
}
