import type { IndexedEvent, JsonObject } from "../common/indexed-event";

/** The columns that `agreement_events` and `grant_events` share, as SQLite returns them. */
export interface RawPolicyEvent {
  block_number: number;
  log_index: number;
  tx_hash: string;
  block_time: number;
  name: string;
  actor: string | null;
  by_council: number;
  args_json: string;
}

/** One policy event (of an agreement or a grant) in chain order, as the API shows it. */
export interface PolicyEventFields {
  name: string;
  blockNumber: number;
  logIndex: number;
  blockTime: number;
  txHash: string;
  actor: string | null;
  byCouncil: boolean;
  args: JsonObject;
}

export function policyEventFields(r: RawPolicyEvent): PolicyEventFields {
  return {
    name: r.name,
    blockNumber: r.block_number,
    logIndex: r.log_index,
    blockTime: r.block_time,
    txHash: r.tx_hash,
    actor: r.actor,
    byCouncil: r.by_council === 1,
    args: JSON.parse(r.args_json) as JsonObject,
  };
}

const ZERO = `0x${"0".repeat(64)}`;

/**
 * The values of an `agreement_events` or `grant_events` row, in column order, for an indexed event of `id` by
 * `actor` (the zero id, an automatic step's, is stored as null).
 */
export function policyEventRow(
  e: IndexedEvent,
  id: number,
  actor: string | null,
  byCouncil: boolean,
): [number, number, string, number, number, string, string | null, number, string] {
  const actorOrNull = actor === ZERO ? null : actor;
  return [
    e.blockNumber,
    e.logIndex,
    e.txHash,
    e.blockTime,
    id,
    e.name,
    actorOrNull,
    byCouncil ? 1 : 0,
    JSON.stringify(e.args),
  ];
}

/**
 * The row id of an agreement or a grant (a contract's counter) from its id as the API or a fold writes it: a decimal
 * string in canonical form or a number; undefined for anything else ("09", "1e3", past 2^53), which no row has.
 */
export function counterId(id: number | string): number | undefined {
  const n = Number(id);
  return Number.isSafeInteger(n) && String(n) === String(id) ? n : undefined;
}
