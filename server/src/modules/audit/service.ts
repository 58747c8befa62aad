import {
  COUNTED_EVENTS,
  SCORECARD_CONTRACTS,
  ScorecardFold,
  type ScorecardContract,
  type ScorecardReceipt,
  type ScorecardResult,
} from "../../../../core/audit/scorecard";
import type { Db } from "../../common/db";
import { countIndexedEventsUntil, iterateIndexedEventsUntil } from "../../chain/event-log";
import { consentScorecardCounts } from "../../store/consent-scorecard";
import type { ReceiptCursor, ReceiptStore } from "../../store/receipts";
import { startOfDay } from "./schemas";

const DAY = 24 * 3600;
/** Counted, not folded one by one: a row a block and consumer, not a parsed payload a grant. */
const GRANT_ISSUED = "Grants.GrantIssued";
/** Receipts are read a page at a time, so that a period of ten million holds one page. */
const RECEIPT_PAGE = 1000;

export interface ScorecardQuery {
  from?: string;
  to?: string;
}

/**
 * The supervision scorecard over a period, from this gateway's index of the chain: the auditor's own computation
 * (core/audit/scorecard.ts) handed the indexed events, so that the figures are the ones `npm run audit -- report`
 * prints for the same period. Deliveries and denials come from the receipts this gateway wrote. Events and receipts
 * stream through the fold one at a time, consents and grants counted by block time and department: the memory a
 * request takes does not grow with them.
 */
export class ScorecardService {
  constructor(
    private readonly db: Db,
    private readonly receipts: ReceiptStore,
    private readonly servedDepartmentIds: () => string[],
    private readonly indexed: () => { block: number; time: number },
  ) {}

  scorecard(query: ScorecardQuery) {
    const head = this.indexed();
    const from = query.from === undefined ? null : startOfDay(query.from);
    const to = Math.min(query.to === undefined ? head.time : startOfDay(query.to) + DAY - 1, head.time);
    const fold = new ScorecardFold({ from: from ?? 0, to }, { withdrawalsNameRecorder: true });
    for (const e of iterateIndexedEventsUntil(this.db, SCORECARD_CONTRACTS, to, [GRANT_ISSUED]))
      fold.add({ contract: e.contract as ScorecardContract, name: e.name, args: e.args, time: e.blockTime });
    const by = COUNTED_EVENTS[GRANT_ISSUED];
    for (const g of countIndexedEventsUntil(this.db, "Grants", "GrantIssued", by, to))
      fold.add({ contract: "Grants", name: "GrantIssued", args: { [by]: g.value }, time: g.time, count: g.count });
    for (const c of consentScorecardCounts(this.db, to))
      fold.add({
        contract: "ConsentRegistry",
        name: c.name,
        args: { recorder: c.recorder },
        time: c.time,
        count: c.count,
      });

    const served = new Set(this.servedDepartmentIds().map((id) => id.toLowerCase()));
    for (const r of this.receiptsUntil(from ?? 0, to)) if (served.has(r.department.toLowerCase())) fold.addReceipt(r);

    const result = fold.result();
    return {
      from,
      to,
      block: head.block,
      receiptsFrom: [...served],
      receiptsCounted: result.receiptsCounted,
      ...rankedCards(result),
    };
  }

  /** The receipts of every department from `since` to `until` (unix seconds), a page at a time in time order. */
  private *receiptsUntil(since: number, until: number): Generator<ScorecardReceipt> {
    let after: ReceiptCursor | undefined;
    for (;;) {
      const page = this.receipts.list({ visibleTo: null, since, after, limit: RECEIPT_PAGE });
      for (const { receipt } of page) {
        if (receipt.time > until) return;
        yield receipt;
      }
      const last = page.at(-1)?.receipt;
      if (page.length < RECEIPT_PAGE || last === undefined) return;
      after = { time: last.time, department: last.department, sequence: last.sequence };
    }
  }
}

/** The departments' cards and the overdue requests as the route answers them (the console's scorecard page reads these). */
export function rankedCards(result: ScorecardResult) {
  return {
    departments: result.cards.map(({ department, replySeconds: _, ...card }, i) => ({
      rank: i + 1,
      id: department.id,
      code: department.code,
      name: department.name,
      ...card,
    })),
    overdue: result.overdue.map(({ reply, ...o }) => ({
      ...o,
      deadline: reply.deadline,
      escalated: reply.escalation !== undefined,
    })),
  };
}
