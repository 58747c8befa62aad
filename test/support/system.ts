/**
 * The whole system deployed with the Ignition module on the in-process network, founded by the data bureau, with the
 * other demo departments admitted by council proposals. Shared by the scenario test and every suite that needs the
 * real contracts together.
 */
import hre, { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deployKuajie, type Deployment } from "../../scripts/lib/deployment";
import { DEMO_DEPARTMENTS, type DemoDepartment } from "../../scripts/lib/demo-departments";
import { ADMIT, CALL, admitPayload, publishYearPayload } from "../../scripts/lib/consortium-proposals";
import { testCalendarYears } from "./calendar";
import type {
  AccessLedger,
  ConsentRegistry,
  Consortium,
  DataCatalog,
  DemandRegistry,
  Grants,
  Objections,
  SharingAgreements,
  WorkingCalendar,
} from "../../typechain-types";

export { CALL };

export interface System {
  deployment: Deployment;
  consortium: Consortium;
  catalog: DataCatalog;
  agreements: SharingAgreements;
  grants: Grants;
  consents: ConsentRegistry;
  ledger: AccessLedger;
  calendar: WorkingCalendar;
  demands: DemandRegistry;
  objections: Objections;
  /** The admin operator (the gateway signing key) of each demo department, by key. */
  operators: Record<string, HardhatEthersSigner>;
  departments: Record<string, DemoDepartment>;
}

export async function deploySystem(): Promise<System> {
  const signers = await ethers.getSigners();
  const operators: Record<string, HardhatEthersSigner> = {};
  const departments: Record<string, DemoDepartment> = {};
  for (const d of DEMO_DEPARTMENTS) {
    operators[d.key] = signers[d.keyIndex];
    departments[d.key] = d;
  }
  const deployment = await deployKuajie(hre, (d) => signers[d.keyIndex].address);
  const at = <T>(name: string, address: string) => ethers.getContractAt(name, address) as Promise<T>;
  const system: System = {
    deployment,
    consortium: await at<Consortium>("Consortium", deployment.contracts.Consortium),
    catalog: await at<DataCatalog>("DataCatalog", deployment.contracts.DataCatalog),
    agreements: await at<SharingAgreements>("SharingAgreements", deployment.contracts.SharingAgreements),
    grants: await at<Grants>("Grants", deployment.contracts.Grants),
    consents: await at<ConsentRegistry>("ConsentRegistry", deployment.contracts.ConsentRegistry),
    ledger: await at<AccessLedger>("AccessLedger", deployment.contracts.AccessLedger),
    calendar: await at<WorkingCalendar>("WorkingCalendar", deployment.contracts.WorkingCalendar),
    demands: await at<DemandRegistry>("DemandRegistry", deployment.contracts.DemandRegistry),
    objections: await at<Objections>("Objections", deployment.contracts.Objections),
    operators,
    departments,
  };
  // The data bureau holds the only seat, so each of its proposals executes at once.
  for (const d of DEMO_DEPARTMENTS.filter((x) => !x.council)) {
    await system.consortium.connect(operators["data-bureau"]).propose(ADMIT, admitPayload(d, operators[d.key].address));
  }
  const now = (await ethers.provider.getBlock("latest"))!.timestamp;
  for (const { year, words } of testCalendarYears(now)) {
    await system.consortium
      .connect(operators["data-bureau"])
      .propose(CALL, publishYearPayload(deployment.contracts.WorkingCalendar, year, words));
  }
  return system;
}
