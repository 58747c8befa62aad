import type { PublishedYears, YearWords } from "../../../core/calendar/working-days";
import type { IndexedEvent } from "../common/indexed-event";
import type { Db } from "../common/db";
import { migrate } from "../common/db";

/**
 * The council's working-day calendar as the indexer has seen it (`WorkingCalendarPublished` events): each published
 * year's two words, the last publication of a year winning, so that the gateway counts working days as the contract
 * does without a call per agreement.
 */
export class CalendarStore {
  /** True when the table was created now and the indexed history must be replayed into it. */
  readonly fresh: boolean;
  private cached: PublishedYears | null = null;

  constructor(private readonly db: Db) {
    this.fresh =
      migrate(db, "calendar", [
        `CREATE TABLE calendar_years (year INTEGER PRIMARY KEY, first_word TEXT NOT NULL, second_word TEXT NOT NULL)`,
      ]) > 0;
  }

  /** Applies WorkingCalendar events; runs inside the indexer's transaction. */
  apply(events: readonly IndexedEvent[]): void {
    for (const e of events) {
      if (e.contract !== "WorkingCalendar" || e.name !== "WorkingCalendarPublished") continue;
      this.db
        .prepare(`INSERT OR REPLACE INTO calendar_years VALUES (?, ?, ?)`)
        .run(Number(e.args.year), String(e.args.firstWord), String(e.args.secondWord));
      this.cached = null;
    }
  }

  reset(): void {
    this.db.exec(`DELETE FROM calendar_years`);
    this.cached = null;
  }

  /** The published years, for core/calendar's arithmetic. */
  published(): PublishedYears {
    if (this.cached === null) {
      const rows = this.db.prepare(`SELECT * FROM calendar_years`).all() as {
        year: number;
        first_word: string;
        second_word: string;
      }[];
      this.cached = new Map<number, YearWords>(
        rows.map((r) => [r.year, { firstWord: BigInt(r.first_word), secondWord: BigInt(r.second_word) }]),
      );
    }
    return this.cached;
  }
}
