import {
  SCORECARD_CONTRACTS,
  computeScorecards,
  type ScorecardContract,
  type ScorecardEvent,
} from "../../../../core/audit/scorecard";
import type { Db } from "../../common/db";
import { indexedEventsUntil } from "../../chain/event-log";
import { consentScorecardEvents } from "../../store/consent-scorecard";
import type { ReceiptStore } from "../../store/receipts";
import { startOfDay } from "./schemas";

const DAY = 24 * 3600;

export interface ScorecardQuery {
  from?: string;
  to?: string;
}

interface Ordered {
  blockNumber: number;
  logIndex: number;
  event: ScorecardEvent;
}

/**
 * The supervision scorecard over a period, from this gateway's index of the chain: the auditor's own computation
 * (core/audit/scorecard.ts) handed the indexed events, so that the figures are the ones `npm run audit -- report`
 * prints for the same period. Deliveries and denials come from the receipts this gateway wrote.
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
    const ordered: Ordered[] = indexedEventsUntil(this.db, SCORECARD_CONTRACTS, to).map((e) => ({
      blockNumber: e.blockNumber,
      logIndex: e.logIndex,
      event: { contract: e.contract as ScorecardContract, name: e.name, args: e.args, time: e.blockTime },
    }));
    for (const c of consentScorecardEvents(this.db, to)) {
      const args = c.recorder === null ? { consentId: c.consentId } : { consentId: c.consentId, recorder: c.recorder };
      ordered.push({ ...c, event: { contract: "ConsentRegistry", name: c.name, args, time: c.time } });
    }
    ordered.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);

    const served = new Set(this.servedDepartmentIds().map((id) => id.toLowerCase()));
    const receipts = this.receipts
      .list({ visibleTo: null, since: from ?? 0, limit: Number.MAX_SAFE_INTEGER })
      .map((r) => r.receipt)
      .filter((r) => served.has(r.department.toLowerCase()) && r.time <= to);

    const result = computeScorecards(
      ordered.map((o) => o.event),
      { from: from ?? 0, to },
      receipts,
    );
    return {
      from,
      to,
      block: head.block,
      receiptsFrom: [...served],
      receiptsCounted: result.receiptsCounted,
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
}
