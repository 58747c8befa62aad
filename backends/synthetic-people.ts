/**
 * Synthetic residents for the demo provider backends. Deterministic for a seed, so that the demo, the
 * backends and the tests agree on the same people without sharing any file.
 *
 * Identity numbers follow GB 11643-1999 (region, birth date, sequence, ISO 7064 MOD 11-2 check digit) so
 * that validators accept them, but every sequence code is 9xx: the numbers are synthetic by construction
 * and must never be mistaken for (or collide on purpose with) real ones.
 */

type Gender = "male" | "female";

export interface SyntheticPerson {
  /** 18-character resident identity number with a valid check digit. */
  idNumber: string;
  name: string;
  gender: Gender;
  /** ISO date, YYYY-MM-DD. */
  birthDate: string;
  /** District and street, e.g. "广州市越秀区北京街道12号". */
  address: string;
  /** The region code (GB/T 2260) the identity number starts with. */
  regionCode: string;
  district: string;
  phone: string;
}

export interface PeopleOptions {
  seed: number;
  count: number;
}

export const DEFAULT_SEED = 20_250_601;
export const DEFAULT_PEOPLE = 100;

/** A 32-bit seeded PRNG (mulberry32): tiny, fast, and identical on every platform. */
export type Random = () => number;

export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

export function randomInt(random: Random, min: number, maxInclusive: number): number {
  return min + Math.floor(random() * (maxInclusive - min + 1));
}

interface Region {
  code: string;
  district: string;
  streets: readonly string[];
}

/** Guangzhou and Shenzhen districts with a few of their sub-district offices (街道). */
export const GUANGDONG_REGIONS: readonly Region[] = [
  { code: "440103", district: "广州市荔湾区", streets: ["沙面街道", "华林街道", "多宝街道"] },
  { code: "440104", district: "广州市越秀区", streets: ["北京街道", "农林街道", "东山街道"] },
  { code: "440105", district: "广州市海珠区", streets: ["赤岗街道", "新港街道", "江海街道"] },
  { code: "440106", district: "广州市天河区", streets: ["石牌街道", "林和街道", "天河南街道"] },
  { code: "440111", district: "广州市白云区", streets: ["三元里街道", "同和街道", "京溪街道"] },
  { code: "440112", district: "广州市黄埔区", streets: ["黄埔街道", "鱼珠街道", "萝岗街道"] },
  { code: "440113", district: "广州市番禺区", streets: ["市桥街道", "大石街道", "洛浦街道"] },
  { code: "440114", district: "广州市花都区", streets: ["新华街道", "新雅街道", "秀全街道"] },
  { code: "440303", district: "深圳市罗湖区", streets: ["桂园街道", "东门街道", "翠竹街道"] },
  { code: "440304", district: "深圳市福田区", streets: ["园岭街道", "南园街道", "福田街道"] },
  { code: "440305", district: "深圳市南山区", streets: ["南头街道", "粤海街道", "蛇口街道"] },
];

const SURNAMES = [
  "王",
  "李",
  "张",
  "刘",
  "陈",
  "杨",
  "黄",
  "赵",
  "吴",
  "周",
  "徐",
  "林",
  "何",
  "郭",
  "罗",
  "梁",
  "邓",
  "冯",
];
const GIVEN_NAMES: Record<Gender, readonly string[]> = {
  male: ["伟", "强", "磊", "军", "洋", "勇", "俊杰", "浩然", "子轩", "志明", "建国", "家豪", "嘉伟", "文斌"],
  female: ["芳", "娜", "敏", "静", "丽", "艳", "秀英", "婷婷", "欣怡", "雅琪", "晓燕", "慧敏", "诗涵", "美玲"],
};

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const ID_CHECK_CHARACTERS = "10X98765432";

/** The ISO 7064 MOD 11-2 check character for the first 17 digits of a resident identity number. */
export function identityCheckCharacter(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new Error("identity number body must be 17 digits");
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK_CHARACTERS[sum % 11]!;
}

/** Identity numbers are compared upper-cased and trimmed: the check character may be typed as "x". */
export function normaliseIdNumber(idNumber: string): string {
  return idNumber.trim().toUpperCase();
}

// Births from 1945-01-01 to 2015-12-31 (UTC days), so that some people are minors (no social insurance).
const FIRST_BIRTH_DAY = Date.UTC(1945, 0, 1) / 86_400_000;
const LAST_BIRTH_DAY = Date.UTC(2015, 11, 31) / 86_400_000;

export function isoDateFromDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** Generates `count` distinct synthetic people; the same options always give the same people. */
export function generatePeople({ seed, count }: PeopleOptions): SyntheticPerson[] {
  if (!Number.isInteger(count) || count < 0 || count > 50_000) throw new RangeError("count must be 0..50000");
  const random = mulberry32(seed);
  const people: SyntheticPerson[] = [];
  const seenIds = new Set<string>();
  const seenPhones = new Set<string>();
  while (people.length < count) {
    const region = pick(random, GUANGDONG_REGIONS);
    const gender: Gender = random() < 0.5 ? "male" : "female";
    const birthDate = isoDateFromDay(randomInt(random, FIRST_BIRTH_DAY, LAST_BIRTH_DAY));
    // Sequence 9xx, last digit odd for men and even for women as GB 11643 requires.
    const sequence = 900 + randomInt(random, 0, 49) * 2 + (gender === "male" ? 1 : 0);
    const body = `${region.code}${birthDate.replaceAll("-", "")}${sequence}`;
    const idNumber = body + identityCheckCharacter(body);
    const phone = `199${String(randomInt(random, 0, 99_999_999)).padStart(8, "0")}`;
    const name = pick(random, SURNAMES) + pick(random, GIVEN_NAMES[gender]);
    const address = `${region.district}${pick(random, region.streets)}${randomInt(random, 1, 199)}号`;
    if (seenIds.has(idNumber) || seenPhones.has(phone)) continue;
    seenIds.add(idNumber);
    seenPhones.add(phone);
    people.push({
      idNumber,
      name,
      gender,
      birthDate,
      address,
      regionCode: region.code,
      district: region.district,
      phone,
    });
  }
  return people;
}
