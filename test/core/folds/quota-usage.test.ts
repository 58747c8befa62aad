import { expect } from "chai";
import { QuotaUsage, QuotaWindows } from "../../../core/folds/quota-usage";

/** 2026-11-30T16:00:00Z: midnight of 2026-12-01 in China Standard Time (UTC+8). */
const CST_MIDNIGHT = Date.UTC(2026, 10, 30, 16) / 1000;

describe("core/folds/quota-usage", function () {
  it("puts moments in the calendar windows of China Standard Time", function () {
    const windows = new QuotaWindows();
    expect(windows.key(CST_MIDNIGHT - 1, "day")).to.equal("2026-11-30");
    expect(windows.key(CST_MIDNIGHT, "day")).to.equal("2026-12-01");
    expect(windows.key(CST_MIDNIGHT - 1, "month")).to.equal("2026-11");
    expect(windows.key(CST_MIDNIGHT + 3599, "hour")).to.equal("2026-12-01T00");
    expect(windows.key(CST_MIDNIGHT + 61, "minute")).to.equal("2026-12-01T00:01");
  });

  it("counts deliveries per holder and window, and marks the one past the quota", function () {
    const usage = new QuotaUsage();
    const daily = { calls: 2, per: "day" as const };
    expect(usage.count("g:1", daily, CST_MIDNIGHT - 10)).to.deep.equal({ window: "2026-11-30", used: 1, over: false });
    expect(usage.count("g:1", daily, CST_MIDNIGHT + 1)).to.deep.equal({ window: "2026-12-01", used: 1, over: false });
    expect(usage.count("g:2", daily, CST_MIDNIGHT + 2)?.used).to.equal(1);
    expect(usage.count("g:1", daily, CST_MIDNIGHT + 3)).to.deep.equal({ window: "2026-12-01", used: 2, over: false });
    expect(usage.count("g:1", daily, CST_MIDNIGHT + 4)).to.deep.equal({ window: "2026-12-01", used: 3, over: true });
  });

  it("never counts against an unlimited quota", function () {
    expect(new QuotaUsage().count("a:1", { calls: 0, per: "none" }, CST_MIDNIGHT)).to.equal(undefined);
  });
});
