import { ContractFactory, Interface, JsonRpcProvider, Wallet } from "ethers";
import hre from "hardhat";
import { deriveDevSigners } from "../../../../server/src/chain/keys";
import { DEV_MNEMONIC } from "./hardhat-node";

export interface DeployedTarget {
  address: string;
  iface: Interface;
  deployBlock: number;
}

/** Deploys OutboxTarget with a dev account the tests never give to a sender (index 19). */
export async function deployOutboxTarget(provider: JsonRpcProvider): Promise<DeployedTarget> {
  const artifact = await hre.artifacts.readArtifact("OutboxTarget");
  const deployer = deriveDevSigners(DEV_MNEMONIC, ["deployer"], { firstIndex: 19 }).get("deployer") as Wallet;
  const factory = new ContractFactory(artifact.abi, artifact.bytecode, deployer.connect(provider));
  const contract = await factory.deploy();
  const receipt = await contract.deploymentTransaction()?.wait();
  return {
    address: await contract.getAddress(),
    iface: new Interface(artifact.abi),
    deployBlock: receipt?.blockNumber ?? 0,
  };
}

/** Signers for department keys backed by funded dev accounts `firstIndex…`. */
export function devSigners(keys: readonly string[], firstIndex: number): Map<string, Wallet> {
  return deriveDevSigners(DEV_MNEMONIC, keys, { firstIndex });
}

/** Values of the `Stored` events a caller emitted on the target, from the chain itself. */
export async function storedValues(
  provider: JsonRpcProvider,
  target: DeployedTarget,
  caller: string,
): Promise<bigint[]> {
  const event = target.iface.getEvent("Stored");
  if (!event) {
    throw new Error("OutboxTarget has no Stored event");
  }
  const logs = await provider.getLogs({
    address: target.address,
    topics: [event.topicHash, `0x${caller.slice(2).toLowerCase().padStart(64, "0")}`],
    fromBlock: 0,
    toBlock: "latest",
  });
  return logs.map((log) => target.iface.parseLog(log)?.args.value as bigint);
}
