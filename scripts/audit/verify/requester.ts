/**
 * The department that asked for the data a receipt records. A consumer receipt (and every receipt before
 * federation) is held by the requester itself; a provider receipt is held by the provider, and its requester is the
 * consumer of the signed request it keeps (docs/FEDERATION.md §1), bound to the anchored `requestHash` by the
 * request digest, which `audit exchange` checks.
 */
import type { Receipt } from "../../../core/receipt";
import { isBytes32Hex } from "../../../core/crypto/hex";
import type { ReceiptEntry } from "../receipts-file";

export function requesterOf(entry: ReceiptEntry, receipt: Receipt): string {
  if (entry.role !== "provider" || receipt.department.toLowerCase() !== receipt.provider.toLowerCase())
    return receipt.department;
  const exchange = entry.exchange as { request?: { consumer?: unknown } } | undefined;
  // ExchangeRequestSchema's consumer (0x and 64 hex digits), without zod's call for every provider receipt.
  const consumer = exchange?.request?.consumer;
  return isBytes32Hex(consumer) ? consumer : receipt.department;
}
