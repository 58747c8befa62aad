import type { Db } from "../common/db";

/** A ConsentRecorded or ConsentWithdrawn as the scorecard reads it, with its place in the chain. */
export interface ConsentScorecardEvent {
  blockNumber: number;
  logIndex: number;
  name: "ConsentRecorded" | "ConsentWithdrawn";
  time: number;
  consentId: string;
  /** The recording department (ConsentRecorded only). */
  recorder: string | null;
}

const hexOf = (column: string) => `'0x' || lower(hex(${column}))`;

/**
 * The consents recorded and withdrawn up to a block time, read from the consent store's compact tables (the indexer
 * keeps no copy of these events: chain/adapter.ts), for the supervision scorecard.
 */
export function consentScorecardEvents(db: Db, untilTime: number): ConsentScorecardEvent[] {
  const recorded = db
    .prepare(
      `SELECT c.recorded_block AS blockNumber, c.recorded_log AS logIndex, 'ConsentRecorded' AS name,
         c.recorded_at AS time, ${hexOf("c.consent_id")} AS consentId, ${hexOf("d.word")} AS recorder
       FROM consent_records c JOIN consent_words d ON d.id = c.recorder WHERE c.recorded_at <= ?`,
    )
    .all(untilTime) as ConsentScorecardEvent[];
  const withdrawn = db
    .prepare(
      `SELECT ch.block_number AS blockNumber, ch.log_index AS logIndex, 'ConsentWithdrawn' AS name,
         ch.block_time AS time, ${hexOf("c.consent_id")} AS consentId, NULL AS recorder
       FROM consent_changes ch JOIN consent_records c ON c.id = ch.consent
       WHERE ch.event = 'withdrawn' AND ch.block_time <= ?`,
    )
    .all(untilTime) as ConsentScorecardEvent[];
  return [...recorded, ...withdrawn];
}
