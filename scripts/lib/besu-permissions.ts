/**
 * Besu's local permissions file from the Consortium's state. Besu removed on-chain permissioning in 25.6; its
 * replacement is a TOML file of allowlists that each node reads at start (and again on `perm_reloadPermissionsFromFile`).
 * The Consortium stays the one place where membership is decided, and this module turns its state into that file:
 *
 * - `accounts-allowlist`: every account that acts for an active department (admin or plain operator);
 * - `nodes-allowlist`: the enode URL each active department registered for its node (`Consortium.registerNode`).
 *
 * Who acts for whom is read from the contract's views, not folded from events: the events only say which accounts and
 * departments to ask about, so a suspension, a removed operator or a cleared node drops out at the next regeneration.
 */
import type { Consortium } from "../../typechain-types";

export interface BesuPermissions {
  /** Lower-case addresses, sorted. */
  accounts: string[];
  /** Enode URLs, sorted. */
  nodes: string[];
  /** The block the state was read at. */
  blockNumber: number;
}

/** Reads the allowlists from the Consortium's state at the latest block; events from `fromBlock` name the candidates. */
export async function readBesuPermissions(consortium: Consortium, fromBlock = 0): Promise<BesuPermissions> {
  const provider = consortium.runner?.provider;
  if (!provider) throw new Error("the Consortium contract has no provider");
  const blockNumber = await provider.getBlockNumber();
  const at = { blockTag: blockNumber };

  const admitted = await consortium.queryFilter(consortium.filters.DepartmentAdmitted(), fromBlock, blockNumber);
  const added = await consortium.queryFilter(consortium.filters.OperatorAdded(), fromBlock, blockNumber);
  const departments = [...new Set(admitted.map((e) => e.args.departmentId))];
  const candidates = [...new Set(added.map((e) => e.args.account.toLowerCase()))];

  const accounts: string[] = [];
  for (const account of candidates) {
    if ((await consortium.activeDepartmentOf(account, at)) !== ZERO) accounts.push(account);
  }
  const nodes: string[] = [];
  for (const id of departments) {
    if (!(await consortium.isActive(id, at))) continue;
    const enode = await consortium.nodeOf(id, at);
    if (enode !== "") nodes.push(enode);
  }
  return { accounts: accounts.sort(), nodes: [...new Set(nodes)].sort(), blockNumber };
}

/** The TOML file Besu reads with `--permissions-accounts-config-file` and `--permissions-nodes-config-file`. */
export function renderBesuPermissions(permissions: BesuPermissions, header: string): string {
  const list = (values: string[]) =>
    values.length === 0 ? "[]" : `[\n${values.map((v) => `  ${JSON.stringify(v)},`).join("\n")}\n]`;
  const comment = header
    .split("\n")
    .map((line) => `# ${line}`.trimEnd())
    .join("\n");
  return `${comment}\naccounts-allowlist=${list(permissions.accounts)}\nnodes-allowlist=${list(permissions.nodes)}\n`;
}

const ZERO = `0x${"0".repeat(64)}`;
