import type { RequestHandler } from "express";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import "./request-context";

/**
 * The gateway's Prometheus metrics, one Registry per app instance (tests build many apps in one process, and
 * prom-client's global registry would refuse the second registration). Other modules receive this object and
 * set their handles: the fetch mediator counts decisions, the outbox sets its depth, the anchorer its lag,
 * the indexer how many blocks it is behind.
 */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<"method" | "route" | "status">;
  httpRequestDuration: Histogram<"method" | "route" | "status">;
  /** One per fetch decision: reason is `delivered`, `failed` or a denial code such as `consent_withdrawn`. */
  fetchDecisions: Counter<"reason">;
  outboxPending: Gauge;
  anchorLagSeconds: Gauge;
  indexerLagBlocks: Gauge;
  /**
   * Reads the indexer's progress at every scrape: indexed and head block, lag, whether it is still catching up,
   * events indexed, page width and failed pages (kuajie_indexer_*).
   */
  observeIndexer(read: () => IndexerProgress): void;
  /** One per subject reference computed over `POST /v1/subjects/ref`, by token id (never a number or a secret). */
  subjectRefComputations: Counter<"token_id">;
}

/** What the indexer reports of its progress (the chain adapter's IndexerStatus has these fields). */
interface IndexerProgress {
  indexedBlock: number;
  headBlock: number | null;
  /** Null until this process's index has first reached the chain's head: it is catching up. */
  caughtUpMs: number | null;
  eventsIndexed: number;
  pageBlocks: number;
  pageFailures: number;
}

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop); off in tests to keep them fast and quiet. */
  collectProcessMetrics?: boolean;
}

const PROM_CLIENT_TOTAL_GAUGES = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
] as const;

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.collectProcessMetrics) {
    collectDefaultMetrics({ register: registry });
    // prom-client names these gauges `_total`, a suffix Prometheus keeps for counters (promtool check metrics
    // refuses them); each is the sum over `type` of the gauge of the same name without the suffix, which stays.
    for (const name of PROM_CLIENT_TOTAL_GAUGES) registry.removeSingleMetric(name);
  }
  let indexer: (() => IndexerProgress) | null = null;
  const counted = { events: 0, pageFailures: 0 };
  const indexerGauge = (name: string, help: string, value: (p: IndexerProgress) => number | null) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const progress = indexer?.();
        const measured = progress ? value(progress) : null;
        if (measured !== null) this.set(measured);
      },
    });
  const indexerCounter = (name: string, help: string, field: "eventsIndexed" | "pageFailures") =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const progress = indexer?.();
        const key = field === "eventsIndexed" ? "events" : "pageFailures";
        if (progress && progress[field] > counted[key]) {
          this.inc(progress[field] - counted[key]);
          counted[key] = progress[field];
        }
      },
    });
  indexerGauge("kuajie_indexer_indexed_block", "The last block whose events are all indexed", (p) => p.indexedBlock);
  indexerGauge("kuajie_indexer_head_block", "The chain's head as the indexer last read it", (p) => p.headBlock);
  indexerGauge(
    "kuajie_indexer_catching_up",
    "1 until the index first reaches the chain's head after start-up (fetches are refused meanwhile), then 0",
    (p) => (p.caughtUpMs === null ? 1 : 0),
  );
  indexerGauge("kuajie_indexer_page_blocks", "Blocks the indexer's next eth_getLogs page spans", (p) => p.pageBlocks);
  indexerCounter("kuajie_indexer_events_total", "Contract events indexed by this process", "eventsIndexed");
  indexerCounter(
    "kuajie_indexer_page_failures_total",
    "eth_getLogs pages the node failed to answer (each halves the page)",
    "pageFailures",
  );
  return {
    registry,
    observeIndexer: (read) => {
      indexer = read;
    },
    httpRequests: new Counter({
      name: "kuajie_http_requests_total",
      help: "HTTP requests answered, by method, route template and status",
      labelNames: ["method", "route", "status"] as const,
      registers: [registry],
    }),
    httpRequestDuration: new Histogram({
      name: "kuajie_http_request_duration_seconds",
      help: "HTTP request latency, by method, route template and status",
      labelNames: ["method", "route", "status"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    fetchDecisions: new Counter({
      name: "kuajie_fetch_decisions_total",
      help: "Data fetch decisions, by reason (delivered, failed, or the denial reason)",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    outboxPending: new Gauge({
      name: "kuajie_outbox_pending",
      help: "Transactions persisted in the outbox and not yet mined",
      registers: [registry],
    }),
    anchorLagSeconds: new Gauge({
      name: "kuajie_anchor_lag_seconds",
      help: "Age in seconds of the oldest receipt not yet anchored on chain (0 when all are anchored)",
      registers: [registry],
    }),
    indexerLagBlocks: new Gauge({
      name: "kuajie_indexer_lag_blocks",
      help: "Blocks between the chain head and the last block the indexer has applied",
      registers: [registry],
      collect() {
        const progress = indexer?.();
        if (progress && progress.headBlock !== null) this.set(Math.max(0, progress.headBlock - progress.indexedBlock));
      },
    }),
    subjectRefComputations: new Counter({
      name: "kuajie_subject_ref_computations_total",
      help: "Subject references computed for callers (POST /v1/subjects/ref), by the id of the token that asked",
      labelNames: ["token_id"] as const,
      registers: [registry],
    }),
  };
}

/**
 * Counts and times every request by its route template (`/v1/agreements/:id`, never the concrete id, so that
 * label values stay few); requests that matched no route are labelled `unmatched`.
 */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const stopTimer = metrics.httpRequestDuration.startTimer();
    res.on("finish", () => {
      const labels = {
        method: req.method,
        route: res.locals.routeTemplate ?? "unmatched",
        status: String(res.statusCode),
      };
      metrics.httpRequests.inc(labels);
      stopTimer(labels);
    });
    next();
  };
}

export function metricsEndpoint(metrics: Metrics): RequestHandler {
  return async (_req, res) => {
    res.locals.routeTemplate = "/metrics";
    res.setHeader("Content-Type", metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  };
}
