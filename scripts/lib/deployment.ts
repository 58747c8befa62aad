/**
 * Deploys the whole system with the Ignition module and describes the result as a deployment file: what the gateway
 * (`KUAJIE_DEPLOYMENT_FILE`) and the auditor (`--deployment`) read to find the contracts.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import KuajieModule from "../../ignition/modules/Kuajie";
import { CONTRACT_NAMES, writeDeployment, type ContractName, type Deployment } from "../../server/src/chain/deployment";
import { DEMO_DEPARTMENTS, LEVELS, type DemoDepartment } from "./demo-departments";

export { CONTRACT_NAMES, writeDeployment, type ContractName, type Deployment };

/** The `founders` parameter of the Ignition module for the founding council departments of `departments`. */
function founderProfiles(departments: readonly DemoDepartment[]) {
  return departments
    .filter((d) => d.council)
    .map((d) => ({
      id: d.id,
      level: LEVELS.indexOf(d.level),
      regionCode: d.regionCode,
      parent: d.parentKey ? departments.find((p) => p.key === d.parentKey)!.id : `0x${"0".repeat(64)}`,
      councilSeat: true,
      code: d.code,
      name: d.name,
    }));
}

/**
 * Deploys with Ignition, founding the consortium with the council departments of `departments` whose admin operator
 * is `adminOf(department)`.
 */
export async function deployKuajie(
  hre: HardhatRuntimeEnvironment,
  adminOf: (d: DemoDepartment) => string,
  departments: readonly DemoDepartment[] = DEMO_DEPARTMENTS,
  deploymentId: string | undefined = defaultDeploymentId(hre.network.name),
): Promise<Deployment> {
  const founders = departments.filter((d) => d.council);
  const deployed = await hre.ignition.deploy(KuajieModule, {
    parameters: { Kuajie: { founders: founderProfiles(departments), admins: founders.map(adminOf) } },
    displayUi: false,
    deploymentId,
  });
  const byName: Record<ContractName, { getAddress(): Promise<string>; deploymentTransaction(): unknown }> = {
    Consortium: deployed.consortium,
    DataCatalog: deployed.catalog,
    SharingAgreements: deployed.agreements,
    Grants: deployed.grants,
    ConsentRegistry: deployed.consents,
    AccessLedger: deployed.ledger,
    WorkingCalendar: deployed.calendar,
    DemandRegistry: deployed.demands,
    Objections: deployed.objections,
  };
  const contracts = {} as Record<ContractName, string>;
  for (const name of CONTRACT_NAMES) contracts[name] = await byName[name].getAddress();

  const provider = hre.ethers.provider;
  const network = await provider.getNetwork();
  const genesis = await provider.getBlock(0);
  // Ignition does not hand back receipts: find the first block where the Consortium has code.
  const latest = await provider.getBlockNumber();
  let low = 0;
  let high = latest;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if ((await provider.getCode(contracts.Consortium, mid)) === "0x") low = mid + 1;
    else high = mid;
  }
  return { chainId: Number(network.chainId), deploymentBlock: low, genesisHash: genesis!.hash!, contracts };
}

/**
 * Ignition keeps a journal per deployment id so that an interrupted deployment resumes. A local `hardhat node` starts
 * from the same genesis every time, so a fixed id would make Ignition believe a fresh chain is already deployed: local
 * runs get a new id each time; any other network a stable one (`KUAJIE_DEPLOYMENT_ID`, default the network's name).
 */
function defaultDeploymentId(network: string): string | undefined {
  if (process.env.KUAJIE_DEPLOYMENT_ID) return process.env.KUAJIE_DEPLOYMENT_ID;
  if (network === "hardhat") return undefined;
  if (network === "localhost") return `localhost-${Date.now()}`;
  return network;
}
