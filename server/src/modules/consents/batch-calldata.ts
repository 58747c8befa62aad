import { CONTRACT_INTERFACES } from "../../chain/adapter";

/**
 * The calldata of `ConsentRegistry.recordBatch(ConsentInput[])`, laid out directly. `ConsentInput` is a static struct
 * of eight words (the key's four bytes32, separate, validFrom, validUntil, the evidence hash), so the ABI encoding of
 * the array is its selector, the offset 0x20, the length and eight words an item. ethers' ABI coder builds a coder
 * tree and a Result for each of the hundreds of items of a batch, which cost the gateway more CPU than everything else
 * a consent needs; this gives the same bytes (test/server/modules/consents/batch-calldata.test.ts compares them)
 * at a small fraction of that.
 */
const RECORD_BATCH_SELECTOR = CONTRACT_INTERFACES.ConsentRegistry.getFunction("recordBatch")!.selector;

/** One `ConsentInput`: the batcher's RecordItem, as its fields are encoded. */
interface ConsentInputArg {
  terms: {
    key: { subjectRef: string; recipient: string; resourceId: string; purpose: string };
    separate: boolean;
    validFrom: number | bigint;
    validUntil: number | bigint;
  };
  evidenceHash: string;
}

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const UINT64_LIMIT = 2n ** 64n;

function bytes32Word(value: string, field: string): string {
  if (!BYTES32.test(value)) throw new TypeError(`${field} must be a 0x-prefixed 32-byte hex string`);
  return value.slice(2).toLowerCase();
}

function uintWord(value: number | bigint, field: string): string {
  const integer = typeof value === "bigint" ? value : Number.isSafeInteger(value) ? BigInt(value) : -1n;
  if (integer < 0n || integer >= UINT64_LIMIT) throw new RangeError(`${field} must be an integer from 0 to 2^64 - 1`);
  return integer.toString(16).padStart(64, "0");
}

const ZERO_WORD = "0".repeat(64);
const ONE_WORD = "0".repeat(63) + "1";

/** `recordBatch(items)` as calldata; throws naming the item and field of a value the ABI could not hold. */
export function encodeRecordBatch(items: readonly ConsentInputArg[]): string {
  const words: string[] = [RECORD_BATCH_SELECTOR, uintWord(32, "offset"), uintWord(items.length, "length")];
  for (const [i, { terms, evidenceHash }] of items.entries()) {
    const at = `items[${i}]`;
    words.push(
      bytes32Word(terms.key.subjectRef, `${at}.terms.key.subjectRef`),
      bytes32Word(terms.key.recipient, `${at}.terms.key.recipient`),
      bytes32Word(terms.key.resourceId, `${at}.terms.key.resourceId`),
      bytes32Word(terms.key.purpose, `${at}.terms.key.purpose`),
      terms.separate ? ONE_WORD : ZERO_WORD,
      uintWord(terms.validFrom, `${at}.terms.validFrom`),
      uintWord(terms.validUntil, `${at}.terms.validUntil`),
      bytes32Word(evidenceHash, `${at}.evidenceHash`),
    );
  }
  return words.join("");
}
