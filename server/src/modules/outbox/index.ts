import type { Feature } from "../feature";
import { registerOutboxRoutes } from "./routes";
import { OutboxService } from "./service";

/** The outbox feature: `GET /v1/outbox/:id`. */
export const outboxFeature: Feature = (ctx) => {
  const service = new OutboxService(ctx.chain);
  return (registry) => registerOutboxRoutes(registry, service);
};
