/**
 * The provider's authoritative quota counters as a Prometheus gauge, read at each scrape: what a department's
 * operators watch to see how much of each grant's and agreement's quota its consumers have used, and what the fault
 * tests read to check that a repeated `requestId` is counted once.
 */
import { Gauge } from "prom-client";
import type { Metrics } from "../../common/metrics";
import type { QuotaCounters } from "../fetch/quota";

export function registerQuotaGauge(metrics: Metrics, quota: QuotaCounters): void {
  new Gauge({
    name: "kuajie_exchange_quota_used",
    help:
      "Exchanges delivered by this provider's gateway and counted against a quota, by scope (grant or agreement), " +
      "its id, the period (minute, hour, day, month) and the current window of that period",
    labelNames: ["scope", "id", "period", "window"] as const,
    registers: [metrics.registry],
    collect() {
      this.reset();
      for (const { scope, id, period, window, count } of quota.used()) this.set({ scope, id, period, window }, count);
    },
  });
}
