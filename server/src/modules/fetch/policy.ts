/**
 * The access policy a data fetch is checked against: what `decide()` (decide.ts, pure) reads, as of the latest
 * indexed block. Operators and suspensions come from the persisted policy projection (store/access-policy.ts),
 * resources, agreements and grants from their own projections (store/catalog.ts, store/agreements.ts,
 * store/grants.ts, the ones their APIs list), consents from the consent store's current consent of each key; all are
 * applied inside the indexer's page transaction, so a restart reuses them and never replays the history.
 *
 * Memory stays bounded whatever the number of consents: a consent is read from SQLite at the time of each fetch
 * (one indexed lookup), and only resources, agreements, grants, operator accounts and suspensions, which a gateway has
 * few of and reads on every fetch, are kept in small LRU caches, from which each indexed page drops the entries it
 * changed; the latest block time is kept until the next page. Every page is applied in one synchronous transaction,
 * so no fetch reads between a change and the drop.
 */
import type { AgreementState } from "../../../../core/folds/agreements";
import type { CurrentConsent } from "../../../../core/folds/consents";
import type { GrantState } from "../../../../core/folds/grants";
import type { PolicyChanges, PolicyStore } from "../../store/access-policy";
import type { CatalogResource } from "../../store/catalog";
import type { PolicyResource, PolicyState } from "./decide";

/** Entries of each kind kept in memory: enough for every grant a busy gateway serves at once. */
const CACHE_ENTRIES = 4_096;

/** What the policy needs of the catalog's projection: a resource as the catalog lists it, or null. */
export interface ResourceReader {
  get(id: string): CatalogResource | null;
}

/** What the policy needs of a projection of agreements or grants: one's state as the core's fold leaves it. */
export interface StateReader<S> {
  state(id: string): S | undefined;
}

/** The consent store's answer the policy needs: the current consent of a key, read when a fetch is decided. */
export interface ConsentReader {
  currentOfKey(subjectRef: string, recipient: string, resourceId: string, purpose: string): CurrentConsent | undefined;
}

/** A least-recently-used map of at most `limit` entries (a Map keeps insertion order; a hit re-inserts). */
class Lru<V> {
  private readonly entries = new Map<string, V | undefined>();

  constructor(private readonly limit: number) {}

  get(key: string, load: (key: string) => V | undefined): V | undefined {
    if (this.entries.has(key)) {
      const value = this.entries.get(key);
      this.entries.delete(key);
      this.entries.set(key, value);
      return value;
    }
    const value = load(key);
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }

  drop(keys: Iterable<string>): void {
    for (const key of keys) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

export class AccessPolicy implements PolicyState {
  private readonly resources = new Lru<PolicyResource>(CACHE_ENTRIES);
  private readonly agreements = new Lru<AgreementState>(CACHE_ENTRIES);
  private readonly grants = new Lru<GrantState>(CACHE_ENTRIES);
  /** Department (lower case) of an operator account; undefined for an account that acts for none. */
  private readonly operators = new Lru<string>(CACHE_ENTRIES);
  private readonly suspended = new Lru<boolean>(CACHE_ENTRIES);
  private latestBlockTime: number | undefined;

  constructor(
    private readonly store: PolicyStore,
    private readonly resourceStore: ResourceReader,
    private readonly agreementStore: StateReader<AgreementState>,
    private readonly grantStore: StateReader<GrantState>,
    private readonly consents: ConsentReader,
  ) {
    store.onChange((changes) => this.forget(changes));
  }

  /**
   * Unix seconds to judge validity windows by: the wall clock, or the latest indexed block's time when the chain
   * runs ahead of it (a development chain whose time was moved forward), so that the gateway never accepts what
   * the contracts would already consider expired.
   */
  now(wallClockMs = Date.now()): number {
    this.latestBlockTime ??= this.store.latestBlockTime();
    return Math.max(Math.floor(wallClockMs / 1000), this.latestBlockTime);
  }

  resource(id: string): PolicyResource | undefined {
    return this.resources.get(id.toLowerCase(), (key) => {
      const r = this.resourceStore.get(key);
      if (r === null) return undefined;
      const { resourceId, provider, code, version, status, personal, fields } = r;
      return { id: resourceId, provider, code, version, retired: status === "retired", personal, fields };
    });
  }

  agreement(id: string): AgreementState | undefined {
    return this.agreements.get(id, (key) => this.agreementStore.state(key));
  }

  grant(id: string): GrantState | undefined {
    return this.grants.get(id, (key) => this.grantStore.state(key));
  }

  consent(subjectRef: string, recipient: string, resourceId: string, purpose: string): CurrentConsent | undefined {
    return this.consents.currentOfKey(subjectRef, recipient, resourceId, purpose);
  }

  /** Whether `account` acts for `department` (one of its operator or system accounts on the Consortium). */
  actsFor(account: string, department: string): boolean {
    return (
      this.operators.get(account.toLowerCase(), (key) => this.store.departmentOf(key)) === department.toLowerCase()
    );
  }

  isSuspended(department: string): boolean {
    return this.suspended.get(department.toLowerCase(), (key) => this.store.isSuspended(key)) === true;
  }

  private forget(changes: PolicyChanges | null): void {
    this.latestBlockTime = undefined;
    if (changes === null) {
      this.resources.clear();
      this.agreements.clear();
      this.grants.clear();
      this.operators.clear();
      this.suspended.clear();
      return;
    }
    this.resources.drop(changes.resources);
    this.agreements.drop(changes.agreements);
    this.grants.drop(changes.grants);
    this.operators.drop(changes.operators);
    this.suspended.drop(changes.departments);
  }
}
