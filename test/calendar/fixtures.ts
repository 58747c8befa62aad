import { ethers } from "hardhat";
import type { Consortium, ConsortiumMock, WorkingCalendar } from "../../typechain-types";
import { officialYearWords } from "../../core/calendar/official-calendar";
import { BUREAU, CITY } from "../consortium/fixtures";

/** Unix seconds of a China Standard Time wall-clock time, e.g. `cst("2026-09-25T10:00")`. */
export function cst(localTime: string): number {
  const ms = Date.parse(`${localTime}+08:00`);
  if (Number.isNaN(ms)) throw new Error(`not a CST time: ${localTime}`);
  return ms / 1000;
}

/** The last second (23:59:59 CST) of a CST date. */
export function endOfCst(date: string): number {
  return cst(`${date}T23:59:59`);
}

/** A WorkingCalendar whose consortium is the mock: `consortium.councilCall` publishes as the council would. */
export async function calendarWithMockFixture() {
  const [deployer, operator, outsider] = await ethers.getSigners();
  const consortium: ConsortiumMock = await ethers.deployContract("ConsortiumMock");
  const calendar: WorkingCalendar = await ethers.deployContract("WorkingCalendar", [await consortium.getAddress()]);
  await consortium.setDepartment(BUREAU.id, true, true);
  await consortium.setOperator(operator.address, BUREAU.id);
  return { consortium, calendar, deployer, operator, outsider };
}

/** Publishes the official schedule of `years` (from chinese-days) through the mock council. */
export async function publishOfficial(consortium: ConsortiumMock, calendar: WorkingCalendar, years: readonly number[]) {
  for (const year of years) {
    const { firstWord, secondWord } = officialYearWords(year);
    await consortium.councilCall(
      await calendar.getAddress(),
      calendar.interface.encodeFunctionData("publishYear", [year, firstWord, secondWord]),
    );
  }
}

/** The real Consortium with the calendar registered as a module: BUREAU holds the only council seat, so its
 * proposals execute at once. */
export async function calendarWithConsortiumFixture() {
  const [deployer, bureauAdmin, cityAdmin] = await ethers.getSigners();
  const consortium = (await ethers.deployContract("Consortium")) as unknown as Consortium;
  const calendar: WorkingCalendar = await ethers.deployContract("WorkingCalendar", [await consortium.getAddress()]);
  await consortium.found([BUREAU, CITY], [bureauAdmin.address, cityAdmin.address], [await calendar.getAddress()]);
  return { consortium, calendar, deployer, bureauAdmin, cityAdmin };
}
