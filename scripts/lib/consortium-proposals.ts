/**
 * Council proposals for the demo departments (`Consortium.propose(action, payload)`), with the core's encoding. Used
 * by `npm start` (admitting the demo departments on a live node) and the tests (on the in-process network).
 */
import { ZeroHash } from "ethers";
import { LEVEL, PROPOSAL_ACTION } from "../../core/codes/enumerations";
import { encodeAdmitPayload, encodeCallPayload } from "../../core/council/proposals";
import type { YearWords } from "../../core/calendar/working-days";
import { WorkingCalendar__factory } from "../../typechain-types";
import { DEMO_DEPARTMENTS, type DemoDepartment } from "./demo-departments";

/** `IConsortium.ProposalAction` values used here. */
export const ADMIT = PROPOSAL_ACTION.toIndex("admit");
export const CALL = PROPOSAL_ACTION.toIndex("call");

/** Encodes the payload of an `Admit` proposal for a demo department whose admin operator is `admin`. */
export function admitPayload(d: DemoDepartment, admin: string): string {
  const parent = d.parentKey ? DEMO_DEPARTMENTS.find((p) => p.key === d.parentKey)!.id : ZeroHash;
  return encodeAdmitPayload(
    {
      id: d.id,
      level: LEVEL.toIndex(d.level),
      regionCode: d.regionCode,
      parent,
      councilSeat: d.council,
      code: d.code,
      name: d.name,
    },
    admin,
  );
}

/** Encodes the payload of a `Call` proposal by which the council publishes `year`'s working days on the calendar. */
export function publishYearPayload(calendar: string, year: number, words: YearWords): string {
  const callData = WorkingCalendar__factory.createInterface().encodeFunctionData("publishYear", [
    year,
    words.firstWord,
    words.secondWord,
  ]);
  return encodeCallPayload(calendar, callData);
}
