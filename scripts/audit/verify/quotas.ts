/**
 * Whether each delivery kept within its grant's and its agreement's quota: the delivered receipts given, in time
 * order, counted per calendar window of the consortium's time zone as the gateway counts them (core/folds/
 * quota-usage). A grant's calls are those of receipts naming the grant; an agreement's are those of every receipt
 * naming the agreement, whichever consumer's gateway wrote it (a gateway counts only the fetches it mediates, so
 * co-consumers on different gateways can together exceed the agreement's quota: the auditor reports it).
 */
import { QuotaUsage, QuotaWindows } from "../../../core/folds/quota-usage";
import type { Quota } from "../../../core/folds/agreements";
import type { Receipt } from "../../../core/receipt";
import type { Violation } from "../rules";
import type { ChainRecords } from "./allowed";

export function checkQuotas(delivered: readonly Receipt[], records: ChainRecords): Violation[] {
  const usage = new QuotaUsage();
  const violations: Violation[] = [];
  const inOrder = [...delivered].sort(
    (a, b) => a.time - b.time || a.department.localeCompare(b.department) || a.sequence - b.sequence,
  );
  for (const r of inOrder) {
    for (const [holder, quota] of holdersOf(r, records)) {
      if (!quota) continue;
      const count = usage.count(holder, quota, r.time);
      if (!count?.over) continue;
      violations.push({
        rule: "quota_exceeded",
        receiptId: r.id,
        detail: `delivery ${count.used} on ${holder} in the ${quota.per} ${count.window} (China Standard Time), over its quota of ${quota.calls} per ${quota.per}`,
      });
    }
  }
  return violations;
}

/** The quota holders of a delivery: its grant and its agreement, each with its quota if it has one. */
function holdersOf(r: Receipt, records: ChainRecords): [string, Quota | undefined][] {
  return [
    [`grant ${r.grantId}`, records.grants.get(r.grantId)?.quota],
    [`agreement ${r.agreementId}`, records.agreements.get(r.agreementId)?.quota],
  ];
}

/**
 * Deliveries counted per quota holder and window in whatever order they come (a count does not depend on order),
 * for an auditor that streams receipts: only the deliveries of a window over its quota need the ordered check
 * (`checkQuotas`), which names the deliveries past the quota, so only those are read again and kept.
 */
export class QuotaTally {
  private readonly windows = new QuotaWindows();
  private readonly counts = new Map<string, number>();
  private readonly over = new Set<string>();

  add(r: Receipt, records: ChainRecords): void {
    for (const { key, calls } of this.windowsOf(r, records)) {
      const used = (this.counts.get(key) ?? 0) + 1;
      this.counts.set(key, used);
      if (used > calls) this.over.add(key);
    }
  }

  get anyOver(): boolean {
    return this.over.size > 0;
  }

  /** Whether the delivery falls in a window that went over its grant's or its agreement's quota. */
  inWindowOver(r: Receipt, records: ChainRecords): boolean {
    return this.windowsOf(r, records).some((w) => this.over.has(w.key));
  }

  private windowsOf(r: Receipt, records: ChainRecords): { key: string; calls: number }[] {
    const out: { key: string; calls: number }[] = [];
    for (const [holder, quota] of holdersOf(r, records)) {
      if (!quota || quota.per === "none" || quota.calls <= 0) continue;
      out.push({ key: `${holder} ${this.windows.key(r.time, quota.per)}`, calls: quota.calls });
    }
    return out;
  }
}
