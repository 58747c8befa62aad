import { expect } from "chai";
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { BaseContract, FunctionFragment, ParamType } from "ethers";
import { signConsent, signKeyRotation, signWithdrawal } from "../consent/fixtures";
import { signSeal } from "../sharing/fixtures";
import { CALL, deploySystem, type System } from "../support/system";
import { encodeCallPayload } from "../../core/council/proposals";
import { grantInsuranceToCivilAffairs } from "../support/insurance-grant";

/**
 * Authorization matrix of the contracts, generated from their ABIs: every state-changing function of every Kuajie
 * contract is called by an account that acts for no department, and must revert with the contract's
 * `<Prefix>UnauthorizedAccount` custom error. A function that is not in TABLE fails the test, so a new external
 * function cannot be added without deciding who may call it.
 */

type Contracts = Pick<
  System,
  "consortium" | "catalog" | "agreements" | "grants" | "consents" | "ledger" | "calendar" | "demands" | "objections"
>;

/** The outsider's address, once the suite has picked it (for errors that name the caller without a `needed`). */
let outsiderAddress = "";

interface Row {
  /** Arguments; by default every parameter's zero value (the guard comes before any argument check). */
  args?: (s: System, outsider: HardhatEthersSigner) => Promise<unknown[]> | unknown[];
  /** The expected custom error when it is not the contract's UnauthorizedAccount, with its arguments. */
  error?: { name: string; args: () => unknown[] };
  /** Why this function's refusal differs, shown in the test title. */
  note?: string;
  /**
   * The `needed` argument of `<Prefix>UnauthorizedAccount`: the role (Roles.sol) or the department the caller had to
   * act for. Default: MEMBER, the role of any account acting for an active department.
   */
  needed?: (s: System) => string;
}

/** The role constants of contracts/libraries/Roles.sol. */
const ROLE = {
  MEMBER: ethers.id("kuajie.role.member"),
  DEPARTMENT_ADMIN: ethers.id("kuajie.role.department-admin"),
  COUNCIL_MEMBER: ethers.id("kuajie.role.council-member"),
  COUNCIL: ethers.id("kuajie.role.council"),
  FOUNDER: ethers.id("kuajie.role.founder"),
};
/** The world's resource is hrss's; its agreement's and grant's consumer is civil affairs. */
const PROVIDER = (s: System) => s.departments.hrss.id;
const CONSUMER = (s: System) => s.departments["gz-civil-affairs"].id;
const role = (name: keyof typeof ROLE) => () => ROLE[name];

const CONTRACTS: Array<{ key: keyof Contracts; name: string; prefix: string }> = [
  { key: "consortium", name: "Consortium", prefix: "Consortium" },
  { key: "catalog", name: "DataCatalog", prefix: "Catalog" },
  { key: "agreements", name: "SharingAgreements", prefix: "Sharing" },
  { key: "grants", name: "Grants", prefix: "Grants" },
  { key: "consents", name: "ConsentRegistry", prefix: "Consent" },
  { key: "ledger", name: "AccessLedger", prefix: "AccessLedger" },
  { key: "calendar", name: "WorkingCalendar", prefix: "WorkingCalendar" },
  { key: "demands", name: "DemandRegistry", prefix: "Demand" },
  { key: "objections", name: "Objections", prefix: "Objection" },
];

interface ConsentKey {
  subjectRef: string;
  recipient: string;
  resourceId: string;
  purpose: string;
}

/** What the rows act on: real objects, so that the guard is what refuses and not "unknown id". */
interface World {
  resourceId: string;
  agreementId: bigint;
  grantId: bigint;
  consentKey: ConsentKey;
  /** A consent given by a subject's own signature (so that only that subject's key may withdraw it). */
  signedKey: ConsentKey;
  /** That subject's address. */
  subject: string;
  future: bigint;
  /** Civil affairs' demand, assigned by the council to hrss. */
  demandId: bigint;
  /** Civil affairs' objection on hrss's resource. */
  objectionId: bigint;
}
let world: World;

const onAgreement = () => [world.agreementId];
const onGrant = () => [world.grantId];
const onConsent = () => [world.consentKey];
const TERMS = [0, 0, 0, false, false, 1, ethers.ZeroHash];

/** Keyed by contract name, then by the function's signature (`approve(uint256)`). */
const TABLE: Record<string, Record<string, Row>> = {
  Consortium: {
    "addOperator(address,bool)": { needed: role("DEPARTMENT_ADMIN") },
    "removeOperator(address)": { needed: role("DEPARTMENT_ADMIN") },
    "propose(uint8,bytes)": { needed: role("COUNCIL_MEMBER") },
    "approve(uint256)": { args: () => [1n], needed: role("COUNCIL_MEMBER") },
    "registerNode(string)": {
      args: () => [`enode://${"ab".repeat(64)}@10.0.0.9:30303`],
      needed: role("DEPARTMENT_ADMIN"),
    },
    "setGatewayEndpoint(string)": {
      args: () => ["https://gateway.outsider.example"],
      needed: role("DEPARTMENT_ADMIN"),
    },
    "clearGatewayEndpoint()": { needed: role("DEPARTMENT_ADMIN") },
    "found((bytes32,uint8,uint32,bytes32,bool,string,string)[],address[],address[])": {
      note: "only the deployer, and only once",
      needed: role("FOUNDER"),
    },
  },
  DataCatalog: {
    "register(string,(uint8,uint8,uint8,bool,bool,uint16,bytes32),string)": {
      args: () => ["outsider-code", TERMS, "{}"],
    },
    "update(bytes32,(uint8,uint8,uint8,bool,bool,uint16,bytes32),string)": {
      args: () => [world.resourceId, TERMS, "{}"],
      needed: PROVIDER,
    },
    "retire(bytes32)": { args: () => [world.resourceId], needed: PROVIDER },
    "setAcceptedLegalBases(bytes32,uint8)": { args: () => [world.resourceId, 1], needed: PROVIDER },
    "setReturned(bytes32,bool)": { args: () => [world.resourceId, true], needed: PROVIDER },
  },
  SharingAgreements: {
    "request((bytes32,bytes32[],uint256,bytes32,uint8,uint64,uint64,(uint32,uint8),bytes32))": {
      args: () => [
        [world.resourceId, [], 1n, world.consentKey.purpose, 1, 0n, world.future, [10, 3], ethers.id("terms")],
      ],
    },
    "requestWithLegalReference((bytes32,bytes32[],uint256,bytes32,uint8,uint64,uint64,(uint32,uint8),bytes32),bytes32)":
      {
        args: () => [
          [world.resourceId, [], 1n, world.consentKey.purpose, 1, 0n, world.future, [10, 3], ethers.id("terms")],
          ethers.id("legal reference"),
        ],
      },
    "approve(uint256)": { args: onAgreement, needed: PROVIDER },
    "approveWithSeal(uint256,address,uint256,bytes)": {
      note: "a valid seal signed by the non-member",
      needed: PROVIDER,
      args: async (s, outsider) => [
        world.agreementId,
        outsider.address,
        world.future,
        await signSeal(s.agreements, outsider, world.agreementId, s.departments.hrss.id, world.future),
      ],
    },
    "reject(uint256,bytes32)": { args: () => [world.agreementId, ethers.id("no")], needed: PROVIDER },
    "seal(uint256)": { args: onAgreement },
    "sealWithSignature(uint256,bytes32,address,uint256,bytes)": {
      note: "a valid seal signed by the non-member",
      needed: PROVIDER,
      args: async (s, outsider) => [
        world.agreementId,
        s.departments.hrss.id,
        outsider.address,
        world.future,
        await signSeal(s.agreements, outsider, world.agreementId, s.departments.hrss.id, world.future),
      ],
    },
    "escalate(uint256)": { args: onAgreement },
    "councilDecide(uint256,bool,bytes32)": {
      args: () => [world.agreementId, true, ethers.ZeroHash],
      needed: role("COUNCIL"),
    },
    "suspend(uint256)": { args: onAgreement, needed: PROVIDER },
    "resume(uint256)": { args: onAgreement, needed: PROVIDER },
    "terminate(uint256,bytes32)": { args: () => [world.agreementId, ethers.id("reason")], needed: PROVIDER },
  },
  Grants: {
    "issue(uint256,address,uint256,uint64,uint32,uint8)": {
      args: (_s, outsider) => [world.agreementId, outsider.address, 1n, 0n, 1, 3],
    },
    "pause(uint256)": { args: onGrant, needed: CONSUMER },
    "resume(uint256)": { args: onGrant, needed: CONSUMER },
    "revoke(uint256)": { args: onGrant, needed: CONSUMER },
  },
  ConsentRegistry: {
    "record(((bytes32,bytes32,bytes32,bytes32),bool,uint64,uint64),bytes32)": {
      args: () => [[world.consentKey, false, 0n, world.future], ethers.id("evidence")],
    },
    "recordBatch((((bytes32,bytes32,bytes32,bytes32),bool,uint64,uint64),bytes32)[])": {
      args: () => [[[[world.consentKey, false, 0n, world.future], ethers.id("evidence")]]],
    },
    "recordWithSignature(((bytes32,bytes32,bytes32,bytes32),bool,uint64,uint64),address,uint256,bytes)": {
      note: "relaying a subject's valid signature",
      args: async (s) => {
        const subject = ethers.Wallet.createRandom();
        const terms = {
          key: { ...world.consentKey, subjectRef: ethers.id("another subject") },
          separate: false,
          validFrom: 0n,
          validUntil: world.future,
        };
        return [terms, subject.address, world.future, await signConsent(s.consents, subject, terms, world.future)];
      },
    },
    "withdraw((bytes32,bytes32,bytes32,bytes32),bytes32)": { args: () => [world.consentKey, ethers.id("form")] },
    "withdrawWithSignature((bytes32,bytes32,bytes32,bytes32),uint256,bytes)": {
      error: { name: "ConsentInvalidSignature", args: () => [world.subject] },
      note: "anyone may relay the subject's own signature; the non-member's signature is refused",
      args: async (s, outsider) => {
        const [, consentId] = await s.consents.activeConsent(
          world.signedKey.subjectRef,
          world.signedKey.recipient,
          world.signedKey.resourceId,
          world.signedKey.purpose,
        );
        return [world.signedKey, world.future, await signWithdrawal(s.consents, outsider, consentId, world.future)];
      },
    },
    "revoke((bytes32,bytes32,bytes32,bytes32))": {
      args: onConsent,
      note: "only the recording department, named by the low 96 bits of its id",
      needed: (s) => ethers.zeroPadValue(ethers.dataSlice(CONSUMER(s), 20), 32),
    },
    "revokeByCouncil((bytes32,bytes32,bytes32,bytes32))": { args: onConsent, needed: role("COUNCIL") },
    "rotateSubjectKey(bytes32,address,uint256,bytes)": {
      error: { name: "ConsentInvalidSignature", args: () => [world.subject] },
      note: "anyone may relay the subject's own rotation; a rotation signed by the non-member is refused",
      args: async (s, outsider) => [
        world.signedKey.subjectRef,
        outsider.address,
        world.future,
        await signKeyRotation(s.consents, outsider, world.signedKey.subjectRef, outsider.address, world.future),
      ],
    },
    "resetSubjectKey(bytes32,address)": { needed: role("COUNCIL") },
  },
  DemandRegistry: {
    "publish(string)": { args: () => ["{}"] },
    "answer(uint256,bytes32)": { args: () => [world.demandId, world.resourceId] },
    "assign(uint256,bytes32,uint16)": {
      args: (s) => [world.demandId, PROVIDER(s), 5],
      needed: role("COUNCIL"),
    },
    "fulfil(uint256,bytes32)": { args: () => [world.demandId, world.resourceId], needed: PROVIDER },
  },
  Objections: {
    "raise(bytes32,uint256,string,bytes32)": {
      args: () => [world.resourceId, 1n, "wrong dates", ethers.id("evidence")],
    },
    "correct(uint256,bytes32)": { args: () => [world.objectionId, ethers.id("note")], needed: PROVIDER },
    "dispute(uint256,bytes32)": { args: () => [world.objectionId, ethers.id("reason")], needed: PROVIDER },
    "escalate(uint256)": { args: () => [world.objectionId], needed: CONSUMER },
    "councilDecide(uint256,bool,bytes32)": {
      args: () => [world.objectionId, true, ethers.ZeroHash],
      needed: role("COUNCIL"),
    },
  },
  AccessLedger: {
    "anchor(uint64,bytes32,uint32,uint64,uint64,bytes32)": {
      args: () => [1n, ethers.id("root"), 1, 1n, 1n, ethers.ZeroHash],
    },
    "declareLoss(uint64,bytes32)": {
      args: () => [1n, ethers.id("incident report")],
      needed: role("DEPARTMENT_ADMIN"),
    },
  },
  WorkingCalendar: {
    "publishYear(uint16,uint256,uint256)": {
      args: () => [2026, 0n, 0n],
      note: "only the council (a Call proposal)",
      error: { name: "WorkingCalendarUnauthorized", args: () => [outsiderAddress] },
    },
  },
};

/** A zero-ish value of an ABI type: 0, false, the zero address or hash, empty bytes/strings/arrays, zeroed tuples. */
function zeroOf(param: ParamType): unknown {
  if (param.baseType === "tuple") return (param.components ?? []).map(zeroOf);
  if (param.baseType === "array") return [];
  if (param.type === "address") return ethers.ZeroAddress;
  if (param.type === "bool") return false;
  if (param.type === "string") return "";
  if (param.type === "bytes") return "0x";
  if (param.type.startsWith("bytes")) return ethers.zeroPadValue("0x", Number(param.type.slice(5)));
  return 0n;
}

/** hrss registers a personal resource; civil affairs obtains an agreement (approved), a grant and a consent. */
async function buildWorld(s: System): Promise<World> {
  const { resourceId, agreementId, grantId, purpose, now, future, civil } = await grantInsuranceToCivilAffairs(s);
  const consentKey = {
    subjectRef: ethers.id("a synthetic subject"),
    recipient: s.departments["gz-civil-affairs"].id,
    resourceId,
    purpose,
  };
  await s.consents
    .connect(civil)
    .record({ key: consentKey, separate: false, validFrom: now, validUntil: future }, ethers.id("record"));
  const citizen = ethers.Wallet.createRandom();
  const signedKey = { ...consentKey, subjectRef: ethers.id("a subject who signs") };
  const signedTerms = { key: signedKey, separate: false, validFrom: now, validUntil: future };
  await s.consents
    .connect(civil)
    .recordWithSignature(
      signedTerms,
      citizen.address,
      future,
      await signConsent(s.consents, citizen, signedTerms, future),
    );
  await s.demands.connect(civil).publish(JSON.stringify({ description: "household registration status" }));
  const demandId = await s.demands.demandCount();
  const assign = s.demands.interface.encodeFunctionData("assign", [demandId, s.departments.hrss.id, 10]);
  await s.consortium
    .connect(s.operators["data-bureau"])
    .propose(CALL, encodeCallPayload(await s.demands.getAddress(), assign));
  await s.objections.connect(civil).raise(resourceId, 1n, "wrong dates", ethers.id("evidence"));
  const objectionId = await s.objections.objectionCount();
  return {
    resourceId,
    agreementId,
    grantId,
    consentKey,
    signedKey,
    subject: citizen.address,
    future,
    demandId,
    objectionId,
  };
}

function stateChanging(contract: BaseContract): FunctionFragment[] {
  const out: FunctionFragment[] = [];
  contract.interface.forEachFunction((f) => {
    if (f.stateMutability !== "view" && f.stateMutability !== "pure") out.push(f);
  });
  return out;
}

describe("Hostile callers: every state-changing contract function refuses a non-member", function () {
  let system: System;
  let outsider: HardhatEthersSigner;

  before(async function () {
    system = await deploySystem();
    // An account that acts for no department (index 15: far from the deployer and the demo departments' keys).
    outsider = (await ethers.getSigners())[15];
    outsiderAddress = outsider.address;
    const { departmentId } = await system.consortium.operatorOf(outsider.address);
    expect(departmentId).to.equal(ethers.ZeroHash);
    world = await buildWorld(system);
  });

  it("has a row for every state-changing function of every contract's ABI, and no stale rows", function () {
    for (const { key, name } of CONTRACTS) {
      const abi = stateChanging(system[key]).map((f) => f.format("sighash"));
      const rows = Object.keys(TABLE[name] ?? {});
      expect(
        abi.filter((sig) => !rows.includes(sig)),
        `${name}: functions without a row`,
      ).to.deep.equal([]);
      expect(
        rows.filter((sig) => !abi.includes(sig)),
        `${name}: rows without a function`,
      ).to.deep.equal([]);
    }
  });

  for (const { key, name, prefix } of CONTRACTS) {
    for (const [signature, row] of Object.entries(TABLE[name])) {
      const expected = row.error?.name ?? `${prefix}UnauthorizedAccount`;
      it(`${name}.${signature} by a non-member reverts with ${expected}${row.note ? ` (${row.note})` : ""}`, async function () {
        const contract: BaseContract = system[key];
        const fragment = contract.interface.getFunction(signature);
        if (!fragment) throw new Error(`${name} has no ${signature}`);
        const args = row.args ? await row.args(system, outsider) : fragment.inputs.map(zeroOf);
        const call = contract.connect(outsider).getFunction(signature)(...args);
        if (expected === `${prefix}UnauthorizedAccount`) {
          const needed = (row.needed ?? role("MEMBER"))(system);
          await expect(call).to.be.revertedWithCustomError(contract, expected).withArgs(outsider.address, needed);
        } else {
          await expect(call)
            .to.be.revertedWithCustomError(contract, expected)
            .withArgs(...row.error!.args());
        }
      });
    }
  }
});
