import { expect } from "chai";
import {
  anchoringLagChart,
  chartsOf,
  fetchLatencyChart,
  fetchMemoryChart,
  fetchRpsChart,
  growthChart,
} from "../../bench/lib/charts";

const latency = (scale: number) => ({
  p2_5: 1 * scale,
  p50: 5 * scale,
  p75: 7 * scale,
  p90: 9 * scale,
  p97_5: 12 * scale,
  p99: 20 * scale,
  p99_9: 40 * scale,
});
const fetch = {
  hops: 2,
  kuajie: { rps: 200, p50_ms: 50, p99_ms: 200, latency_ms: latency(10), rps_series: [190, 205, 210] },
  bare: { rps: 400, p50_ms: 5, p99_ms: 20, latency_ms: latency(1), rps_series: [390, 410, 400] },
  memory_mb: {
    consumer: { max: 144, first: 140, last: 144, samples: [140, 142, 144] },
    provider: { max: 133, first: 130, last: 133, samples: [130, 131, 133] },
  },
  heap_used_mb: {
    consumer: { heap: [40, 52, 41], external: [3, 3, 3] },
    provider: { heap: [38, 45], external: [3, 3] },
  },
};
const growth = {
  scales: [
    { scale: 1, consents: 100, fetch: { rps: 228 } },
    { scale: 10, consents: 1000, fetch: { rps: 249 } },
    { scale: 100, consents: 10000, fetch: { rps: 231 } },
  ],
};
const anchoring = {
  lag_series: [
    [0.1, 2100],
    [1.2, 1900],
    [9.8, null],
  ],
};

const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe("benchmark charts (bench/lib/charts.ts)", () => {
  it("draws the fetch latency percentiles of both paths, labelled by percentile", () => {
    const chart = fetchLatencyChart(fetch)!;
    expect(chart.svg.startsWith("<svg")).to.equal(true);
    const labels = texts(chart.svg);
    for (const p of ["p2.5", "p50", "p90", "p99", "p99.9"]) expect(labels).to.include(p);
    expect(labels).to.include.members(["Kuajie (two gateways)", "two bare proxies"]);
    // Seven bars per path, one per percentile.
    expect(chart.svg.match(/<path d="M[^"]*Z"[^>]*fill="/g)?.length).to.be.at.least(14);
  });

  it("draws responses per second over the run, one point per second", () => {
    const chart = fetchRpsChart(fetch)!;
    expect(texts(chart.svg)).to.include.members(["1", "2", "3", "second of the run"]);
  });

  it("draws both gateways' resident memory and heap over the run, one point per second", () => {
    // SVG text escapes the apostrophe.
    const labels = texts(fetchMemoryChart(fetch)!.svg).map((t) => t.replaceAll("&#39;", "'"));
    expect(labels).to.include.members([
      "0",
      "1",
      "2",
      "second of the run",
      "consumer's gateway, resident",
      "provider's gateway, resident",
      "consumer's gateway, V8 heap used",
      "provider's gateway, V8 heap used",
    ]);
  });

  it("draws the growth curve with each scale's consents on the axis", () => {
    const labels = texts(growthChart(growth)!.svg);
    expect(labels).to.include.members(["1× (100 consents)", "10× (1,000 consents)", "100× (10,000 consents)"]);
    expect(labels).to.include.members(["228", "249", "231"]);
  });

  it("draws anchoring lag over the run and marks receipts never anchored", () => {
    const labels = texts(anchoringLagChart(anchoring)!.svg);
    expect(labels).to.include.members(["anchored", "not anchored by the end"]);
  });

  it("draws nothing from result files that predate the fields a chart reads", () => {
    const old = { kuajie: { rps: 48, p50_ms: 612, p99_ms: 1703 }, bare: { rps: 369, p50_ms: 78, p99_ms: 226 } };
    expect(fetchLatencyChart(old)).to.equal(undefined);
    expect(fetchRpsChart(old)).to.equal(undefined);
    expect(fetchMemoryChart(old)).to.equal(undefined);
    expect(growthChart({ scales: [growth.scales[0]] })).to.equal(undefined);
    expect(anchoringLagChart({ lag_p50_ms: 2085 })).to.equal(undefined);
    expect(chartsOf({ fetch: old }).map((c) => c.name)).to.deep.equal([]);
    expect(chartsOf({ fetch, growth, anchoring }).map((c) => c.name)).to.deep.equal([
      "fetch-latency",
      "fetch-rps",
      "fetch-memory",
      "growth",
      "anchoring-lag",
    ]);
  });
});
