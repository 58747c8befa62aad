/**
 * `npx hardhat run scripts/deploy.ts --network <localhost|besu>`: deploys the whole system with the Ignition module,
 * founds the consortium with the demo council (the data bureau, whose admin operator is the department's gateway key
 * on the development mnemonic, or `KUAJIE_FOUNDER_ADMIN` when set), and writes the deployment file
 * (`KUAJIE_DEPLOYMENT_FILE`, default `.kuajie/<network>/deployment.json`).
 */
import hre from "hardhat";
import { HDNodeWallet } from "ethers";
import { deployKuajie, writeDeployment } from "./lib/deployment";

const DEV_MNEMONIC = "test test test test test test test test test test test junk";

async function main() {
  const mnemonic = process.env.KUAJIE_DEV_MNEMONIC ?? DEV_MNEMONIC;
  const adminOf = (d: { keyIndex: number }) =>
    process.env.KUAJIE_FOUNDER_ADMIN ??
    HDNodeWallet.fromPhrase(mnemonic, undefined, `m/44'/60'/0'/0/${d.keyIndex}`).address;
  const deployment = await deployKuajie(hre, adminOf);
  const file = process.env.KUAJIE_DEPLOYMENT_FILE ?? `.kuajie/${hre.network.name}/deployment.json`;
  writeDeployment(file, deployment);
  console.log(JSON.stringify(deployment, null, 2));
  console.log(`deployment written to ${file}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
