/**
 * Reads the deployment file (`.kuajie/dev/deployment.json` as `npm start` writes it, or any file of the same shape,
 * such as `.kuajie/dev/credentials.json`, whose `rpc` is then used when `--rpc` is not given).
 */
import fs from "node:fs";
import { z } from "zod";
import { CONTRACT_NAMES } from "../../core/contracts";
import { UsageError } from "./errors";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected an address");

const DeploymentFileSchema = z.object({
  chainId: z.int().positive(),
  deploymentBlock: z.int().min(0).default(0),
  genesisHash: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/)
    .optional(),
  rpc: z.string().optional(),
  contracts: z.object(
    Object.fromEntries(CONTRACT_NAMES.map((name) => [name, address])) as Record<
      (typeof CONTRACT_NAMES)[number],
      typeof address
    >,
  ),
});

export type DeploymentFile = z.infer<typeof DeploymentFileSchema>;

export function readDeploymentFile(file: string): DeploymentFile {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new UsageError(
      `cannot read the deployment file ${file}: run \`npm start\` (it writes it) or pass --deployment`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`the deployment file ${file} is not JSON: pass the deployment.json that the deployment wrote`);
  }
  const parsed = DeploymentFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      `the deployment file ${file} is not a Kuajie deployment (${issue.path.join(".") || "file"}: ${issue.message}): pass the deployment.json that the deployment wrote`,
    );
  }
  return parsed.data;
}
