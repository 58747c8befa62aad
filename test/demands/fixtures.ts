import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { weekdaysOnlyYearWords } from "../../core/calendar/working-days";
import type {
  ConsortiumMock,
  DataCatalogMock,
  DemandRegistry,
  Objections,
  WorkingCalendar,
} from "../../typechain-types";
import { RESOURCE_STATUS } from "../../core/codes/enumerations";
import { CONSUMER, OTHER, PROVIDER, ROLE_COUNCIL, ROLE_MEMBER, SUSPENDED } from "../sharing/fixtures";

export { CONSUMER, OTHER, PROVIDER, ROLE_COUNCIL, ROLE_MEMBER, SUSPENDED };

const DAY = 86400n;
const CST = 8n * 3600n;
/** 1970-01-01 was a Thursday: day `d` (CST) is a Monday when `(d + 3) % 7 == 0`. */
function nextMonday10amCst(after: bigint): bigint {
  let day = (after + CST) / DAY + 1n;
  while ((day + 3n) % 7n !== 0n) day++;
  return day * DAY - CST + 10n * 3600n;
}

/**
 * The clock a fixture starts on: a Monday at 10:00 China Standard Time (the first one after the chain's clock, so
 * that every run counts from the same weekday), and the ends (23:59:59 CST) of the due dates tests count to.
 */
export interface Clock {
  monday10am: bigint;
  /** End of that week's Friday: four working days after the Monday. */
  fridayEnd: bigint;
  /** End of the Monday two weeks later: ten working days after the Monday (two weekends skipped). */
  tenWorkingDaysEnd: bigint;
}

function clockFrom(monday10am: bigint): Clock {
  const mondayEnd = monday10am + 14n * 3600n - 1n;
  return { monday10am, fridayEnd: mondayEnd + 4n * DAY, tenWorkingDaysEnd: mondayEnd + 14n * DAY };
}

export const RES_PROVIDER = ethers.id("resource:household-registration"); // PROVIDER's, 8 items, version 1
export const RES_OTHER = ethers.id("resource:medical-insurance"); // OTHER's, 4 items
export const RES_RETIRED = ethers.id("resource:old-register"); // PROVIDER's, retired
export const RES_UNKNOWN = ethers.id("resource:unknown");

export const EVIDENCE = ethers.id("evidence: 12 records with a birth date after the registration date");
export const NOTE = ethers.id("note: dates re-keyed from the paper register");
export const REASON = ethers.id("reason: the dates are those of the paper register");

/** A demand's canonical JSON, as the gateway writes it. */
export const DEMAND_DETAILS = JSON.stringify({
  description: "Household registration status of subsidy applicants",
  dataItems: [{ name: "registrationStatus", type: "string" }],
  purpose: "subsidy-eligibility",
  legalBasis: "statutory_duty",
  whyNotExisting: "The catalog has no resource with the registration status.",
});

function resourceOf(provider: string, itemCount: number, status = RESOURCE_STATUS.toIndex("active"), version = 1) {
  return {
    provider,
    shareType: 1,
    openType: 1,
    securityLevel: 0,
    status,
    personal: false,
    sensitive: false,
    itemCount,
    version,
    acceptedBases: 0x0f,
    metadataHash: ethers.id(`metadata:${provider}:${version}`),
    legalBasis: ethers.ZeroHash,
  };
}

/**
 * Consortium and catalog mocks, a WorkingCalendar with weekdays-only years published by the mock council, a
 * DemandRegistry and an Objections contract, the
 * chain's clock on a Monday at 10:00 CST (`clock`). PROVIDER holds the council seat; SUSPENDED is a suspended member.
 */
export async function deployQuality() {
  const [deployer, providerOp, consumerOp, otherOp, suspendedOp, stranger] = await ethers.getSigners();
  const consortium: ConsortiumMock = await ethers.deployContract("ConsortiumMock");
  const catalog: DataCatalogMock = await ethers.deployContract("DataCatalogMock");
  const calendar: WorkingCalendar = await ethers.deployContract("WorkingCalendar", [await consortium.getAddress()]);
  const args = [await consortium.getAddress(), await catalog.getAddress(), await calendar.getAddress()];
  const demands: DemandRegistry = await ethers.deployContract("DemandRegistry", args);
  const objections: Objections = await ethers.deployContract("Objections", args);

  for (const [dept, op] of [
    [PROVIDER, providerOp],
    [CONSUMER, consumerOp],
    [OTHER, otherOp],
    [SUSPENDED, suspendedOp],
  ] as const) {
    await consortium.setDepartment(dept, dept !== SUSPENDED, dept === PROVIDER);
    await consortium.setOperator(op.address, dept);
  }
  await catalog.setResource(RES_PROVIDER, resourceOf(PROVIDER, 8));
  await catalog.setResource(RES_OTHER, resourceOf(OTHER, 4));
  await catalog.setResource(RES_RETIRED, resourceOf(PROVIDER, 4, RESOURCE_STATUS.toIndex("retired")));

  /** Publishes a new catalog version of RES_PROVIDER, as the provider's `update` would. */
  const bumpVersion = (version: number) =>
    catalog.setResource(RES_PROVIDER, resourceOf(PROVIDER, 8, undefined, version));

  const clock = clockFrom(nextMonday10amCst(BigInt(await time.latest())));
  const year = new Date(Number(clock.monday10am) * 1000).getUTCFullYear();
  for (const y of [year, year + 1]) {
    // Weekdays only: the due dates counted here do not depend on the holidays near the day a run starts (the
    // calendar's own suite tests the official schedule's holidays and make-up days).
    const { firstWord, secondWord } = weekdaysOnlyYearWords(y);
    await consortium.councilCall(
      await calendar.getAddress(),
      calendar.interface.encodeFunctionData("publishYear", [y, firstWord, secondWord]),
    );
  }
  await time.increaseTo(clock.monday10am);
  return {
    deployer,
    providerOp,
    consumerOp,
    otherOp,
    suspendedOp,
    stranger,
    consortium,
    catalog,
    calendar,
    demands,
    objections,
    bumpVersion,
    clock,
  };
}
