/**
 * The PRC citizen identity number (公民身份号码, GB 11643-1999): 6-digit address code, 8-digit birth date
 * (YYYYMMDD), 3-digit sequence, and a check character by ISO 7064 MOD 11-2 (`X` for 10).
 * Foreigners' 18-character permanent residence ids (starting with 9) follow the same layout and check.
 */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARACTERS = "10X98765432";

/** ISO 7064 MOD 11-2 check character of the first 17 digits of a resident identity number. */
export function residentIdCheckChar(first17: string): string {
  if (!/^[0-9]{17}$/.test(first17)) throw new Error("residentIdCheckChar expects 17 digits");
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK_CHARACTERS[sum % 11];
}

/** Why an 18-character number in the resident-id layout is not valid, or null when it is. */
export type ResidentIdProblem = "format" | "birth_date" | "check_character";

export function residentIdProblem(value: string): ResidentIdProblem | null {
  if (!/^[0-9]{17}[0-9X]$/.test(value)) return "format";
  if (!isCalendarDate(value.slice(6, 14))) return "birth_date";
  if (residentIdCheckChar(value.slice(0, 17)) !== value[17]) return "check_character";
  return null;
}

function isCalendarDate(yyyymmdd: string): boolean {
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  if (year < 1900 || month < 1 || month > 12 || day < 1) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
