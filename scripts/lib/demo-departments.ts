/**
 * The demo consortium of `npm start` and the tests: a provincial data bureau chairing the council, three provincial
 * departments that hold the data of the "one card for everything" (一卡通用) story, and one city department.
 * Codes are synthetic but well-formed (correct GB 32100 check characters).
 */
import { LEVEL, type Level } from "../../core/codes/enumerations";
import { departmentIdOf, makeOrganUscc } from "../../core/identity/uscc";

export type { Level };
export const LEVELS: readonly Level[] = LEVEL.values;

export interface DemoDepartment {
  key: string;
  code: string;
  id: string;
  name: string;
  level: Level;
  regionCode: number;
  parentKey: string | null;
  council: boolean;
  /** Index of the department's gateway signing key on the development mnemonic (0 is the deployer). */
  keyIndex: number;
}

function department(d: Omit<DemoDepartment, "code" | "id"> & { orgCode: string }): DemoDepartment {
  const code = makeOrganUscc(String(d.regionCode), d.orgCode);
  const { orgCode: _orgCode, ...rest } = d;
  return { ...rest, code, id: departmentIdOf(code) };
}

export const DEMO_DEPARTMENTS: readonly DemoDepartment[] = [
  department({
    key: "data-bureau",
    orgCode: "MB2C00011",
    name: "广东省政务服务和数据管理局 (Guangdong Government Services and Data Administration)",
    level: "province",
    regionCode: 440000,
    parentKey: null,
    council: true,
    keyIndex: 1,
  }),
  department({
    key: "public-security",
    orgCode: "MB2C00022",
    name: "广东省公安厅 (Guangdong Public Security Department)",
    level: "province",
    regionCode: 440000,
    parentKey: null,
    council: false,
    keyIndex: 2,
  }),
  department({
    key: "hrss",
    orgCode: "MB2C00033",
    name: "广东省人力资源和社会保障厅 (Guangdong Human Resources and Social Security Department)",
    level: "province",
    regionCode: 440000,
    parentKey: null,
    council: false,
    keyIndex: 3,
  }),
  department({
    key: "health",
    orgCode: "MB2C00044",
    name: "广东省卫生健康委员会 (Guangdong Health Commission)",
    level: "province",
    regionCode: 440000,
    parentKey: null,
    council: false,
    keyIndex: 4,
  }),
  department({
    key: "gz-civil-affairs",
    orgCode: "MB2C00055",
    name: "广州市民政局 (Guangzhou Civil Affairs Bureau)",
    level: "city",
    regionCode: 440100,
    parentKey: "data-bureau",
    council: false,
    keyIndex: 5,
  }),
];

export function demoDepartment(key: string): DemoDepartment {
  const found = DEMO_DEPARTMENTS.find((d) => d.key === key);
  if (!found) throw new Error(`unknown demo department '${key}'`);
  return found;
}
