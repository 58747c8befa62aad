import { expect } from "chai";
import { flatness, memorySection } from "../../bench/lib/summary-memory";

describe("the benchmark's gateway memory summary (bench/lib/summary-memory.ts)", function () {
  it("calls a resident size flat when it rose while warming up and then stayed", function () {
    expect(flatness([110, 130, 150, 165, 166, 168, 167, 168])).to.deep.equal({
      firstHalfMax: 165,
      secondHalfMax: 168,
      flat: true,
    });
  });

  it("calls it climbing when the second half's peak is more than 5 % above the first half's", function () {
    expect(flatness([110, 150, 170, 190, 200, 210, 230, 250]).flat).to.equal(false);
  });

  it("writes one row per gateway with the flags, the peaks and the collections of the result file", function () {
    const samples = [100, 120, 148, 150, 150, 151];
    const lines = memorySection({
      seconds: 6,
      run: { mode: "full", at: "2026-11-30T17:04:36.682Z" },
      load_average: { before: [1, 2, 3] },
      gateway_heap_flags: ["--max-semi-space-size=16", "--max-old-space-size=512"],
      memory_mb: {
        consumer: { first: 100, max: 151, last: 151, samples },
        provider: { first: 90, max: 200, last: 200, samples: [90, 100, 110, 150, 180, 200] },
      },
      heap_used_mb: { consumer: { heap: [31, 58, 40] }, provider: { heap: [30, 50] } },
      gc: { consumer: { minor: { collections: 156, pause_ms_per_request: 0.573 } }, provider: null },
      cpu_ms_per_request: { kuajie: { consumer: 2.8, provider: 2.81 } },
    });
    const text = lines.join("\n");
    expect(text).to.include("`--max-semi-space-size=16` `--max-old-space-size=512`");
    expect(text).to.include(
      "| consumer | 100 | 151 | 151 | 148 → 151 (flat) | 31–58 | 156 / n/a | 0.573 / n/a | 2.80 |",
    );
    expect(text).to.include(
      "| provider | 90 | 200 | 200 | 110 → 200 (**climbing**) | 30–50 | n/a / n/a | n/a / n/a | 2.81 |",
    );
  });

  it("says how to measure it when the fetch has not been measured", function () {
    expect(memorySection(undefined).join("\n")).to.include("npm run bench -- --only fetch");
  });
});
