import type { Logger } from "pino";
import { reply, type RouteRegistry } from "../../common/route-registry";
import { healthSchema, type HealthReport } from "./schemas";
import type { HealthCheck } from "./service";

/** `GET /healthz`: 200 when everything is ok, 503 with the same shape otherwise (so probes need no parsing). */
export function registerHealthRoutes(registry: RouteRegistry, health: HealthCheck, logger: Logger): void {
  registry.route(
    {
      method: "get",
      path: "/healthz",
      summary: "Liveness and chain status",
      tag: "system",
      auth: "none",
      responses: {
        200: { description: "The gateway, the chain and the outbox are fine", schema: healthSchema },
        503: {
          description: "Degraded or the chain is unreachable",
          schema: healthSchema,
          contentType: "application/json",
        },
      },
    },
    async () => {
      let report: HealthReport;
      try {
        report = await health();
      } catch (err) {
        logger.warn({ err }, "health check failed");
        report = { status: "unavailable", chainId: null, blockNumber: null, contracts: {}, outbox: { pending: 0 } };
      }
      return report.status === "ok" ? report : reply(503, report);
    },
  );
}
