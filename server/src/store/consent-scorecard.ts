import type { Db } from "../common/db";

/** ConsentRecorded or ConsentWithdrawn events as the scorecard counts them: how many, of one recorder, at one time. */
export interface ConsentScorecardCount {
  name: "ConsentRecorded" | "ConsentWithdrawn";
  time: number;
  /** The department that recorded the consents (on withdrawals too: the scorecard counts them for the recorder). */
  recorder: string;
  count: number;
}

/**
 * The consents recorded and withdrawn up to a block time, read from the consent store's compact tables (the indexer
 * keeps no copy of these events: chain/adapter.ts), for the supervision scorecard, which only counts them per
 * recorder and by time (core/audit/scorecard.ts `COUNTED_EVENTS`): grouped by block time and recorder, so that a
 * scorecard over a million consents reads a row a block and department, and holds one row at a time.
 */
export function* consentScorecardCounts(db: Db, untilTime: number): Generator<ConsentScorecardCount> {
  yield* db
    .prepare(
      `SELECT 'ConsentRecorded' AS name, g.time, '0x' || lower(hex(d.word)) AS recorder, g.count
       FROM (SELECT recorded_at AS time, recorder, count(*) AS count FROM consent_records
             WHERE recorded_at <= ? GROUP BY recorded_at, recorder) g
       JOIN consent_words d ON d.id = g.recorder`,
    )
    .iterate(untilTime) as IterableIterator<ConsentScorecardCount>;
  yield* db
    .prepare(
      `SELECT 'ConsentWithdrawn' AS name, g.time, '0x' || lower(hex(d.word)) AS recorder, g.count
       FROM (SELECT ch.block_time AS time, c.recorder, count(*) AS count
             FROM consent_changes ch JOIN consent_records c ON c.id = ch.consent
             WHERE ch.event = 'withdrawn' AND ch.block_time <= ? GROUP BY ch.block_time, c.recorder) g
       JOIN consent_words d ON d.id = g.recorder`,
    )
    .iterate(untilTime) as IterableIterator<ConsentScorecardCount>;
}
