/**
 * The benchmark's pictures, drawn from its own result files (bench/results/*.json) with ECharts' server-side SVG
 * renderer: no browser, no DOM, the same library the console uses. Each chart is a pure function of the JSON it reads
 * and returns `undefined` when the run that would feed it has not written the fields it needs (an older result file, a
 * part not run), so that `npm run bench -- --only audit` never draws a chart from half the data.
 */
import * as echarts from "echarts";

// The result files are free-form JSON read back for display; each chart checks the shape it needs first.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = Record<string, any>;

export interface Chart {
  /** File name under docs/bench/, without the extension. */
  name: string;
  title: string;
  svg: string;
}

const WIDTH = 720;
const HEIGHT = 360;
const KUAJIE = "Kuajie (two gateways)";
const BARE = "two bare proxies";

function render(option: echarts.EChartsOption): string {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width: WIDTH, height: HEIGHT });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: "#ffffff",
      textStyle: { fontFamily: "sans-serif" },
      grid: { left: 70, right: 30, top: 72, bottom: 55 },
      legend: { top: 34 },
      ...option,
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

const numbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((n) => typeof n === "number");
const label = (percentile: string) => percentile.replace("_", ".");

/** Latency percentiles of the federated fetch against the bare chain, on one log axis. */
export function fetchLatencyChart(fetch: J | undefined): Chart | undefined {
  const kuajie = fetch?.kuajie?.latency_ms as Record<string, number> | undefined;
  const bare = fetch?.bare?.latency_ms as Record<string, number> | undefined;
  if (!kuajie || !bare) return undefined;
  const percentiles = Object.keys(kuajie).filter((p) => typeof bare[p] === "number");
  const values = percentiles.flatMap((p) => [kuajie[p], bare[p]]).map((v) => Math.max(v, 0.1));
  // The decade below the smallest bar, so that no bar starts on the axis and vanishes.
  const floor = 10 ** Math.ceil(Math.log10(Math.min(...values))) / 10;
  const title = "Fetch latency by percentile (ms, log scale)";
  return {
    name: "fetch-latency",
    title,
    svg: render({
      title: { text: title, left: "center", top: 6, textStyle: { fontSize: 15 } },
      xAxis: {
        type: "category",
        name: "percentile",
        nameLocation: "middle",
        nameGap: 30,
        data: percentiles.map(label),
      },
      yAxis: { type: "log", name: "ms", logBase: 10, min: floor, startValue: floor },
      series: [
        { name: KUAJIE, type: "bar", data: percentiles.map((p) => Math.max(kuajie[p], 0.1)) },
        { name: BARE, type: "bar", data: percentiles.map((p) => Math.max(bare[p], 0.1)) },
      ],
    }),
  };
}

/** Responses completed in each second of the measured run, both paths. */
export function fetchRpsChart(fetch: J | undefined): Chart | undefined {
  const kuajie: unknown = fetch?.kuajie?.rps_series;
  const bare: unknown = fetch?.bare?.rps_series;
  if (!numbers(kuajie) || !numbers(bare) || kuajie.length === 0) return undefined;
  const seconds = Array.from({ length: Math.max(kuajie.length, bare.length) }, (_, i) => String(i + 1));
  const title = "Fetch responses per second over the run";
  return {
    name: "fetch-rps",
    title,
    svg: render({
      title: { text: title, left: "center", top: 6, textStyle: { fontSize: 15 } },
      xAxis: { type: "category", name: "second of the run", nameLocation: "middle", nameGap: 30, data: seconds },
      yAxis: { type: "value", name: "responses/s", min: 0 },
      series: [
        { name: KUAJIE, type: "line", data: kuajie, showSymbol: false },
        { name: BARE, type: "line", data: bare, showSymbol: false },
      ],
    }),
  };
}

/** The two gateways' resident memory and V8 heap, once a second over the measured fetch load. */
export function fetchMemoryChart(fetch: J | undefined): Chart | undefined {
  const rss = (role: string): unknown => fetch?.memory_mb?.[role]?.samples;
  const heap = (role: string): unknown => fetch?.heap_used_mb?.[role]?.heap;
  const [consumerRss, providerRss] = [rss("consumer"), rss("provider")];
  if (!numbers(consumerRss) || !numbers(providerRss) || consumerRss.length === 0) return undefined;
  const [consumerHeap, providerHeap] = [heap("consumer"), heap("provider")];
  const seconds = Array.from({ length: Math.max(consumerRss.length, providerRss.length) }, (_, i) => String(i));
  const title = "Gateway memory over the fetch load (MB)";
  const line = (name: string, data: number[], dashed = false) => ({
    name,
    type: "line" as const,
    data,
    showSymbol: false,
    ...(dashed ? { lineStyle: { type: "dashed" as const } } : {}),
  });
  return {
    name: "fetch-memory",
    title,
    svg: render({
      title: { text: title, left: "center", top: 6, textStyle: { fontSize: 15 } },
      xAxis: { type: "category", name: "second of the run", nameLocation: "middle", nameGap: 30, data: seconds },
      yAxis: { type: "value", name: "MB", min: 0 },
      series: [
        line("consumer's gateway, resident", consumerRss),
        line("provider's gateway, resident", providerRss),
        ...(numbers(consumerHeap) ? [line("consumer's gateway, V8 heap used", consumerHeap, true)] : []),
        ...(numbers(providerHeap) ? [line("provider's gateway, V8 heap used", providerHeap, true)] : []),
      ],
    }),
  };
}

/** Fetch throughput as the indexed state grows (1×, 10×, 100× the agreements, grants and consents). */
export function growthChart(growth: J | undefined): Chart | undefined {
  const scales = (growth?.scales as J[] | undefined)?.filter(
    (s) => typeof s.scale === "number" && typeof s.fetch?.rps === "number",
  );
  if (!scales || scales.length < 2) return undefined;
  const title = "Fetch requests per second as the indexed state grows";
  return {
    name: "growth",
    title,
    svg: render({
      title: { text: title, left: "center", top: 6, textStyle: { fontSize: 15 } },
      xAxis: {
        type: "category",
        name: "indexed state (× the base: consents, agreements, departments)",
        nameLocation: "middle",
        nameGap: 30,
        data: scales.map((s) => `${s.scale}× (${Number(s.consents).toLocaleString("en-US")} consents)`),
      },
      yAxis: { type: "value", name: "req/s", min: 0 },
      series: [{ name: KUAJIE, type: "line", data: scales.map((s) => s.fetch.rps), label: { show: true } }],
    }),
  };
}

/** Each sampled receipt's lag from delivery to anchoring, against when in the run it was delivered. */
export function anchoringLagChart(anchoring: J | undefined): Chart | undefined {
  const series = anchoring?.lag_series as [number, number | null][] | undefined;
  if (!Array.isArray(series) || series.length === 0) return undefined;
  const anchored = series.filter(([, lag]) => typeof lag === "number");
  const never = series.filter(([, lag]) => lag === null);
  const title = "Receipt delivered → anchored on chain, over the run";
  return {
    name: "anchoring-lag",
    title,
    svg: render({
      title: { text: title, left: "center", top: 6, textStyle: { fontSize: 15 } },
      xAxis: { type: "value", name: "second of the run (delivery)", nameLocation: "middle", nameGap: 30, min: 0 },
      yAxis: { type: "value", name: "lag (ms)", min: 0 },
      series: [
        { name: "anchored", type: "scatter", data: anchored, symbolSize: 6 },
        // Drawn on the axis so a reader sees them; the result file says how many.
        { name: "not anchored by the end", type: "scatter", data: never.map(([t]) => [t, 0]), symbol: "triangle" },
      ],
    }),
  };
}

/** Every chart the given results can feed. */
export function chartsOf(results: { fetch?: J; growth?: J; anchoring?: J }): Chart[] {
  return [
    fetchLatencyChart(results.fetch),
    fetchRpsChart(results.fetch),
    fetchMemoryChart(results.fetch),
    growthChart(results.growth),
    anchoringLagChart(results.anchoring),
  ].filter((c): c is Chart => c !== undefined);
}
