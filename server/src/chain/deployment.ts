import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

import { CONTRACT_NAMES, type ContractName } from "../../../core/contracts";

export { CONTRACT_NAMES, type ContractName };

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed 20-byte address");

/** What `scripts/deploy.ts` and `npm start` write, and what the gateway (`KUAJIE_DEPLOYMENT_FILE`) reads. */
const deploymentSchema = z.object({
  chainId: z.number().int().positive(),
  /** Block of the first contract's deployment: where indexers and auditors start reading events. */
  deploymentBlock: z.number().int().nonnegative(),
  /** Hash of block 0, so that a restarted (fresh) chain is detected rather than mixed with old state. */
  genesisHash: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
  contracts: z.object(
    Object.fromEntries(CONTRACT_NAMES.map((name) => [name, address])) as Record<ContractName, typeof address>,
  ),
});
export type Deployment = z.infer<typeof deploymentSchema>;

class DeploymentFileError extends Error {}

export function readDeployment(file: string): Deployment {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new DeploymentFileError(`cannot read the deployment file ${file}: ${(err as Error).message}`);
  }
  const parsed = deploymentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DeploymentFileError(`deployment file ${file}: ${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data;
}

export function writeDeployment(file: string, deployment: Deployment): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(deployment, null, 2) + "\n");
}
