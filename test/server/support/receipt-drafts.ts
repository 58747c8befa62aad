import { ethers, ZeroHash } from "ethers";
import type { ReceiptDraft } from "../../../server/src/modules/receipts/recorder";

/** The department the receipt-store tests write for (both requester and provider). */
export const DRAFT_DEPARTMENT = ethers.id("department");

/** A denied fetch's receipt before it is numbered: the smallest valid one, for the receipt store's own tests. */
export function deniedDraft(
  reason = "consent_missing",
  fieldMask = "0x0",
  department: string = DRAFT_DEPARTMENT,
): ReceiptDraft {
  return {
    time: 1_700_000_000,
    department,
    account: "0x" + "11".repeat(20),
    grantId: "1",
    agreementId: "1",
    consentId: ZeroHash,
    provider: department,
    resourceId: ethers.id("resource"),
    resourceVersion: 1,
    fieldMask,
    subjectRef: ZeroHash,
    purpose: ethers.encodeBytes32String("purpose"),
    result: "denied",
    reason,
    requestHash: ZeroHash,
    responseHash: ZeroHash,
  };
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

/** An AccessLedger `BatchAnchored` event as the indexer hands it to the receipt store. */
export function anchoredEvent(department: string, batchSequence: number, root: string, block: number) {
  return {
    contract: "AccessLedger",
    name: "BatchAnchored",
    args: { departmentId: department, batchSequence: BigInt(batchSequence), root },
    txHash: ethers.id(`anchor ${department} ${batchSequence} ${root}`),
    blockNumber: block,
  };
}
