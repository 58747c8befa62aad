import { expect } from "chai";
import { applyDepartmentEvent, DEPARTMENT_STATUS_EVENTS } from "../../../core/folds/departments";

describe("core/folds/departments", function () {
  it("admits a department active, suspends it and reinstates it", function () {
    const admitted = applyDepartmentEvent(undefined, "DepartmentAdmitted");
    expect(admitted).to.equal("active");
    const suspended = applyDepartmentEvent(admitted, "DepartmentSuspended");
    expect(suspended).to.equal("suspended");
    expect(applyDepartmentEvent(suspended, "DepartmentReinstated")).to.equal("active");
  });

  it("ignores other events and changes of a department never admitted", function () {
    expect(applyDepartmentEvent("suspended", "CouncilSeatChanged")).to.equal("suspended");
    expect(applyDepartmentEvent(undefined, "DepartmentSuspended")).to.equal(undefined);
    expect(applyDepartmentEvent(undefined, "DepartmentReinstated")).to.equal(undefined);
  });

  it("names the Consortium events that change a status", function () {
    expect(DEPARTMENT_STATUS_EVENTS).to.deep.equal([
      "DepartmentAdmitted",
      "DepartmentSuspended",
      "DepartmentReinstated",
    ]);
  });
});
