import { z } from "zod";
import { ForbiddenError, NotFoundError } from "../../common/errors";
import type { Feature } from "../../gateway";

const paramsSchema = z.object({ id: z.coerce.number().int().positive() });

const outboxEntrySchema = z
  .object({
    id: z.number().int(),
    department: z.string(),
    contract: z.string().nullable(),
    method: z.string().nullable(),
    status: z.enum(["queued", "signed", "sent", "mined", "reverted", "failed"]),
    nonce: z.number().int().nullable(),
    txHash: z.string().nullable(),
    blockNumber: z.number().int().nullable(),
    error: z.string().nullable(),
    revert: z.object({ errorName: z.string(), args: z.unknown() }).nullable(),
    events: z.array(z.object({ contract: z.string(), name: z.string(), args: z.record(z.string(), z.unknown()) })),
  })
  .meta({ id: "OutboxEntry" });

/**
 * `GET /v1/outbox/:id`: the fate of a write answered 202 (accepted into the outbox, not mined in time): queued, sent,
 * mined with its decoded events, or reverted with the contract's custom error. A department sees only its own writes.
 */
export const outboxFeature: Feature = (ctx) => (registry) => {
  registry.route(
    {
      method: "get",
      path: "/v1/outbox/:id",
      summary: "Follow a write that was accepted into the outbox",
      tag: "outbox",
      auth: "any",
      params: paramsSchema,
      responses: {
        200: { description: "The write and, once mined, its events", schema: outboxEntrySchema },
        403: { description: "A write of another department" },
        404: { description: "No such write" },
      },
    },
    ({ params, auth }) => {
      const row = ctx.chain.outboxRow(params.id);
      if (!row) throw new NotFoundError(`no write with outbox id ${params.id}`, { outboxId: params.id });
      if (auth.role !== "auditor" && auth.departmentKey !== row.key) {
        throw new ForbiddenError("this write was made by another department", { outboxId: params.id });
      }
      const meta = row.meta as { contract?: string; method?: string };
      return {
        id: row.id,
        department: row.key,
        contract: meta.contract ?? null,
        method: meta.method ?? null,
        status: row.status,
        nonce: row.nonce,
        txHash: row.txHash,
        blockNumber: row.blockNumber,
        error: row.error,
        revert: row.revert ? { errorName: row.revert.errorName, args: row.revert.args } : null,
        events: row.status === "mined" ? ctx.chain.decodeLogs(row) : [],
      };
    },
  );
};
