import { ReceiptStore } from "../../store/receipts";
import type { Feature } from "../feature";
import { registerAuditRoutes } from "./routes";
import { ScorecardService } from "./service";

/** The auditor's views the console shows: `GET /v1/audit/scorecard`. */
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
  return (registry) => registerAuditRoutes(registry, scorecards);
};
