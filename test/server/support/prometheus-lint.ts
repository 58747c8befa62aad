import { createRequire } from "node:module";

interface MetricFamily {
  name: string;
  help: string;
  type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
  metrics: Array<{ labels?: Record<string, string> }>;
}

// The package ships no types: its one export, typed here (createRequire keeps the import untyped without `any`).
const parsePrometheusTextFormat = createRequire(__filename)("parse-prometheus-text-format") as (
  text: string,
) => MetricFamily[];

/**
 * The conventions `promtool check metrics` enforces (Prometheus' promlint), applied to a whole text exposition after
 * parse-prometheus-text-format has parsed it: HELP and TYPE on every family, `_total` on counters and on nothing else,
 * base units (seconds, bytes, ratios), no type or abbreviated unit in the name, snake case names and labels, and no
 * sample outside a declared family. Returns one line per problem.
 */

const NON_BASE_UNITS: Readonly<Record<string, string>> = {
  minutes: "seconds",
  hours: "seconds",
  days: "seconds",
  weeks: "seconds",
  milliseconds: "seconds",
  microseconds: "seconds",
  nanoseconds: "seconds",
  bits: "bytes",
  kilobytes: "bytes",
  megabytes: "bytes",
  gigabytes: "bytes",
  terabytes: "bytes",
  petabytes: "bytes",
  kibibytes: "bytes",
  mebibytes: "bytes",
  gibibytes: "bytes",
  percent: "ratios",
  celsius: "celsius is allowed only as base unit of temperature: use kelvin",
};
/** promlint's list of unit abbreviations. */
const ABBREVIATIONS = ["s", "ms", "us", "ns", "sec", "b", "kb", "mb", "gb", "tb", "pb", "m", "h", "d"];
const TYPE_WORDS = ["counter", "gauge", "histogram", "summary", "untyped"];
const SNAKE = /^[a-z_][a-z0-9_]*$/;
const HISTOGRAM_SUFFIXES = ["_bucket", "_sum", "_count"];
const SUMMARY_SUFFIXES = ["_sum", "_count"];

function sampleNames(text: string): string[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"))
    .map((line) => /^([^{\s]+)/.exec(line)![1]);
}

export function lintExposition(text: string): string[] {
  const problems: string[] = [];
  const families = parsePrometheusTextFormat(text);
  const declared = new Map(families.map((f) => [f.name, f.type]));
  for (const family of families) {
    const { name, type } = family;
    const words = name.split("_");
    if (!family.help?.trim()) problems.push(`${name}: no HELP text`);
    if (!text.split("\n").some((line) => line.startsWith(`# TYPE ${name} `))) problems.push(`${name}: no TYPE`);
    if (!SNAKE.test(name)) problems.push(`${name}: metric names are snake case, without colons`);
    if (type === "COUNTER" && !name.endsWith("_total")) problems.push(`${name}: a counter's name ends in _total`);
    if (type !== "COUNTER" && name.endsWith("_total")) problems.push(`${name}: only counters end in _total`);
    for (const word of words) {
      if (NON_BASE_UNITS[word]) problems.push(`${name}: use base units (${NON_BASE_UNITS[word]}), not ${word}`);
      if (ABBREVIATIONS.includes(word)) problems.push(`${name}: spell the unit out, not ${word}`);
      if (TYPE_WORDS.includes(word)) problems.push(`${name}: the name repeats the metric type (${word})`);
    }
    for (const sample of family.metrics) {
      for (const label of Object.keys(sample.labels ?? {})) {
        if (!SNAKE.test(label)) problems.push(`${name}: label ${label} is not snake case`);
        if (label === "le" && type !== "HISTOGRAM") problems.push(`${name}: only histograms use the le label`);
        if (label === "quantile" && type !== "SUMMARY") problems.push(`${name}: only summaries use the quantile label`);
      }
    }
  }
  for (const sample of new Set(sampleNames(text))) {
    const owner = [
      sample,
      ...HISTOGRAM_SUFFIXES.filter((s) => sample.endsWith(s)).map((s) => sample.slice(0, -s.length)),
    ].find((candidate) => declared.has(candidate));
    const ownerType = owner ? declared.get(owner) : undefined;
    const viaSuffix = owner !== undefined && owner !== sample;
    const suffixes = ownerType === "HISTOGRAM" ? HISTOGRAM_SUFFIXES : ownerType === "SUMMARY" ? SUMMARY_SUFFIXES : [];
    if (!owner || (viaSuffix && !suffixes.some((s) => sample === owner + s))) {
      problems.push(`${sample}: a sample of no declared family`);
    }
  }
  return problems;
}
