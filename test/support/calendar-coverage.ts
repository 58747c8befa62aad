/**
 * Makes sure the council's calendar covers the chain's clock for the next `days` days, whatever other suites did to
 * the clock: a year chinese-days carries is published by the system already; any later year is published here, by
 * the data bureau's council proposal, with weekdays as working days (tests only: the official schedule of a year the
 * package does not carry is unknown).
 */
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { encodeCallPayload } from "../../core/council/proposals";
import { CALL, type System } from "./system";

function weekdaysOnlyWords(year: number): [bigint, bigint] {
  const words: [bigint, bigint] = [0n, 0n];
  const days = (Date.UTC(year + 1, 0, 1) - Date.UTC(year, 0, 1)) / 86_400_000;
  for (let d = 0; d < days; d++) {
    const weekday = new Date(Date.UTC(year, 0, 1 + d)).getUTCDay();
    if (weekday >= 1 && weekday <= 5) words[d >> 8] |= 1n << BigInt(d & 0xff);
  }
  return words;
}

export async function ensureCalendarCovers(system: System, days: number): Promise<void> {
  const { calendar, consortium, operators, deployment } = system;
  const now = await time.latest();
  const first = new Date(now * 1000).getUTCFullYear();
  const last = new Date((now + days * 86_400 + 8 * 3600) * 1000).getUTCFullYear();
  for (let year = first; year <= last; year++) {
    if (await calendar.isPublished(year)) continue;
    const [firstWord, secondWord] = weekdaysOnlyWords(year);
    const call = calendar.interface.encodeFunctionData("publishYear", [year, firstWord, secondWord]);
    await consortium
      .connect(operators["data-bureau"])
      .propose(CALL, encodeCallPayload(deployment.contracts.WorkingCalendar, call));
  }
}
