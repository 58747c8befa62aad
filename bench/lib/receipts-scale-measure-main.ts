/**
 * `node -r ts-node/register/transpile-only bench/lib/receipts-scale-measure-main.ts <gateway.db> <recorded> <block>`:
 * the receipts-scale figures of a filled store, measured in this fresh process (bench/lib/receipts-scale-measure.ts,
 * `measureInFreshProcess`); one JSON line on stdout.
 */
import { useFastKeccak } from "../../core/crypto/keccak";
import { openDatabase } from "../../server/src/common/db";
import { ReceiptStore } from "../../server/src/store/receipts";
import { gatewayUnderTest, measureGateway } from "./receipts-scale-measure";

async function main(): Promise<void> {
  const [file, recorded, firstBlock] = process.argv.slice(2);
  await useFastKeccak(); // as the gateway does at its start
  const db = openDatabase(file);
  let block = Number(firstBlock);
  try {
    const gateway = gatewayUnderTest(new ReceiptStore(db), { next: () => ++block, current: () => block });
    process.stdout.write(`${JSON.stringify(await measureGateway(gateway, Number(recorded)))}\n`);
  } finally {
    db.close();
  }
}

void main();
