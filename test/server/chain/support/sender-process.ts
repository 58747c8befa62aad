// A gateway-like process for the kill test: starts a TxSender on a database file and submits `store(value)` calls,
// printing "ack <value>" once each submit has returned (the moment the gateway would answer 2xx).
// Usage: sender-process.ts <db file> <rpc url> <target address> <dev account index> <first value> <count>
import { Interface } from "ethers";
import { deriveDevSigners } from "../../../../server/src/chain/keys";
import { createProvider } from "../../../../server/src/chain/provider";
import { TxSender } from "../../../../server/src/chain/tx-sender";
import { openDatabase } from "../../../../server/src/common/db";
import { DEV_MNEMONIC } from "./hardhat-node";

async function main(): Promise<void> {
  const [dbFile, url, target, accountIndex, firstValue, count] = process.argv.slice(2);
  const iface = new Interface(["function store(uint256 value)"]);
  const provider = await createProvider(url, { chainId: 31337 });
  const sender = new TxSender({
    db: openDatabase(dbFile),
    provider,
    chainId: 31337,
    signers: deriveDevSigners(DEV_MNEMONIC, ["health"], { firstIndex: Number(accountIndex) }),
    pollIntervalMs: 20,
  });
  await sender.start();
  for (let i = 0; i < Number(count); i += 1) {
    const value = Number(firstValue) + i;
    sender.submit("health", { to: target, data: iface.encodeFunctionData("store", [value]) }, { value });
    process.stdout.write(`ack ${value}\n`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await new Promise(() => undefined); // Keep sending until killed.
}

// `hardhat test` loads every file under test/, this one too: run only when started as a process.
if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
