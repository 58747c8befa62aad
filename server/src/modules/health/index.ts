import { ReceiptStore, type ReceiptDivergence } from "../../store/receipts";
import type { Feature } from "../feature";
import { registerHealthRoutes } from "./routes";
import { gatewayHealth } from "./service";

/** The health feature: `GET /healthz`. */
export const healthFeature: Feature = (ctx) => {
  const receipts = ctx.projection(ReceiptStore);
  const divergences = () =>
    ctx.chain
      .servedDepartments()
      .map((key) => ctx.departments.idOf(key))
      .map((id) => (id ? receipts.divergence(id) : null))
      .filter((d): d is ReceiptDivergence => d !== null);
  return (registry) =>
    registerHealthRoutes(
      registry,
      gatewayHealth(ctx.chain, ctx.metrics, ctx.config.viewMaxLagSeconds, divergences),
      ctx.logger,
    );
};
