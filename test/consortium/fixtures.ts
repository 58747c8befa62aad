import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Consortium, ConsortiumModuleMock } from "../../typechain-types";
import {
  encodeAdmitPayload,
  encodeCallPayload,
  encodeDepartmentPayload,
  encodeQuorumPayload,
  encodeWorkingDaysPayload,
} from "../../core/council/proposals";

/** A DepartmentProfile as the tests build it (assignable to the typechain DepartmentProfileStruct). */
export interface Profile {
  id: string;
  level: number;
  regionCode: number;
  parent: string;
  councilSeat: boolean;
  code: string;
  name: string;
}

/** Mirrors IConsortium.Level. */
export const Level = { Central: 0, Province: 1, City: 2, County: 3, Township: 4 } as const;
/** Mirrors IConsortium.DepartmentStatus. */
export const Status = { None: 0, Active: 1, Suspended: 2 } as const;
/** Mirrors IConsortium.ProposalAction. */
export const Action = {
  Admit: 0,
  Suspend: 1,
  Reinstate: 2,
  GrantSeat: 3,
  RevokeSeat: 4,
  SetQuorum: 5,
  SetReplyDeadline: 6,
  Call: 7,
  ClearNode: 8,
  ClearEndpoint: 9,
  SetObjectionAnswerDeadline: 10,
} as const;

/** What an unauthorized caller needed (contracts/libraries/Roles.sol). */
export const Roles = {
  MEMBER: ethers.id("kuajie.role.member"),
  DEPARTMENT_ADMIN: ethers.id("kuajie.role.department-admin"),
  COUNCIL_MEMBER: ethers.id("kuajie.role.council-member"),
  COUNCIL: ethers.id("kuajie.role.council"),
  FOUNDER: ethers.id("kuajie.role.founder"),
} as const;

export const DAY = 24n * 60n * 60n;
export const PROPOSAL_LIFETIME = 7n * DAY;
/** In working days, as the 2016 sharing rules set it. */
export const DEFAULT_REPLY_DEADLINE = 10n;
/** In working days, as the reply deadline. */
export const DEFAULT_OBJECTION_ANSWER_DEADLINE = 10n;

/** An 18-character unified social credit code made from a short tag, e.g. code("DB") = "11440000DB00000000". */
export function code(tag: string): string {
  const c = `11440000${tag}`.padEnd(18, "0");
  if (c.length !== 18) throw new Error(`tag too long: ${tag}`);
  return c;
}

export function profile(tag: string, overrides: Partial<Profile> = {}): Profile {
  const c = code(tag);
  return {
    id: ethers.id(c),
    level: Level.Province,
    regionCode: 440000,
    parent: ethers.ZeroHash,
    councilSeat: false,
    code: c,
    name: `Department ${tag}`,
    ...overrides,
  };
}

export const payload = {
  admit: (p: Profile, admin: string) => encodeAdmitPayload(p, admin),
  department: (id: string) => encodeDepartmentPayload(id),
  quorum: (bps: bigint | number) => encodeQuorumPayload(bps),
  replyDeadline: (workingDays: bigint | number) => encodeWorkingDaysPayload(workingDays),
  objectionAnswerDeadline: (workingDays: bigint | number) => encodeWorkingDaysPayload(workingDays),
  call: (module: string, data: string) => encodeCallPayload(module, data),
};

// ---------------------------------------------------------------- the demo consortium

/** The founders of the standard fixture: three council seats and one city department under the bureau. */
export const BUREAU = profile("BUREAU", { councilSeat: true, name: "Guangdong Provincial Data Bureau" });
export const POLICE = profile("POLICE", { councilSeat: true, name: "Provincial Public Security Department" });
export const HEALTH = profile("HEALTH", { councilSeat: true, name: "Provincial Health Commission" });
export const CITY = profile("CITY", {
  level: Level.City,
  regionCode: 440100,
  parent: BUREAU.id,
  name: "Guangzhou Civil Affairs Bureau",
});
/** Not a founder: admitted by proposals in tests. */
export const SOCIAL = profile("SOCIAL", { name: "Provincial Human Resources and Social Security Department" });

async function deployConsortium() {
  const signers = await ethers.getSigners();
  const [deployer] = signers;
  const consortium = (await ethers.deployContract("Consortium", deployer)) as unknown as Consortium;
  const module = (await ethers.deployContract("ConsortiumModuleMock", [
    await consortium.getAddress(),
  ])) as unknown as ConsortiumModuleMock;
  return { consortium, module, deployer, signers };
}

/** Deployed, not founded. */
export async function unfoundedFixture() {
  return deployConsortium();
}

/**
 * Founded with BUREAU, POLICE, HEALTH (council seats) and CITY (no seat, parent BUREAU). Each has an admin and a
 * plain operator; the module mock is registered.
 */
export async function foundedFixture() {
  const { consortium, module, deployer, signers } = await deployConsortium();
  const [, bureauAdmin, policeAdmin, healthAdmin, cityAdmin, bureauOp, policeOp, healthOp, cityOp, outsider, spare] =
    signers;
  await consortium.found(
    [BUREAU, POLICE, HEALTH, CITY],
    [bureauAdmin, policeAdmin, healthAdmin, cityAdmin].map((s) => s.address),
    [await module.getAddress()],
  );
  await consortium.connect(bureauAdmin).addOperator(bureauOp, false);
  await consortium.connect(policeAdmin).addOperator(policeOp, false);
  await consortium.connect(healthAdmin).addOperator(healthOp, false);
  await consortium.connect(cityAdmin).addOperator(cityOp, false);
  return {
    consortium,
    module,
    deployer,
    bureauAdmin,
    policeAdmin,
    healthAdmin,
    cityAdmin,
    bureauOp,
    policeOp,
    healthOp,
    cityOp,
    outsider,
    spare,
  };
}

export type FoundedFixture = Awaited<ReturnType<typeof foundedFixture>>;

/** In the standard fixture (3 seats, 2 needed): BUREAU proposes, POLICE approves, so it executes; returns its id. */
export async function councilDecides(f: FoundedFixture, action: number, data: string): Promise<bigint> {
  await f.consortium.connect(f.bureauAdmin).propose(action, data);
  const id = await f.consortium.proposalCount();
  await f.consortium.connect(f.policeOp).approve(id);
  return id;
}

/** Founded with BUREAU alone on the council (one seat) and CITY. */
export async function singleSeatFixture() {
  const { consortium, module, deployer, signers } = await deployConsortium();
  const [, bureauAdmin, cityAdmin, outsider, spare] = signers;
  await consortium.found([BUREAU, CITY], [bureauAdmin.address, cityAdmin.address], [await module.getAddress()]);
  return { consortium, module, deployer, bureauAdmin, cityAdmin, outsider, spare };
}

/** A council of `seats` departments, each with two operators (its admin and a plain operator). */
export function councilFixture(seats: number) {
  return async function council() {
    const { consortium, module, signers } = await deployConsortium();
    const depts = Array.from({ length: seats }, (_, i) => profile(`SEAT${i}`, { councilSeat: true }));
    const admins = signers.slice(1, 1 + seats);
    const ops = signers.slice(1 + seats, 1 + 2 * seats);
    await consortium.found(
      depts,
      admins.map((s) => s.address),
      [await module.getAddress()],
    );
    for (let i = 0; i < seats; i++) await consortium.connect(admins[i]).addOperator(ops[i], false);
    const operators: HardhatEthersSigner[][] = depts.map((_, i) => [admins[i], ops[i]]);
    return { consortium, module, depts, operators };
  };
}
