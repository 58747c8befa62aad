import type { Db } from "../common/db";

/** A ConsentRecorded or ConsentWithdrawn as the scorecard reads it. */
export interface ConsentScorecardEvent {
  name: "ConsentRecorded" | "ConsentWithdrawn";
  time: number;
  consentId: string;
  /** The department that recorded the consent (on a withdrawal too: the scorecard counts it for the recorder). */
  recorder: string;
}

const hexOf = (column: string) => `'0x' || lower(hex(${column}))`;

/**
 * The consents recorded and withdrawn up to a block time, read from the consent store's compact tables (the indexer
 * keeps no copy of these events: chain/adapter.ts), for the supervision scorecard: one row at a time, so that a
 * scorecard over a million consents holds one of them, not a million. Recordings come in the order they were
 * stored (the indexer applies blocks in chain order), then withdrawals in chain order, each naming the consent's
 * recorder, so the scorecard needs no memory of the consents it has seen.
 */
export function* consentScorecardEvents(db: Db, untilTime: number): Generator<ConsentScorecardEvent> {
  yield* db
    .prepare(
      `SELECT 'ConsentRecorded' AS name, c.recorded_at AS time, ${hexOf("c.consent_id")} AS consentId,
         ${hexOf("d.word")} AS recorder
       FROM consent_records c JOIN consent_words d ON d.id = c.recorder WHERE c.recorded_at <= ? ORDER BY c.id`,
    )
    .iterate(untilTime) as IterableIterator<ConsentScorecardEvent>;
  yield* db
    .prepare(
      `SELECT 'ConsentWithdrawn' AS name, ch.block_time AS time, ${hexOf("c.consent_id")} AS consentId,
         ${hexOf("d.word")} AS recorder
       FROM consent_changes ch JOIN consent_records c ON c.id = ch.consent JOIN consent_words d ON d.id = c.recorder
       WHERE ch.event = 'withdrawn' AND ch.block_time <= ? ORDER BY ch.block_number, ch.log_index`,
    )
    .iterate(untilTime) as IterableIterator<ConsentScorecardEvent>;
}
