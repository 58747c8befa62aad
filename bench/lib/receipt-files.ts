/**
 * Receipt files as `GET /v1/receipts/:id` hands them out, for the auditor's benchmarks: a department's receipts
 * chained (each prevHash the leaf before), anchored on AccessLedger in batches as the gateway's anchorer does, and
 * written as JSON lines with their batch and proof (and, for federated receipts, the exchange envelope).
 */
import fs from "node:fs";
import { SimpleMerkleTree } from "@openzeppelin/merkle-tree";
import { ZeroHash, encodeBytes32String, keccak256, type HDNodeWallet } from "ethers";
import { buildBatch, receiptLeaf, type Receipt } from "../../core/receipt";
import type { System } from "./chain";

/** The gateway's largest batch. */
const ANCHOR_BATCH = 1_024;

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

/**
 * The batch's tree over leaves already computed (`buildBatch` parses each receipt and hashes it again: half the
 * bench's time at a million receipts), read off as `buildBatch` does; `writeAnchoredReceipts` checks its first batch
 * against `buildBatch`.
 */
function treeOf(receipts: readonly Receipt[], leaves: readonly string[]): { root: string; proofs: string[][] } {
  const tree = SimpleMerkleTree.of(leaves as string[]);
  const { tree: nodes, values } = tree.dump();
  const proofs = values.map(({ treeIndex }) => {
    const proof: string[] = [];
    for (let node = treeIndex; node > 0; node = (node - 1) >> 1)
      proof.push(nodes[node % 2 === 1 ? node + 1 : node - 1]);
    return proof;
  });
  if (receipts[0].sequence === 1) {
    const built = buildBatch(receipts);
    if (built.root !== tree.root || JSON.stringify(built.proofs[receipts[0].id]) !== JSON.stringify(proofs[0]))
      throw new Error("the benchmark's batch tree differs from the receipt module's");
  }
  return { root: tree.root, proofs };
}

/** Builds receipt `sequence` of a department from its number and the leaf of the one before. */
export type ReceiptFields = (sequence: number) => Omit<Receipt, "prevHash">;

/**
 * Receipts 1..count of one department, each linked to the one before, anchored by `operator` (for its department) in
 * batches as the gateway's anchorer does and written to `file` one entry a line, batch by batch: a million receipts
 * cost the memory of one batch. `envelope(i)` adds the fields of a federated receipt. Returns the number of batches.
 */
export async function writeAnchoredReceipts(
  system: System,
  operator: HDNodeWallet,
  count: number,
  fields: ReceiptFields,
  file: string,
  envelope: (index: number) => Record<string, unknown> = () => ({}),
): Promise<number> {
  const out = fs.openSync(file, "w");
  let previousRoot = ZeroHash;
  let prev = ZeroHash;
  let batchSequence = 0;
  try {
    for (let first = 1; first <= count; first += ANCHOR_BATCH) {
      batchSequence++;
      const slice: Receipt[] = [];
      const leaves: string[] = [];
      for (let sequence = first; sequence < first + ANCHOR_BATCH && sequence <= count; sequence++) {
        const r: Receipt = { ...fields(sequence), prevHash: prev };
        prev = fastLeaf(r);
        leaves.push(prev);
        if (sequence === 1 && prev !== receiptLeaf(r))
          throw new Error("the benchmark's leaf encoding differs from the receipt module's");
        slice.push(r);
      }
      const batch = treeOf(slice, leaves);
      const tx = await system.ledger
        .connect(operator)
        .anchor(batchSequence, batch.root, slice.length, slice[0].sequence, slice.at(-1)!.sequence, previousRoot);
      const mined = await tx.wait();
      previousRoot = batch.root;
      const lines = slice.map((r, k) =>
        JSON.stringify({
          receipt: r,
          leaf: leaves[k],
          status: "anchored",
          batch: { sequence: batchSequence, root: batch.root, txHash: mined!.hash, blockNumber: mined!.blockNumber },
          proof: batch.proofs[k],
          ...envelope(r.sequence - 1),
        }),
      );
      fs.writeSync(out, lines.join("\n") + "\n");
    }
  } finally {
    fs.closeSync(out);
  }
  return batchSequence;
}
