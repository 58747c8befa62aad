import type { JsonObject } from "../common/indexed-event";

/** Base of every failure the chain adapter reports; `code` is stable and safe to show (no keys, no payloads). */
export abstract class ChainError extends Error {
  abstract readonly code: string;
  override get name(): string {
    return this.constructor.name;
  }
}

/** The JSON-RPC node cannot be reached (refused, timed out, 5xx). Writes stay queued; callers may answer 503. */
export class ChainUnavailableError extends ChainError {
  readonly code = "chain_unavailable";
  constructor(detail: string) {
    super(`the blockchain node is unavailable: ${detail}`);
  }
}

/**
 * The node now serves a different chain than the one the stored state belongs to (a fresh Hardhat node, a new
 * network): different genesis hash or chain id, or a block we recorded is gone. Nothing is sent until an operator
 * adopts the new chain; the old rows are kept.
 */
export class ChainResetError extends ChainError {
  readonly code = "chain_reset";
  constructor(
    readonly reason: "genesis_changed" | "chain_id_changed" | "history_changed",
    readonly storedGenesis: string,
    readonly currentGenesis: string,
  ) {
    super(`the blockchain was reset (${reason}): stored genesis ${storedGenesis}, node genesis ${currentGenesis}`);
  }
}

/** The signing account cannot pay for the transaction's gas. */
export class InsufficientFundsError extends ChainError {
  readonly code = "insufficient_funds";
  constructor(readonly account: string) {
    super(`account ${account} has insufficient funds for gas`);
  }
}

/** The node refused the transaction for a reason that retrying the same transaction will not fix. */
export class TransactionRejectedError extends ChainError {
  readonly code = "transaction_rejected";
  constructor(readonly detail: string) {
    super(`the node rejected the transaction: ${detail}`);
  }
}

/** The contract refused a write: the custom error's name and arguments, decoded with the contracts' ABIs. */
export class TransactionRevertedError extends ChainError {
  readonly code = "transaction_reverted";
  constructor(
    readonly contract: string,
    readonly method: string,
    readonly errorName: string,
    readonly args: JsonObject,
    /** For a revert judged by `block.timestamp`: the chain's clock at the time, said beside the gateway's. */
    clock = "",
  ) {
    super(`${contract}.${method} reverted with ${errorName}${clock}`);
  }
}

/**
 * A write was persisted in the outbox (it will be sent and mined: nothing acknowledged is lost) but was not mined
 * within the wait; `GET /v1/outbox/:id` follows it.
 */
export class WritePendingError extends ChainError {
  readonly code = "write_pending";
  constructor(readonly outboxId: number) {
    super(`the transaction is in the outbox (id ${outboxId}) and will be sent when the chain accepts it`);
  }
}

/** A write reached a final state other than mined (the node refused it for good, or it ran out of gas money). */
export class TransactionFailedError extends ChainError {
  readonly code = "transaction_failed";
  constructor(
    readonly outboxId: number,
    detail: string,
  ) {
    super(`the transaction failed: ${detail}`);
  }
}

/** No signing key is configured for this department. */
export class UnknownSignerError extends ChainError {
  readonly code = "unknown_signer";
  constructor(readonly key: string) {
    super(`no signing key for department "${key}"`);
  }
}

/** No outbox row has this id. */
export class UnknownOutboxRowError extends ChainError {
  readonly code = "unknown_outbox_row";
  constructor(readonly outboxId: number) {
    super(`no outbox row ${outboxId}`);
  }
}

type NodeErrorKind =
  "network" | "nonce_too_low" | "nonce_too_high" | "already_known" | "insufficient_funds" | "reverted" | "rejected";

export interface NodeErrorDescription {
  kind: NodeErrorKind;
  message: string;
  /** Revert data (0x + selector + arguments) when the node returned it. */
  revertData: string | null;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "TIMEOUT",
  "NETWORK_ERROR",
  "SERVER_ERROR",
]);

// Messages of Hardhat, geth and Besu for the same conditions; order matters (Hardhat's "nonce too low" note
// mentions automining, Besu's funds message has no "insufficient").
const MESSAGE_KINDS: ReadonlyArray<[RegExp, NodeErrorKind]> = [
  [/nonce too low|nonce has already been used|nonce_too_low/i, "nonce_too_low"],
  [/nonce too high|nonce too far|nonce_too_far/i, "nonce_too_high"],
  [/already known|known transaction|already imported|already in pool|already_known/i, "already_known"],
  [/insufficient funds|enough funds|upfront cost exceeds|exceeds (the )?balance/i, "insufficient_funds"],
  [/revert|vm exception/i, "reverted"],
  [/socket hang up|fetch failed|econnrefused|econnreset|network error|timeout/i, "network"],
];

/** Classifies an error thrown by a JSON-RPC call (ethers-wrapped or raw) into what the sender should do about it. */
export function describeNodeError(error: unknown): NodeErrorDescription {
  const messages: string[] = [];
  const codes: string[] = [];
  let revertData: string | null = null;
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (value === null || typeof value !== "object" || depth > 5 || seen.has(value)) {
      return;
    }
    seen.add(value);
    const record = value as Record<string, unknown>;
    for (const field of ["shortMessage", "message", "reason"]) {
      if (typeof record[field] === "string") {
        messages.push(record[field]);
      }
    }
    if (typeof record.code === "string") {
      codes.push(record.code);
    }
    if (revertData === null && typeof record.data === "string" && /^0x[0-9a-fA-F]{8}/.test(record.data)) {
      revertData = record.data;
    }
    for (const field of ["error", "info", "data", "cause", "payload"]) {
      visit(record[field], depth + 1);
    }
  };
  visit(error, 0);
  if (error instanceof Error && messages.length === 0) {
    messages.push(error.message);
  }
  const message = messages.find((m) => !/could not coalesce/i.test(m)) ?? messages[0] ?? String(error);
  const allText = messages.join(" | ");
  if (codes.some((code) => NETWORK_CODES.has(code))) {
    return { kind: "network", message, revertData: null };
  }
  if (codes.includes("CALL_EXCEPTION") && revertData !== null) {
    return { kind: "reverted", message, revertData };
  }
  for (const [pattern, kind] of MESSAGE_KINDS) {
    if (pattern.test(allText)) {
      return { kind, message: messages.find((m) => pattern.test(m)) ?? message, revertData };
    }
  }
  if (codes.includes("CALL_EXCEPTION")) {
    return { kind: "reverted", message, revertData };
  }
  return { kind: "rejected", message, revertData };
}

/** True when the error means the node could not be reached (the call may be retried as is). */
export function isNetworkError(error: unknown): boolean {
  return error instanceof ChainUnavailableError || describeNodeError(error).kind === "network";
}

/** The sender was stopped before the row reached a final state (it stays in the outbox for the next start). */
export class SenderStoppedError extends ChainError {
  readonly code = "sender_stopped";
  constructor() {
    super("the transaction sender stopped before the transaction was final; it stays in the outbox");
  }
}

/** The indexer did not reach a block in time (node down or far behind); reads cannot promise that block yet. */
export class IndexerBehindError extends ChainError {
  readonly code = "indexer_behind";
  constructor(
    readonly wantedBlock: number,
    readonly indexedBlock: number,
  ) {
    super(`the event index is at block ${indexedBlock}, not yet at ${wantedBlock}`);
  }
}
