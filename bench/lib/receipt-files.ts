/**
 * Receipt files as `GET /v1/receipts/:id` hands them out, for the auditor's benchmarks: a department's receipts
 * chained (each prevHash the leaf before), anchored on AccessLedger in batches as the gateway's anchorer does, and
 * written as JSON lines with their batch and proof (and, for federated receipts, the exchange envelope).
 */
import fs from "node:fs";
import { ZeroHash, encodeBytes32String, keccak256, type HDNodeWallet } from "ethers";
import { buildBatch, receiptLeaf, type Receipt } from "../../core/receipt";
import type { System } from "./chain";

/** The gateway's largest batch. */
export const ANCHOR_BATCH = 1_024;

const RESULT_INDEX = { delivered: 0, denied: 1, failed: 2 } as const;

/**
 * The receipt module's leaf without its schema check (the receipts here are built well-formed, and the first is
 * checked against `receiptLeaf`): a million chained receipts in seconds instead of minutes.
 */
function fastLeaf(r: Receipt): string {
  const w = (v: string | number | bigint) =>
    typeof v === "string" ? v.slice(2).toLowerCase().padStart(64, "0") : v.toString(16).padStart(64, "0");
  const words = [
    w(r.id),
    w(r.sequence),
    w(r.time),
    w(r.department),
    w(r.account),
    w(BigInt(r.grantId)),
    w(BigInt(r.agreementId)),
    w(r.consentId),
    w(r.provider),
    w(r.resourceId),
    w(r.resourceVersion),
    w(r.fieldMask),
    w(r.subjectRef),
    w(r.purpose),
    w(RESULT_INDEX[r.result]),
    w(encodeBytes32String(r.reason)),
    w(r.requestHash),
    w(r.responseHash),
    w(r.prevHash),
  ];
  return keccak256(keccak256("0x" + words.join("")));
}

/** Receipts 1..count of one department, each linked to the one before; `fields` gives all but id and the chain. */
export function chainReceipts(count: number, fields: (sequence: number) => Omit<Receipt, "prevHash">): Receipt[] {
  const receipts: Receipt[] = [];
  let prev = ZeroHash;
  for (let sequence = 1; sequence <= count; sequence++) {
    const r: Receipt = { ...fields(sequence), prevHash: prev };
    prev = fastLeaf(r);
    if (sequence === 1 && prev !== receiptLeaf(r))
      throw new Error("the benchmark's leaf encoding differs from the receipt module's");
    receipts.push(r);
  }
  return receipts;
}

/**
 * Anchors the receipts by `operator` (for its department) in batches and writes them to `file`, one entry a line;
 * `envelope(i)` adds the fields of a federated receipt. Returns the number of batches.
 */
export async function anchorToFile(
  system: System,
  operator: HDNodeWallet,
  receipts: readonly Receipt[],
  file: string,
  envelope: (index: number) => Record<string, unknown> = () => ({}),
): Promise<number> {
  const out = fs.openSync(file, "w");
  let previousRoot = ZeroHash;
  let batchSequence = 0;
  try {
    for (let first = 0; first < receipts.length; first += ANCHOR_BATCH) {
      batchSequence++;
      const slice = receipts.slice(first, first + ANCHOR_BATCH);
      const batch = buildBatch(slice);
      const tx = await system.ledger
        .connect(operator)
        .anchor(batchSequence, batch.root, batch.receiptCount, batch.firstSequence, batch.lastSequence, previousRoot);
      const mined = await tx.wait();
      previousRoot = batch.root;
      const lines = slice.map((r, k) =>
        JSON.stringify({
          receipt: r,
          leaf: batch.leaves[r.id],
          status: "anchored",
          batch: { sequence: batchSequence, root: batch.root, txHash: mined!.hash, blockNumber: mined!.blockNumber },
          proof: batch.proofs[r.id],
          ...envelope(first + k),
        }),
      );
      fs.writeSync(out, lines.join("\n") + "\n");
    }
  } finally {
    fs.closeSync(out);
  }
  return batchSequence;
}
