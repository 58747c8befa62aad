import type { RouteRegistry } from "../../common/route-registry";
import { outboxEntrySchema, outboxIdParamsSchema } from "./schemas";
import type { OutboxService } from "./service";

/**
 * `GET /v1/outbox/:id`: the fate of a write answered 202 (accepted into the outbox, not mined in time): queued, sent,
 * mined with its decoded events, or reverted with the contract's custom error. A department sees only its own writes.
 */
export function registerOutboxRoutes(registry: RouteRegistry, outbox: OutboxService): void {
  registry.route(
    {
      method: "get",
      path: "/v1/outbox/:id",
      summary: "Follow a write that was accepted into the outbox",
      tag: "outbox",
      auth: "any",
      params: outboxIdParamsSchema,
      responses: {
        200: { description: "The write and, once mined, its events", schema: outboxEntrySchema },
        403: { description: "A write of another department" },
        404: { description: "No such write" },
      },
    },
    ({ params, auth }) => outbox.entry(params.id, auth),
  );
}
