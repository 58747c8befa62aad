import type { JsonObject } from "../common/indexed-event";

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
