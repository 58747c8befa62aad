/**
 * What the chain adapter's indexer hands the projections: shared by `chain/` (which produces it) and `store/` (which
 * folds it into tables), so that neither imports the other.
 */

import type { JsonObject } from "../../../core/json/json-value";

export type { JsonObject, JsonValue } from "../../../core/json/json-value";

/** A contract event as indexed, decoded with the contract's ABI. */
export interface IndexedEvent {
  blockNumber: number;
  logIndex: number;
  txHash: string;
  address: string;
  contract: string;
  /** Event name, or `unknown` for a log the contract's ABI does not describe. */
  name: string;
  /** Arguments by name; integers as decimal strings, bytes as 0x-hex (the `args_json` column, parsed). */
  args: JsonObject;
  /** Block timestamp, seconds since the epoch. */
  blockTime: number;
}
