import { expect } from "chai";
import request from "supertest";
import { createMetrics } from "../../../server/src/common/metrics";
import { buildGateway } from "../support/gateway";
import { lintExposition } from "../support/prometheus-lint";
import { widgetsModule } from "../support/widgets";

describe("metrics", function () {
  describe("GET /metrics", function () {
    it("counts requests and latencies by route template and status", async function () {
      const gateway = buildGateway({ modules: [widgetsModule()] });
      const operator = gateway.bearer("operator");
      await request(gateway.app).get("/v1/widgets/1").set("Authorization", operator).expect(200);
      await request(gateway.app).get("/v1/widgets/2").set("Authorization", operator).expect(200);
      await request(gateway.app).get("/v1/widgets/404").set("Authorization", operator).expect(404);
      await request(gateway.app).get("/no/such/route").expect(404);
      const res = await request(gateway.app).get("/metrics").expect(200);
      expect(res.headers["content-type"]).to.match(/^text\/plain/);
      expect(res.text).to.include('kuajie_http_requests_total{method="GET",route="/v1/widgets/:id",status="200"} 2');
      expect(res.text).to.include('kuajie_http_requests_total{method="GET",route="/v1/widgets/:id",status="404"} 1');
      expect(res.text).to.include('kuajie_http_requests_total{method="GET",route="unmatched",status="404"} 1');
      expect(res.text).to.match(
        /kuajie_http_request_duration_seconds_count\{method="GET",route="\/v1\/widgets\/:id",status="200"\} 2/,
      );
      expect(res.text).not.to.include("/v1/widgets/2");
    });

    it("exposes the handles other modules set", async function () {
      const metrics = createMetrics();
      const gateway = buildGateway({ metrics });
      metrics.fetchDecisions.inc({ reason: "consent_withdrawn" });
      metrics.fetchDecisions.inc({ reason: "delivered" }, 2);
      metrics.outboxPending.set(3);
      metrics.anchorLagSeconds.set(1.5);
      metrics.indexerLagBlocks.set(4);
      const res = await request(gateway.app).get("/metrics").expect(200);
      expect(res.text).to.include('kuajie_fetch_decisions_total{reason="consent_withdrawn"} 1');
      expect(res.text).to.include('kuajie_fetch_decisions_total{reason="delivered"} 2');
      expect(res.text).to.include("kuajie_outbox_pending 3");
      expect(res.text).to.include("kuajie_anchor_lag_seconds 1.5");
      expect(res.text).to.include("kuajie_indexer_lag_blocks 4");
    });

    it("passes the conventions of `promtool check metrics`, process metrics included", async function () {
      const metrics = createMetrics({ collectProcessMetrics: true });
      const gateway = buildGateway({ modules: [widgetsModule()], metrics });
      metrics.fetchDecisions.inc({ reason: "delivered" });
      await request(gateway.app).get("/v1/widgets/1").set("Authorization", gateway.bearer("operator")).expect(200);
      const res = await request(gateway.app).get("/metrics").expect(200);
      expect(res.text).to.include("# TYPE nodejs_active_handles gauge");
      expect(res.text).to.include("# TYPE process_cpu_seconds_total counter");
      expect(lintExposition(res.text)).to.deep.equal([]);
    });

    it("has a checker that finds what promtool finds", function () {
      const exposition = [
        "# HELP nodejs_active_handles_total Number of active libuv handles.",
        "# TYPE nodejs_active_handles_total gauge",
        "nodejs_active_handles_total 3",
        "# HELP jobs_done Jobs done.",
        "# TYPE jobs_done counter",
        "jobs_done 1",
        "# HELP request_latency_milliseconds Latency.",
        "# TYPE request_latency_milliseconds gauge",
        "request_latency_milliseconds 12",
        "# TYPE queue_depth gauge",
        "queue_depth 2",
        "stray_sample 1",
        "",
      ].join("\n");
      expect(lintExposition(exposition)).to.have.members([
        "nodejs_active_handles_total: only counters end in _total",
        "jobs_done: a counter's name ends in _total",
        "request_latency_milliseconds: use base units (seconds), not milliseconds",
        "queue_depth: no HELP text",
        "stray_sample: no HELP text",
        "stray_sample: no TYPE",
      ]);
    });

    it("keeps one registry per app, so two apps in one process do not clash", async function () {
      const a = buildGateway();
      const b = buildGateway();
      await request(a.app).get("/healthz").expect(200);
      const res = await request(b.app).get("/metrics").expect(200);
      expect(res.text).not.to.include('route="/healthz"');
    });
  });
});
