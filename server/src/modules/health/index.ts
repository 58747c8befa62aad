import { ReceiptStore, type ReceiptDivergence, type ReceiptLoss } from "../../store/receipts";
import type { Feature } from "../feature";
import { registerHealthRoutes } from "./routes";
import { gatewayHealth } from "./service";

/** The health feature: `GET /healthz`. */
export const healthFeature: Feature = (ctx) => {
  const receipts = ctx.projection(ReceiptStore);
  const served = () =>
    ctx.chain
      .servedDepartments()
      .map((key) => ctx.departments.idOf(key))
      .filter((id): id is string => id !== null);
  const divergences = () =>
    served()
      .map((id) => receipts.divergence(id))
      .filter((d): d is ReceiptDivergence => d !== null);
  const losses = () =>
    served()
      .map((id) => receipts.loss(id))
      .filter((l): l is ReceiptLoss => l !== null);
  return (registry) =>
    registerHealthRoutes(
      registry,
      gatewayHealth(ctx.chain, ctx.metrics, ctx.config.viewMaxLagSeconds, divergences, losses),
      ctx.logger,
    );
};
