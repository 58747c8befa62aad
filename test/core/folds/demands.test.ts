import { expect } from "chai";
import { applyDemandEvent, demandOverdue } from "../../../core/folds/demands";

const REQUESTER = `0x${"AA".repeat(32)}`;
const HRSS = `0x${"BB".repeat(32)}`;
const RESOURCE = `0x${"CC".repeat(32)}`;

const published = applyDemandEvent(
  undefined,
  "DemandPublished",
  { demandId: 4n, requester: REQUESTER, detailsHash: `0x${"DD".repeat(32)}`, details: '{"description":"x"}' },
  1000,
)!;

describe("core/folds/demands", function () {
  it("publishes a demand open, with ids and hex in their one text form", function () {
    expect(published).to.include({
      id: "4",
      requester: REQUESTER.toLowerCase(),
      status: "open",
      publishedAt: 1000,
      responsible: null,
      dueAt: null,
    });
  });

  it("folds an assignment, a reassignment and a late fulfilment", function () {
    const assigned = applyDemandEvent(
      published,
      "ResponsibilityAssigned",
      { demandId: "4", responsible: REQUESTER, requester: REQUESTER, workingDays: "3", dueAt: "2000" },
      1100,
    )!;
    const reassigned = applyDemandEvent(
      assigned,
      "ResponsibilityAssigned",
      { demandId: "4", responsible: HRSS, requester: REQUESTER, workingDays: 5n, dueAt: 3000n },
      1200,
    )!;
    expect(reassigned).to.include({ status: "assigned", responsible: HRSS.toLowerCase(), workingDays: 5, dueAt: 3000 });
    expect(demandOverdue(reassigned, 3000)).to.equal(false);
    expect(demandOverdue(reassigned, 3001)).to.equal(true);
    const fulfilled = applyDemandEvent(
      reassigned,
      "ResponsibilityFulfilled",
      { demandId: "4", responsible: HRSS, resourceId: RESOURCE, onTime: false },
      3500,
    )!;
    expect(fulfilled).to.include({
      status: "fulfilled",
      resourceId: RESOURCE.toLowerCase(),
      settledAt: 3500,
      fulfilledOnTime: false,
    });
    expect(demandOverdue(fulfilled, 9999)).to.equal(false);
  });

  it("folds an answer, and leaves a demand never published, or an unknown event, as it was", function () {
    const answered = applyDemandEvent(
      published,
      "DemandAnswered",
      { demandId: "4", provider: HRSS, resourceId: RESOURCE, requester: REQUESTER },
      1300,
    )!;
    expect(answered).to.include({ status: "answered", responsible: HRSS.toLowerCase(), settledAt: 1300 });
    expect(applyDemandEvent(undefined, "DemandAnswered", { demandId: "9" }, 1)).to.equal(undefined);
    expect(applyDemandEvent(published, "SomethingElse", {}, 1)).to.equal(published);
  });
});
