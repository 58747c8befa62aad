import { expect } from "chai";
import { applyGrantEvent } from "../../../core/folds/grants";

const CONSUMER = `0x${"BB".repeat(32)}`;
const GRANTEE = `0x${"Cd".repeat(20)}`;

const issued = applyGrantEvent(undefined, "GrantIssued", {
  grantId: "3",
  agreementId: 7n,
  consumer: CONSUMER,
  grantee: GRANTEE,
  fieldMask: "6",
  expiresAt: "5000",
  quota: { calls: "100", per: 3n },
});

describe("core/folds/grants", function () {
  it("issues a grant active, with ids and hex in their one text form", function () {
    expect(issued).to.deep.equal({
      id: "3",
      agreementId: "7",
      consumer: CONSUMER.toLowerCase(),
      grantee: GRANTEE.toLowerCase(),
      fieldMask: 6n,
      expiresAt: 5000,
      quota: { calls: 100, per: "day" },
      status: "active",
    });
  });

  it("pauses, resumes and revokes", function () {
    const paused = applyGrantEvent(issued, "GrantPaused", { grantId: "3" });
    expect(paused?.status).to.equal("paused");
    expect(applyGrantEvent(paused, "GrantResumed", { grantId: "3" })?.status).to.equal("active");
    expect(applyGrantEvent(paused, "GrantRevoked", { grantId: "3" })?.status).to.equal("revoked");
  });

  it("ignores other events and changes of a grant never issued", function () {
    expect(applyGrantEvent(issued, "AgreementActivated", {})).to.equal(issued);
    expect(applyGrantEvent(undefined, "GrantPaused", { grantId: "9" })).to.equal(undefined);
  });
});
