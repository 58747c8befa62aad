/**
 * The Kuajie contracts as the auditor sees them: through their interfaces (the generated typechain types of the
 * `I*.sol` files), never through the gateway.
 */
import type { Provider } from "ethers";
import { IAccessLedger__factory } from "../../typechain-types/factories/contracts/audit/IAccessLedger__factory";
import { IDataCatalog__factory } from "../../typechain-types/factories/contracts/catalog/IDataCatalog__factory";
import { IConsentRegistry__factory } from "../../typechain-types/factories/contracts/consent/IConsentRegistry__factory";
import { IConsortium__factory } from "../../typechain-types/factories/contracts/consortium/IConsortium__factory";
import { IGrants__factory } from "../../typechain-types/factories/contracts/sharing/IGrants__factory";
import { ISharingAgreements__factory } from "../../typechain-types/factories/contracts/sharing/ISharingAgreements__factory";
import { IWorkingCalendar__factory } from "../../typechain-types/factories/contracts/calendar/IWorkingCalendar__factory";
import { IDemandRegistry__factory } from "../../typechain-types/factories/contracts/demands/IDemandRegistry__factory";
import { IObjections__factory } from "../../typechain-types/factories/contracts/quality/IObjections__factory";

export const interfaces = {
  Consortium: IConsortium__factory.createInterface(),
  DataCatalog: IDataCatalog__factory.createInterface(),
  SharingAgreements: ISharingAgreements__factory.createInterface(),
  Grants: IGrants__factory.createInterface(),
  ConsentRegistry: IConsentRegistry__factory.createInterface(),
  AccessLedger: IAccessLedger__factory.createInterface(),
  WorkingCalendar: IWorkingCalendar__factory.createInterface(),
  DemandRegistry: IDemandRegistry__factory.createInterface(),
  Objections: IObjections__factory.createInterface(),
};

/** The topic0 of each named event of a contract. */
export function eventTopics<N extends keyof typeof interfaces>(contract: N, names: readonly string[]): string[] {
  return names.map((name) => {
    const event = interfaces[contract].getEvent(name as never);
    if (!event) throw new Error(`${contract} has no event ${name}`);
    return event.topicHash;
  });
}

export function connectLedger(address: string, provider: Provider) {
  return IAccessLedger__factory.connect(address, provider);
}
