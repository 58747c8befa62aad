/**
 * Each receipt's prevHash must be the leaf of its department's previous receipt (zero for the first), checked as the
 * receipts stream by. A file in each department's order (as the gateway writes it) needs only each department's last
 * leaf; a receipt that comes before its predecessor waits for it; one whose predecessor came earlier but not just
 * before is left for a second reading of the file (`deferred`), so memory follows the disorder, not the file's size.
 * The first receipt after a loss its department declared on chain may have a zero prevHash instead (`restart`).
 */
import { ZeroHash } from "ethers";
import type { Receipt } from "../../../core/receipt";
import type { Violation } from "../rules";

/** A violation with the place in the file of the receipt it is about, to report in file order. */
export interface Placed {
  order: number;
  violation: Violation;
  /**
   * Set on a link broken by a zero prevHash: the receipt may begin a new hash chain after a loss its department
   * declared on chain, which only the anchored history (read later) can tell.
   */
  restart?: { department: string; sequence: number };
}

interface Link {
  receipt: Receipt;
  order: number;
}

export const sequenceKey = (department: string, sequence: number) => `${department.toLowerCase()}#${sequence}`;

export class ChainLinks {
  private readonly last = new Map<string, { sequence: number; leaf: string }>();
  /** Receipts whose predecessor has not come yet, by the predecessor's key. */
  private readonly awaiting = new Map<string, Link>();
  /** Receipts whose predecessor came earlier, not just before, by the predecessor's key. */
  readonly deferred = new Map<string, Link[]>();
  readonly violations: Placed[] = [];

  /** The leaf of the department's receipt `sequence`, if it is the last one seen of that department. */
  lastLeaf(department: string, sequence: number): string | undefined {
    const last = this.last.get(department.toLowerCase());
    return last?.sequence === sequence ? last.leaf : undefined;
  }

  /** Checks the links of a receipt seen for the first time; `seenBefore` says whether a number was seen already. */
  see(receipt: Receipt, leaf: string, order: number, seenBefore: (sequence: number) => boolean): void {
    const department = receipt.department.toLowerCase();
    const key = sequenceKey(department, receipt.sequence);
    const next = this.awaiting.get(key);
    if (next) {
      this.awaiting.delete(key);
      this.check(next, leaf);
    }
    const link = { receipt, order };
    if (receipt.sequence === 1) this.check(link, ZeroHash);
    else if (this.last.get(department)?.sequence === receipt.sequence - 1)
      this.check(link, this.last.get(department)!.leaf);
    else {
      const previous = sequenceKey(department, receipt.sequence - 1);
      if (seenBefore(receipt.sequence - 1)) this.deferred.set(previous, [...(this.deferred.get(previous) ?? []), link]);
      else this.awaiting.set(previous, link);
    }
    this.last.set(department, { sequence: receipt.sequence, leaf });
  }

  /** Checks the deferred links against the leaves the second reading found, by key. */
  resolve(leaves: ReadonlyMap<string, string>): void {
    for (const [key, links] of this.deferred) for (const link of links) this.check(link, leaves.get(key)!);
    this.deferred.clear();
  }

  private check({ receipt, order }: Link, expected: string): void {
    if (receipt.prevHash.toLowerCase() === expected) return;
    this.violations.push({
      order,
      ...(receipt.prevHash === ZeroHash && receipt.sequence > 1
        ? { restart: { department: receipt.department.toLowerCase(), sequence: receipt.sequence } }
        : {}),
      violation: {
        rule: "prev_hash_mismatch",
        receiptId: receipt.id,
        detail:
          receipt.sequence === 1
            ? `the department's first receipt must have a zero prevHash, not ${receipt.prevHash}`
            : `prevHash ${receipt.prevHash} is not the leaf ${expected} of receipt ${receipt.sequence - 1}`,
      },
    });
  }
}
