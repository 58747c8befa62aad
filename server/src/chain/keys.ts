import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { HDNodeWallet, Wallet } from "ethers";
import type { GatewayConfig } from "../common/config";

/** Department keys (`data-bureau`, `gz-civil-affairs`) name key files, so they are restricted to a safe alphabet. */
const DEPARTMENT_KEY = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A keystore could not be read or decrypted. Names the department and file, never the password or the key. */
export class KeystoreError extends Error {
  readonly code = "keystore_unreadable";
  constructor(
    readonly departmentKey: string,
    readonly file: string,
    reason: string,
  ) {
    super(`cannot load the signing key of "${departmentKey}" from ${file}: ${reason}`);
    this.name = "KeystoreError";
  }
}

export interface KeystoreSource {
  /** Directory with one encrypted JSON keystore per department, named `<departmentKey>.json`. */
  dir: string;
  /** One password for every keystore, or one per department. */
  password: string | ((departmentKey: string) => string);
  /** The departments to load; every one must have a file. Default: every `*.json` in `dir`. */
  departments?: readonly string[];
}

/** Production signing keys: decrypts `<dir>/<departmentKey>.json` (Web3 Secret Storage) for each department. */
export async function loadKeystoreSigners(source: KeystoreSource): Promise<Map<string, Wallet>> {
  const departments = source.departments ?? (await keystoreDepartments(source.dir));
  const signers = new Map<string, Wallet>();
  for (const departmentKey of departments) {
    assertDepartmentKey(departmentKey);
    const file = path.join(source.dir, `${departmentKey}.json`);
    let json: string;
    try {
      json = await readFile(file, "utf8");
    } catch (error) {
      throw new KeystoreError(departmentKey, file, (error as NodeJS.ErrnoException).code ?? "unreadable");
    }
    const password = typeof source.password === "function" ? source.password(departmentKey) : source.password;
    let wallet: Wallet | HDNodeWallet;
    try {
      wallet = await Wallet.fromEncryptedJson(json, password);
    } catch {
      // ethers' message may quote parts of the file; ours says only what went wrong.
      throw new KeystoreError(departmentKey, file, "not a keystore or wrong password");
    }
    signers.set(departmentKey, asPlainWallet(wallet));
  }
  assertDistinctAccounts(signers);
  return signers;
}

/** The HD path of the development key with index `index` (the first Hardhat/Besu dev accounts use these). */
export function devKeyPath(index: number): string {
  if (!Number.isInteger(index) || index < 0) {
    throw new RangeError(`a dev key index must be a non-negative integer, got ${index}`);
  }
  return `m/44'/60'/0'/0/${index}`;
}

/**
 * Development signing keys derived from `mnemonic`: the department at position i of `departments` gets the key at
 * `m/44'/60'/0'/0/<firstIndex + i>`, so the same list always yields the same accounts.
 */
export function deriveDevSigners(
  mnemonic: string,
  departments: readonly string[],
  options: { firstIndex?: number } = {},
): Map<string, Wallet> {
  const firstIndex = options.firstIndex ?? 0;
  const signers = new Map<string, Wallet>();
  departments.forEach((departmentKey, i) => {
    assertDepartmentKey(departmentKey);
    if (signers.has(departmentKey)) {
      throw new Error(`department "${departmentKey}" is listed twice`);
    }
    signers.set(departmentKey, asPlainWallet(HDNodeWallet.fromPhrase(mnemonic, undefined, devKeyPath(firstIndex + i))));
  });
  return signers;
}

async function keystoreDepartments(dir: string): Promise<string[]> {
  const entries = await readdir(dir);
  return entries
    .filter((name) => name.endsWith(".json"))
    .map((name) => name.slice(0, -".json".length))
    .sort();
}

function assertDepartmentKey(departmentKey: string): void {
  if (!DEPARTMENT_KEY.test(departmentKey)) {
    throw new Error(`"${departmentKey}" is not a department key (lower-case letters, digits and dashes)`);
  }
}

function assertDistinctAccounts(signers: Map<string, Wallet>): void {
  const owners = new Map<string, string>();
  for (const [departmentKey, wallet] of signers) {
    const other = owners.get(wallet.address);
    if (other !== undefined) {
      throw new Error(`departments "${other}" and "${departmentKey}" have the same signing account`);
    }
    owners.set(wallet.address, departmentKey);
  }
}

/** Drops the mnemonic and HD state: the gateway needs only the signing key. */
function asPlainWallet(wallet: Wallet | HDNodeWallet): Wallet {
  return wallet instanceof Wallet ? wallet : new Wallet(wallet.privateKey);
}

/**
 * The signing keys of the departments a gateway serves, from its configured key source: derived from the development
 * mnemonic (their positions in `served`), or read from the keystore (only the departments named).
 */
export async function loadServedSigners(
  keys: GatewayConfig["keys"],
  served: readonly string[],
  departments: readonly string[] = served,
): Promise<Map<string, Wallet>> {
  return keys.kind === "mnemonic"
    ? deriveDevSigners(keys.mnemonic, served, { firstIndex: 1 })
    : loadKeystoreSigners({ dir: keys.dir, password: keys.password, departments });
}
