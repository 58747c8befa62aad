import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import {
  AGREEMENT_STATUS,
  CONSENT_STATUS,
  DEMAND_STATUS,
  OBJECTION_STATUS,
  EVIDENCE_KIND,
  GRANT_STATUS,
  LEGAL_BASIS,
  LEVEL,
  OPEN_TYPE,
  PROPOSAL_ACTION,
  QUOTA_PERIOD,
  RESOURCE_STATUS,
  SECURITY_LEVEL,
  SHARE_TYPE,
} from "../../../core/codes/enumerations";

/** The members of `enum <name>` in a contract interface, as lower snake case, read from the Solidity source. */
function solidityEnum(file: string, name: string): string[] {
  const source = fs.readFileSync(path.join(__dirname, "../../../contracts", file), "utf8");
  const body = new RegExp(`enum ${name}\\s*\\{([^}]*)\\}`).exec(source)?.[1];
  if (body === undefined) throw new Error(`enum ${name} not found in ${file}`);
  return body
    .split(",")
    .map((member) => member.replace(/\/\/.*$/gm, "").trim())
    .filter((member) => member.length > 0)
    .map((member) => member.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase());
}

describe("core/codes/enumerations", function () {
  it("lists every enumeration in the contracts' order, in lower snake case", function () {
    const cases: [readonly string[], string, string][] = [
      [LEVEL.values, "consortium/IConsortium.sol", "Level"],
      [PROPOSAL_ACTION.values, "consortium/IConsortium.sol", "ProposalAction"],
      [SHARE_TYPE.values, "catalog/IDataCatalog.sol", "ShareType"],
      [OPEN_TYPE.values, "catalog/IDataCatalog.sol", "OpenType"],
      [SECURITY_LEVEL.values, "catalog/IDataCatalog.sol", "SecurityLevel"],
      [RESOURCE_STATUS.values, "catalog/IDataCatalog.sol", "ResourceStatus"],
      [LEGAL_BASIS.values, "sharing/ISharingAgreements.sol", "LegalBasis"],
      [QUOTA_PERIOD.values, "sharing/ISharingAgreements.sol", "Period"],
      [AGREEMENT_STATUS.values, "sharing/ISharingAgreements.sol", "AgreementStatus"],
      [GRANT_STATUS.values, "sharing/IGrants.sol", "GrantStatus"],
      [CONSENT_STATUS.values, "consent/IConsentRegistry.sol", "ConsentStatus"],
      [DEMAND_STATUS.values, "demands/IDemandRegistry.sol", "DemandStatus"],
      [OBJECTION_STATUS.values, "quality/IObjections.sol", "ObjectionStatus"],
    ];
    for (const [values, file, name] of cases) expect([...values], name).to.deep.equal(solidityEnum(file, name));
  });

  it("spells the evidence kind RecordHash as the API does: record", function () {
    expect(solidityEnum("consent/IConsentRegistry.sol", "EvidenceKind")).to.deep.equal([
      "none",
      "signature",
      "record_hash",
    ]);
    expect(EVIDENCE_KIND.values).to.deep.equal(["none", "signature", "record"]);
  });

  it("maps values to their on-chain index and back, refusing an index with no value", function () {
    expect(AGREEMENT_STATUS.toIndex("suspended")).to.equal(4);
    expect(AGREEMENT_STATUS.fromIndex(4n)).to.equal("suspended");
    expect(QUOTA_PERIOD.fromIndex("3")).to.equal("day");
    expect(() => GRANT_STATUS.fromIndex(3)).to.throw(RangeError, "no value at index 3 of active|paused|revoked");
    expect(LEVEL.schema.safeParse("city").success).to.equal(true);
    expect(LEVEL.schema.safeParse("City").success).to.equal(false);
  });
});
