/**
 * Whether each delivery kept within its grant's and its agreement's quota: the delivered receipts given, in time
 * order, counted per calendar window of the consortium's time zone as the gateway counts them (core/folds/
 * quota-usage). A grant's calls are those of receipts naming the grant; an agreement's are those of every receipt
 * naming the agreement, whichever consumer's gateway wrote it (a gateway counts only the fetches it mediates, so
 * co-consumers on different gateways can together exceed the agreement's quota: the auditor reports it).
 */
import { QuotaUsage } from "../../../core/folds/quota-usage";
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
    const grant = records.grants.get(r.grantId);
    const agreement = records.agreements.get(r.agreementId);
    const holders: [string, Quota | undefined][] = [
      [`grant ${r.grantId}`, grant?.quota],
      [`agreement ${r.agreementId}`, agreement?.quota],
    ];
    for (const [holder, quota] of holders) {
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
