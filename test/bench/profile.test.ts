/**
 * The benchmark's profile reading: self time by function and by place within a window of the monotonic clock, and
 * the CPU µs a request that the scale-replay part compares between 10^3 and 10^6 consents.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { busyOverlap, growth, selfTime, summariseProfile, usPerRequest } from "../../bench/lib/profile";

const STORE = "file:///srv/kuajie/dist/gateway/server/src/store/consents.js";
const SQLITE = "file:///srv/kuajie/node_modules/better-sqlite3/lib/methods/transaction.js";

/** Samples 1 ms apart from t = 1,000,000 µs: idle, then the consent store, then SQLite, as `ids` says. */
function profileFile(dir: string, ids: number[]): string {
  const file = path.join(dir, "test.cpuprofile");
  const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 9, columnNumber: 0 });
  fs.writeFileSync(
    file,
    JSON.stringify({
      nodes: [
        { id: 1, callFrame: frame("(idle)", "") },
        { id: 2, callFrame: frame("currentOfKey", STORE) },
        { id: 3, callFrame: frame("sqliteTransaction", SQLITE) },
      ],
      startTime: 1_000_000,
      endTime: 1_000_000 + ids.length * 1_000,
      samples: ids,
      timeDeltas: ids.map(() => 1_000),
    }),
  );
  return file;
}

/**
 * A profile whose samples are 1 ms apart from t = 1,000,000 µs (so that each 5 ms bucket holds five), busy in the
 * consent store where `pattern` has "B" and idle where it has "-".
 */
function patternFile(dir: string, name: string, pattern: string): string {
  const file = path.join(dir, `${name}.cpuprofile`);
  const ids = [...pattern].map((c) => (c === "B" ? 2 : 1));
  fs.writeFileSync(
    file,
    JSON.stringify({
      nodes: [
        { id: 1, callFrame: { functionName: "(idle)", url: "", lineNumber: 0, columnNumber: 0 } },
        { id: 2, callFrame: { functionName: "currentOfKey", url: STORE, lineNumber: 9, columnNumber: 0 } },
      ],
      startTime: 999_000,
      endTime: 999_000 + ids.length * 1_000,
      samples: ids,
      timeDeltas: ids.map(() => 1_000),
    }),
  );
  return file;
}

describe("profile reading (benchmark)", function () {
  let dir: string;

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-profile-"));
  });

  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("sums self time by function and by package or file, only inside the window", function () {
    const file = profileFile(dir, [1, 1, 2, 2, 2, 3, 1, 3, 3, 3]);
    // Samples at 1,001 … 1,010 ms; the window keeps those stamped 1,003 … 1,008 ms.
    const inside = selfTime(file, { fromUs: 1_003_000, toUs: 1_008_000 });
    expect(inside.samples).to.equal(6);
    expect(inside.spanMs).to.equal(6);
    expect(Object.fromEntries(inside.byPlace)).to.deep.equal({
      "server/src/store/consents.js": 3,
      "better-sqlite3": 2,
      "(idle)": 1,
    });
    expect(inside.byFunction.get("currentOfKey server/src/store/consents.js:10")).to.equal(3);
    expect(summariseProfile(file, 5).by_place[0]).to.deep.equal({ name: "better-sqlite3", percent: 40 });
  });

  it("gives busy µs a request without idle, and ranks what grew between two sizes", function () {
    const small = usPerRequest([selfTime(profileFile(dir, [1, 1, 2, 3, 3, 1]))], 2);
    expect(small.totalUs).to.equal(1_500);
    expect(small.byPlace.has("(idle)")).to.equal(false);
    const large = usPerRequest([selfTime(profileFile(dir, [2, 2, 2, 3, 1, 1]))], 2);
    const grew = growth(small.byPlace, large.byPlace, 2);
    expect(grew.grew_most[0]).to.deep.equal({
      name: "server/src/store/consents.js",
      before_us: 500,
      after_us: 1_500,
      grew_us: 1_000,
    });
    expect(grew.fell_most[0]).to.deep.include({ name: "better-sqlite3", grew_us: -500 });
  });
  it("finds two processes that work in turns: each busy while the other idles, correlation -1", function () {
    const files = {
      consumer: patternFile(dir, "consumer", "BBBBB-----BBBBB-----"),
      provider: patternFile(dir, "provider", "-----BBBBB-----BBBBB"),
    };
    expect(busyOverlap(files)).to.deep.equal({
      bucket_ms: 5,
      buckets: 4,
      busy: { consumer: 0.5, provider: 0.5 },
      both_busy: 0,
      one_busy: 1,
      neither_busy: 0,
      correlation: -1,
    });
  });

  it("finds two processes that work side by side, and keeps to the window", function () {
    const files = {
      consumer: patternFile(dir, "consumer", "BBBBB---BB-----BBBBB"),
      provider: patternFile(dir, "provider", "BBBBBBBB--------BBBB"),
    };
    // Busy shares by bucket: consumer 1, 0.4, 0, 1; provider 1, 0.6, 0, 0.8.
    const all = busyOverlap(files);
    expect(all).to.deep.include({ buckets: 4, both_busy: 0.5, one_busy: 0.25, neither_busy: 0.25 });
    expect(all.busy).to.deep.equal({ consumer: 0.6, provider: 0.6 });
    expect(all.correlation).to.be.within(0.94, 0.95);
    // Samples stamped 1,000 … 1,009 ms only: the first two buckets.
    const window = busyOverlap(files, { fromUs: 1_000_000, toUs: 1_009_000 });
    expect(window).to.deep.include({ buckets: 2, both_busy: 0.5, one_busy: 0.5, neither_busy: 0 });
  });

  it("counts a bucket as busy from half of it (not from 0.4), in buckets of the size asked", function () {
    const files = {
      consumer: patternFile(dir, "consumer", "BBBBB-----BBBB------"),
      provider: patternFile(dir, "provider", "BBBBBBBBBB----------"),
    };
    expect(busyOverlap(files, undefined, 10)).to.deep.include({
      bucket_ms: 10,
      buckets: 2,
      busy: { consumer: 0.45, provider: 0.5 },
      both_busy: 0.5,
      one_busy: 0,
      neither_busy: 0.5,
      correlation: 1,
    });
  });

  it("gives no correlation when a process never changes, and compares exactly two profiles", function () {
    const files = {
      consumer: patternFile(dir, "consumer", "BBBBBBBBBB"),
      provider: patternFile(dir, "provider", "BBBBB-----"),
    };
    expect(busyOverlap(files).correlation).to.equal(null);
    expect(() => busyOverlap({ consumer: files.consumer })).to.throw("two profiles, not 1");
  });
});
