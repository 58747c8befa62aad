import { exchangeDomain } from "../../../../core/exchange";
import { RULES } from "../../../../core/audit/rules";
import { parseReceiptEntries } from "../../../../core/audit/receipt-entries";
import { judgeExchanges, readExchangeSide } from "../../../../core/audit/exchange/check";
import { ExchangeCrypto, type ExchangeReceipt, type OperatorTimeline } from "../../../../core/audit/exchange/envelope";
import { applyOperatorEvent, OPERATOR_EVENTS } from "../../../../core/folds/operators";
import type { Violation } from "../../../../core/audit/rules";
import type { Db } from "../../common/db";
import type { IndexedEvent } from "../../common/indexed-event";
import { indexedEventsUntil } from "../../chain/event-log";
import type { ExchangeCheckBody } from "./schemas";

/** The operator accounts of each department over time, from the indexed Consortium events. */
class IndexedOperators implements OperatorTimeline {
  private readonly byDepartment = new Map<string, IndexedEvent[]>();

  constructor(events: readonly IndexedEvent[]) {
    for (const e of events) {
      if (!OPERATOR_EVENTS.includes(e.name)) continue;
      const department = String(e.args.departmentId).toLowerCase();
      this.byDepartment.set(department, [...(this.byDepartment.get(department) ?? []), e]);
    }
  }

  wasOperatorAt(department: string, account: string, time: number): boolean {
    let operators: ReadonlySet<string> = new Set();
    for (const e of this.byDepartment.get(department.toLowerCase()) ?? []) {
      if (e.blockTime > time) break;
      operators = applyOperatorEvent(operators, e.name, String(e.args.account));
    }
    return operators.has(account.toLowerCase());
  }
}

/**
 * The exchange check of `npm run audit -- exchange` over two uploaded receipt files (core/audit/exchange): each
 * federated receipt against its own signed messages and the pairs judged by the rules of docs/FEDERATION.md §4, with
 * the operators of each department from this gateway's index. What the command adds — each receipt's Merkle proof and
 * anchoring, gaps, and the lawfulness of each delivery — needs the receipts' batches on chain: run it for those.
 */
export class ExchangeCheckService {
  constructor(
    private readonly db: Db,
    private readonly chainId: number,
    private readonly consortium: string,
    private readonly departmentName: (id: string) => string | null,
  ) {}

  check(body: ExchangeCheckBody) {
    const crypto = new ExchangeCrypto(exchangeDomain(this.chainId, this.consortium));
    const violations: Violation[] = [];
    const read = (side: "consumer" | "provider") => {
      const entries = body[side].map((entry, i) => ({ ...entry, position: `entry ${i + 1}` }));
      const parsed = parseReceiptEntries(entries);
      violations.push(...parsed.violations.map((v) => ({ ...v, detail: `${body[`${side}File`]}: ${v.detail}` })));
      return { ...readExchangeSide(parsed.parsed, crypto, violations), malformed: parsed.malformed };
    };
    const consumer = read("consumer");
    const provider = read("provider");
    const operators = new IndexedOperators(indexedEventsUntil(this.db, ["Consortium"], Number.MAX_SAFE_INTEGER));
    const judged = judgeExchanges(consumer, provider, operators, (x) => this.receiptName(x), crypto);
    violations.push(...judged.violations);
    const ref = (x: ExchangeReceipt | undefined) => {
      if (!x) return null;
      const r = x.checked.receipt;
      return { id: r.id, department: r.department, sequence: r.sequence, result: r.result, reason: r.reason };
    };
    const side = (s: typeof consumer) => ({
      receipts: s.receipts,
      malformed: s.malformed,
      preFederation: s.preFederation,
    });
    return {
      verdict: violations.length === 0 ? ("pass" as const) : ("fail" as const),
      consumer: side(consumer),
      provider: side(provider),
      outsideThePair: judged.outside,
      exchanges: judged.outcomes.map((o) => ({
        requestId: o.requestId,
        verdict: o.verdict,
        consumer: ref(o.consumer),
        provider: ref(o.provider),
        violations: [...new Set(o.violations.map((v) => v.rule))],
      })),
      violations: violations.map((v) => ({ ...v, meaning: RULES[v.rule] })),
    };
  }

  private receiptName(x: ExchangeReceipt): string {
    const r = x.checked.receipt;
    return `${x.role} receipt ${this.departmentName(r.department) ?? r.department} #${r.sequence} (${r.id})`;
  }
}
