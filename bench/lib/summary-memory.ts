/**
 * The "Gateway memory" section of docs/BENCHMARKS.md's summary, from bench/results/fetch.json: the resident size and
 * the V8 heap of both gateways over the measured fetch load, the heap limits they ran with, and what collecting cost.
 */
// The result files are free-form JSON read back for display; every access is guarded by fmt().
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = Record<string, any>;

const fmt = (n: unknown, digits = 0) =>
  typeof n === "number" && Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "n/a";

/**
 * Flat: the peak of the run's second half within 5 % of its first half's, i.e. the resident size has stopped
 * climbing once the heap found its working size (a leak keeps raising every later peak).
 */
export function flatness(samples: readonly number[]): { firstHalfMax: number; secondHalfMax: number; flat: boolean } {
  const half = Math.floor(samples.length / 2);
  const firstHalfMax = Math.max(...samples.slice(0, half));
  const secondHalfMax = Math.max(...samples.slice(half));
  return { firstHalfMax, secondHalfMax, flat: secondHalfMax <= firstHalfMax * 1.05 };
}

export function memorySection(fetch: J | undefined): string[] {
  if (!fetch?.memory_mb) return ["Not measured yet: run `npm run bench -- --only fetch`.", ""];
  const roles = ["consumer", "provider"] as const;
  const gc = (role: string, kind: string) => fetch.gc?.[role]?.[kind] as J | undefined;
  const rows = roles.map((role) => {
    const rss = fetch.memory_mb[role] as J | undefined;
    const heap = (fetch.heap_used_mb?.[role]?.heap as number[] | undefined) ?? [];
    const samples = (rss?.samples as number[] | undefined) ?? [];
    const shape = samples.length >= 4 ? flatness(samples) : undefined;
    return (
      `| ${role} | ${fmt(rss?.first)} | ${fmt(rss?.max)} | ${fmt(rss?.last)} | ` +
      `${shape ? `${fmt(shape.firstHalfMax)} → ${fmt(shape.secondHalfMax)} (${shape.flat ? "flat" : "**climbing**"})` : "n/a"} | ` +
      `${heap.length ? `${fmt(Math.min(...heap))}–${fmt(Math.max(...heap))}` : "n/a"} | ` +
      `${fmt(gc(role, "minor")?.collections)} / ${fmt(gc(role, "major")?.collections)} | ` +
      `${fmt(gc(role, "minor")?.pause_ms_per_request, 3)} / ${fmt(gc(role, "major")?.pause_ms_per_request, 3)} | ` +
      `${fmt(fetch.cpu_ms_per_request?.kuajie?.[role], 2)} |`
    );
  });
  const flags = fetch.gateway_heap_flags as string[] | undefined;
  return [
    `Both gateways of the fetch path over the ${fmt(fetch.seconds)} s load of the mediated fetch above (${fetch.run?.mode ?? "?"} mode, ` +
      `${fetch.run?.at ?? "?"}, load average ${(fetch.load_average?.before ?? []).join(" / ")} before). They ran with ` +
      `${flags ? flags.map((f) => `\`${f}\``).join(" ") : "Node's default heap"} (package.json's \`gateway\` script; why ` +
      "those values: [docs/perf/gateway-memory.md](perf/gateway-memory.md)). Resident size from `/proc` once a second; " +
      "the V8 heap in use and the collections from each gateway's `/metrics`; a pause is the main thread's wall time " +
      "(on a loaded machine mostly waiting for a core), per request answered. Flat: the second half's peak within 5 % " +
      "of the first half's.",
    "",
    "| gateway | RSS first MB | RSS max MB | RSS last MB | peak, first half → second half | heap in use MB | collections minor / major | GC pause ms per request minor / major | CPU ms per request |",
    "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
  ];
}
