/**
 * The demo departments' resources for the "one card for everything" (一卡通用) story, generated for the same
 * synthetic people. The resource definitions are what the demo registers in the catalog, so that the catalog
 * and the backends describe exactly the same fields.
 */
import {
  DEFAULT_PEOPLE,
  DEFAULT_SEED,
  type PeopleOptions,
  type Random,
  type SyntheticPerson,
  generatePeople,
  isoDateFromDay,
  mulberry32,
  pick,
  randomInt,
} from "./synthetic-people";

export type FieldType = "string" | "number" | "boolean" | "date";

interface FieldDefinition {
  name: string;
  type: FieldType;
  /** True when the field on its own identifies or locates a person (identity number, name, birth date, address). */
  personal: boolean;
}

/**
 * A department that provides data in the demo. The data bureau provides the data the province collected from the
 * cities and returns to them (回流); the city civil affairs department only consumes.
 */
export type ProviderDepartmentKey = "public-security" | "hrss" | "health" | "data-bureau";
export const PROVIDER_DEPARTMENTS: readonly ProviderDepartmentKey[] = [
  "public-security",
  "hrss",
  "health",
  "data-bureau",
];

/**
 * A resource as the catalog describes it. Field names and types match `POST /v1/catalog/resources`; the
 * sharing attributes are the demo's suggestion and can be spread into the request body as they are.
 */
export interface ResourceDefinition {
  code: string;
  provider: ProviderDepartmentKey;
  name: string;
  summary: string;
  shareType: "unconditional" | "conditional" | "not_shareable";
  securityLevel: "general" | "important" | "core";
  /** Records are about identified people: a query needs a subject. */
  personal: boolean;
  sensitive: boolean;
  updateCycle: string;
  /**
   * The provider marks it returned (回流) to the departments below it in its region (`DataCatalog.setReturned`): their
   * agreements on it are active at once, still bound to purpose, grants, consent and receipts.
   */
  returned: boolean;
  fields: readonly FieldDefinition[];
}

type FieldValue = string | number | boolean;
export type DataRecord = Readonly<Record<string, FieldValue>>;

export interface Dataset {
  resource: ResourceDefinition;
  records: readonly DataRecord[];
}

export type DepartmentDatasets = Readonly<Record<ProviderDepartmentKey, readonly Dataset[]>>;

const field = (name: string, type: FieldType, personal = false): FieldDefinition => ({ name, type, personal });

export const HOUSEHOLD_REGISTRATION: ResourceDefinition = {
  code: "household-registration",
  provider: "public-security",
  name: "户籍登记信息",
  summary: "Household registration of residents: identity, birth, registered address, household type and ethnicity.",
  shareType: "conditional",
  securityLevel: "important",
  personal: true,
  sensitive: false,
  updateCycle: "real_time",
  returned: false,
  fields: [
    field("idNumber", "string", true),
    field("name", "string", true),
    field("gender", "string"),
    field("birthDate", "date", true),
    field("address", "string", true),
    field("householdType", "string"),
    field("ethnicity", "string"),
  ],
};

export const SOCIAL_INSURANCE_STATUS: ResourceDefinition = {
  code: "social-insurance-status",
  provider: "hrss",
  name: "社会保险参保状态",
  summary: "Basic pension insurance enrolment of a person: scheme, status, start date, contribution base and employer.",
  shareType: "conditional",
  securityLevel: "important",
  personal: true,
  sensitive: false,
  updateCycle: "daily",
  returned: false,
  fields: [
    field("idNumber", "string", true),
    field("name", "string", true),
    field("insuranceType", "string"),
    field("status", "string"),
    field("startDate", "date"),
    field("monthlyBase", "number"),
    field("employer", "string"),
  ],
};

export const HEALTH_CARD: ResourceDefinition = {
  code: "health-card",
  provider: "health",
  name: "居民健康卡",
  summary: "Resident health card: blood type, known allergies, vaccinations received and the last check-up date.",
  shareType: "conditional",
  securityLevel: "important",
  personal: true,
  // Medical and health information is sensitive personal information (PIPL Art. 28): separate consent.
  sensitive: true,
  updateCycle: "daily",
  returned: false,
  fields: [
    field("idNumber", "string", true),
    field("name", "string", true),
    field("bloodType", "string"),
    field("allergies", "string"),
    field("vaccinations", "string"),
    field("lastCheckup", "date"),
  ],
};

/** Not about people: the open, unconditional side of the story (a list, queried without a subject). */
export const MEDICAL_INSTITUTIONS: ResourceDefinition = {
  code: "medical-institutions",
  provider: "health",
  name: "医疗机构名录",
  summary: "Public medical institutions: name, district, grade, address, bed count and weekend opening.",
  shareType: "unconditional",
  securityLevel: "general",
  personal: false,
  sensitive: false,
  updateCycle: "monthly",
  returned: false,
  fields: [
    field("institutionCode", "string"),
    field("name", "string"),
    field("district", "string"),
    field("grade", "string"),
    field("address", "string"),
    field("beds", "number"),
    field("openOnWeekends", "boolean"),
  ],
};

/**
 * The province's population base (人口基础信息库): what the cities' civil affairs and public security bureaus reported
 * up, consolidated by the data bureau and returned to the cities (回流) for their own services.
 */
const POPULATION_BASE: ResourceDefinition = {
  code: "population-base",
  provider: "data-bureau",
  name: "人口基础信息",
  summary:
    "Provincial population base, consolidated from the cities' reports and returned to them: identity, residence " +
    "district, household size, marital status and the reporting city.",
  shareType: "conditional",
  securityLevel: "important",
  personal: true,
  sensitive: false,
  updateCycle: "monthly",
  returned: true,
  fields: [
    field("idNumber", "string", true),
    field("name", "string", true),
    field("residenceDistrict", "string"),
    field("householdSize", "number"),
    field("maritalStatus", "string"),
    field("reportedBy", "string"),
  ],
};

export const DEMO_RESOURCES: readonly ResourceDefinition[] = [
  HOUSEHOLD_REGISTRATION,
  SOCIAL_INSURANCE_STATUS,
  HEALTH_CARD,
  MEDICAL_INSTITUTIONS,
  POPULATION_BASE,
];

// Fixed reference date: ages, statuses and check-ups must not change with the day the demo runs.
const REFERENCE_YEAR = 2025;

function ageInReferenceYear(person: SyntheticPerson): number {
  return REFERENCE_YEAR - Number(person.birthDate.slice(0, 4));
}

function dateBetween(random: Random, from: string, to: string): string {
  const first = Date.parse(`${from}T00:00:00Z`) / 86_400_000;
  const last = Date.parse(`${to}T00:00:00Z`) / 86_400_000;
  return isoDateFromDay(randomInt(random, first, last));
}

function laterOf(a: string, b: string): string {
  return a > b ? a : b;
}

const ETHNICITIES = ["汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "壮族", "瑶族", "畲族", "回族", "满族"];

function householdRegistration(person: SyntheticPerson, random: Random): DataRecord {
  return {
    idNumber: person.idNumber,
    name: person.name,
    gender: person.gender,
    birthDate: person.birthDate,
    address: person.address,
    householdType: random() < 0.7 ? "urban" : "rural",
    ethnicity: pick(random, ETHNICITIES),
  };
}

const EMPLOYERS = [
  "广州示例珠江物流有限公司",
  "广州示例天河软件有限公司",
  "深圳示例南山电子有限公司",
  "广州示例越秀商贸有限公司",
  "广东示例建设工程有限公司",
  "广州示例第一中学",
];

/** People under 16 have no record: the backend answers 404 for them. */
function socialInsuranceStatus(person: SyntheticPerson, random: Random): DataRecord | undefined {
  const age = ageInReferenceYear(person);
  if (age < 16) return undefined;
  const employed = random() < 0.75;
  const workStartYear = Math.max(Number(person.birthDate.slice(0, 4)) + 18, 1992);
  const startDate = laterOf(
    dateBetween(random, `${workStartYear}-01-01`, `${workStartYear + 5}-12-31`),
    person.birthDate,
  );
  const retired = age >= 60;
  const status = retired ? "receiving_pension" : random() < 0.9 ? "contributing" : "suspended";
  return {
    idNumber: person.idNumber,
    name: person.name,
    insuranceType: employed ? "employee_basic_pension" : "resident_basic_pension",
    status,
    startDate: startDate > `${REFERENCE_YEAR}-06-30` ? `${REFERENCE_YEAR}-06-30` : startDate,
    monthlyBase: employed ? randomInt(random, 5_284, 28_000) : 0,
    employer: employed ? pick(random, EMPLOYERS) : "",
  };
}

const BLOOD_TYPES = ["A+", "B+", "O+", "AB+", "A-", "O-"];
const ALLERGENS = ["penicillin", "seafood", "pollen", "peanuts", "dust mites"];
const VACCINES = ["HepB", "BCG", "polio", "DTaP", "MMR", "JE", "influenza", "COVID-19"];

function healthCard(person: SyntheticPerson, random: Random): DataRecord {
  const allergies = ALLERGENS.filter(() => random() < 0.12);
  const vaccinations = VACCINES.filter(() => random() < 0.7);
  return {
    idNumber: person.idNumber,
    name: person.name,
    bloodType: pick(random, BLOOD_TYPES),
    allergies: allergies.length === 0 ? "none" : allergies.join(";"),
    vaccinations: vaccinations.join(";"),
    lastCheckup: laterOf(dateBetween(random, "2022-01-01", "2025-06-30"), person.birthDate),
  };
}

const MARITAL_STATUSES = ["unmarried", "married", "married", "married", "divorced", "widowed"];

/** Everyone is in the population base: a person under 16 is "unmarried", counted in a household of at least one. */
function populationBase(person: SyntheticPerson, random: Random): DataRecord {
  const adult = ageInReferenceYear(person) >= 16;
  return {
    idNumber: person.idNumber,
    name: person.name,
    residenceDistrict: person.district,
    householdSize: randomInt(random, 1, 6),
    maritalStatus: adult ? pick(random, MARITAL_STATUSES) : "unmarried",
    reportedBy: `${person.address.slice(0, 3)}民政局`,
  };
}

const INSTITUTIONS: readonly DataRecord[] = [
  ["示例越秀人民医院", "广州市越秀区", "tertiary_a", "广州市越秀区北京街道8号", 1_200, true],
  ["示例天河社区卫生服务中心", "广州市天河区", "primary", "广州市天河区石牌街道66号", 60, true],
  ["示例海珠妇幼保健院", "广州市海珠区", "secondary_a", "广州市海珠区新港街道21号", 350, false],
  ["示例白云中医医院", "广州市白云区", "secondary_a", "广州市白云区京溪街道15号", 420, false],
  ["示例番禺中心医院", "广州市番禺区", "tertiary_a", "广州市番禺区市桥街道3号", 1_500, true],
  ["示例南山社区卫生服务中心", "深圳市南山区", "primary", "深圳市南山区粤海街道102号", 40, true],
  ["示例福田人民医院", "深圳市福田区", "tertiary_b", "深圳市福田区园岭街道9号", 900, false],
].map(([name, district, grade, address, beds, openOnWeekends], index) => ({
  institutionCode: `SYN-MI-${String(index + 1).padStart(4, "0")}`,
  name: name as string,
  district: district as string,
  grade: grade as string,
  address: address as string,
  beds: beds as number,
  openOnWeekends: openOnWeekends as boolean,
}));

/**
 * Every provider department's datasets for the same people. Each resource draws from its own PRNG stream
 * (seed + resource index), so adding a resource never changes the records of the others.
 */
export function buildDemoDatasets(options: Partial<PeopleOptions> = {}): DepartmentDatasets {
  const seed = options.seed ?? DEFAULT_SEED;
  const people = generatePeople({ seed, count: options.count ?? DEFAULT_PEOPLE });
  const recordsFor = (
    stream: number,
    build: (person: SyntheticPerson, random: Random) => DataRecord | undefined,
  ): DataRecord[] => {
    const random = mulberry32(seed + stream);
    const records: DataRecord[] = [];
    for (const person of people) {
      const record = build(person, random);
      if (record !== undefined) records.push(record);
    }
    return records;
  };
  return {
    "public-security": [{ resource: HOUSEHOLD_REGISTRATION, records: recordsFor(1, householdRegistration) }],
    hrss: [{ resource: SOCIAL_INSURANCE_STATUS, records: recordsFor(2, socialInsuranceStatus) }],
    health: [
      { resource: HEALTH_CARD, records: recordsFor(3, healthCard) },
      { resource: MEDICAL_INSTITUTIONS, records: INSTITUTIONS },
    ],
    "data-bureau": [{ resource: POPULATION_BASE, records: recordsFor(4, populationBase) }],
  };
}
