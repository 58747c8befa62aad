import { migrate, type Db } from "../../../server/src/common/db";
import { RECEIPT_MIGRATIONS, type StoredReceipt } from "../../../server/src/store/receipts";

/**
 * Databases of earlier releases of the receipt store, for the tests of its migrations: its schema at `version` (the
 * first `version` statements of its migrations) with receipts as that release wrote them (ids as hex text, the
 * receipt and its envelope as JSON, the proof as JSON or as its nodes' bytes), made from receipts the current store
 * serves (`ReceiptStore.get`), so that what a migration keeps can be compared with them.
 */
export function writeEarlierRelease(
  db: Db,
  version: number,
  receipts: ReadonlyArray<{ stored: StoredReceipt; proofAs: "json" | "bytes" }>,
  batches: readonly Record<string, unknown>[],
): void {
  migrate(db, "receipts", RECEIPT_MIGRATIONS.slice(0, version));
  for (const { stored, proofAs } of receipts) {
    const r = stored.receipt;
    const row: Record<string, unknown> = {
      department: r.department,
      sequence: r.sequence,
      id: r.id,
      time: r.time,
      created_ms: stored.createdMs,
      grant_id: r.grantId,
      agreement_id: r.agreementId,
      provider: r.provider,
      subject_ref: r.subjectRef,
      result: r.result,
      leaf: stored.leaf,
      body: JSON.stringify(r),
      batch_sequence: stored.batchSequence,
      proof: proofAs === "json" && stored.proof !== null ? JSON.stringify(stored.proof) : null,
    };
    // The envelope came with federation (statements 8–10), the proof's bytes with statement 13.
    if (version >= 10) {
      row.request_id = stored.envelope?.requestId ?? null;
      row.role = stored.envelope?.role ?? null;
      row.exchange = stored.envelope ? JSON.stringify(stored.envelope.exchange) : null;
    } else if (stored.envelope !== null) {
      throw new Error(`a release of schema version ${version} had no envelopes`);
    }
    if (version >= 13) {
      row.proof_nodes =
        proofAs === "bytes" && stored.proof !== null
          ? Buffer.from(stored.proof.map((node) => node.slice(2)).join(""), "hex")
          : null;
    }
    const columns = Object.keys(row);
    db.prepare(`INSERT INTO receipts (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`).run(
      ...Object.values(row),
    );
  }
  for (const b of batches) {
    const columns = Object.keys(b);
    db.prepare(`INSERT INTO receipt_batches (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`).run(
      ...Object.values(b),
    );
  }
}
