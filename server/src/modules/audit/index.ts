import { ReceiptStore } from "../../store/receipts";
import type { Feature } from "../feature";
import { ExchangeCheckService } from "./exchange-check";
import { registerAuditRoutes } from "./routes";
import { ScorecardService } from "./service";

/** The auditor's views the console shows: `GET /v1/audit/scorecard`, `POST /v1/audit/exchange`. */
export const auditFeature: Feature = (ctx) => {
  const scorecards = new ScorecardService(
    ctx.db,
    ctx.projection(ReceiptStore),
    () =>
      ctx.chain
        .servedDepartments()
        .map((key) => ctx.departments.idOf(key))
        .filter((id): id is string => id !== null),
    () => {
      const status = ctx.chain.indexer.status();
      return { block: ctx.chain.indexer.indexedBlock(), time: status.indexedBlockTime ?? 0 };
    },
  );
  const exchanges = new ExchangeCheckService(
    ctx.db,
    ctx.chain.deployment.chainId,
    ctx.chain.deployment.contracts.Consortium,
    (id) => ctx.departments.get(id)?.name ?? null,
  );
  return (registry) => registerAuditRoutes(registry, scorecards, exchanges);
};
