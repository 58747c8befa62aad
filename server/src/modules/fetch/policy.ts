/**
 * The access policy a data fetch is checked against, held in memory and fed by the indexer: catalog resources
 * (fields in bit order, upstream URL), sharing agreements, grants, consents and who acts for which department.
 *
 * It is a Projection whose state lives only in memory: `fresh` is always true, so the gateway replays the whole
 * indexed history into it when it is built (at every start), and the indexer then applies each new block's events
 * as they are indexed. A fetch therefore never reads SQLite or the chain to decide: every check is a few map
 * lookups against the state as of the latest indexed block. `reset` (a replaced chain) clears it.
 *
 * The decision itself is `decide()` (decide.ts), a pure function of this state and the request.
 *
 * Event arguments are read by the names of the contracts' interfaces (contracts/**\/I*.sol); the indexer gives
 * integers as decimal strings and bytes32 as lowercase hex.
 */
import { z } from "zod";
import { agreementEventOf, applyAgreementEvent, type AgreementState } from "../../../../core/folds/agreements";
import { ConsentBook, type CurrentConsent } from "../../../../core/folds/consents";
import { applyGrantEvent, type GrantState } from "../../../../core/folds/grants";
import type { IndexedEvent, JsonValue } from "../../common/indexed-event";
import type { Projection } from "../feature";
import type { PolicyResource, PolicyState, ResourceField } from "./decide";

const metadataSchema = z.looseObject({
  fields: z
    .array(z.looseObject({ name: z.string(), type: z.string().optional(), personal: z.boolean().optional() }))
    .optional(),
  upstream: z.looseObject({ url: z.string().optional() }).optional(),
});

const str = (v: JsonValue | undefined): string => (typeof v === "string" ? v.toLowerCase() : String(v ?? ""));
const num = (v: JsonValue | undefined): number => Number(v ?? 0);
const obj = (v: JsonValue | undefined): Record<string, JsonValue> =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? v : {};

export class AccessPolicy implements Projection, PolicyState {
  /** Always true: the state is in memory only, so it is rebuilt from the indexed history at every start. */
  readonly fresh = true;
  private readonly resources = new Map<string, PolicyResource>();
  private readonly agreements = new Map<string, AgreementState>();
  private readonly grants = new Map<string, GrantState>();
  /** The current consent of each key (subjectRef|recipient|resource|purpose). */
  private readonly consents = new ConsentBook();
  /** account (lowercase) → department id, from the Consortium's OperatorAdded / OperatorRemoved. */
  private readonly operators = new Map<string, string>();
  private readonly suspended = new Set<string>();
  private latestBlockTime = 0;

  apply(events: readonly IndexedEvent[]): void {
    for (const e of events) {
      if (e.blockTime > this.latestBlockTime) this.latestBlockTime = e.blockTime;
      switch (e.contract) {
        case "Consortium":
          this.applyConsortium(e);
          break;
        case "DataCatalog":
          this.applyCatalog(e);
          break;
        case "SharingAgreements":
          this.applyAgreement(e);
          break;
        case "Grants":
          this.applyGrant(e);
          break;
        case "ConsentRegistry":
          this.consents.apply(e.name, e.args);
          break;
      }
    }
  }

  reset(): void {
    this.resources.clear();
    this.agreements.clear();
    this.grants.clear();
    this.consents.clear();
    this.operators.clear();
    this.suspended.clear();
    this.latestBlockTime = 0;
  }

  /**
   * Unix seconds to judge validity windows by: the wall clock, or the latest indexed block's time when the chain
   * runs ahead of it (a development chain whose time was moved forward), so that the gateway never accepts what
   * the contracts would already consider expired.
   */
  now(wallClockMs = Date.now()): number {
    return Math.max(Math.floor(wallClockMs / 1000), this.latestBlockTime);
  }

  resource(id: string): PolicyResource | undefined {
    return this.resources.get(id.toLowerCase());
  }

  agreement(id: string): AgreementState | undefined {
    return this.agreements.get(id);
  }

  grant(id: string): GrantState | undefined {
    return this.grants.get(id);
  }

  consent(subjectRef: string, recipient: string, resourceId: string, purpose: string): CurrentConsent | undefined {
    return this.consents.current(subjectRef, recipient, resourceId, purpose);
  }

  /** Whether `account` acts for `department` (one of its operator or system accounts on the Consortium). */
  actsFor(account: string, department: string): boolean {
    return this.operators.get(account.toLowerCase()) === department.toLowerCase();
  }

  isSuspended(department: string): boolean {
    return this.suspended.has(department.toLowerCase());
  }

  private applyConsortium(e: IndexedEvent): void {
    const a = e.args;
    switch (e.name) {
      case "OperatorAdded":
        this.operators.set(str(a.account), str(a.departmentId));
        break;
      case "OperatorRemoved":
        if (this.operators.get(str(a.account)) === str(a.departmentId)) this.operators.delete(str(a.account));
        break;
      case "DepartmentSuspended":
        this.suspended.add(str(a.departmentId));
        break;
      case "DepartmentReinstated":
        this.suspended.delete(str(a.departmentId));
        break;
    }
  }

  private applyCatalog(e: IndexedEvent): void {
    const a = e.args;
    const id = str(a.resourceId);
    switch (e.name) {
      case "ResourceRegistered":
      case "ResourceUpdated": {
        const terms = obj(a.terms);
        const metadata = parseMetadata(a.metadata);
        const previous = this.resources.get(id);
        this.resources.set(id, {
          id,
          provider: str(a.provider),
          code: typeof a.code === "string" ? a.code : (previous?.code ?? ""),
          version: e.name === "ResourceRegistered" ? 1 : num(a.version),
          retired: false,
          personal: terms.personal === true,
          fields: metadata.fields,
          upstreamUrl: metadata.upstreamUrl,
        });
        break;
      }
      case "ResourceRetired": {
        const resource = this.resources.get(id);
        if (resource) resource.retired = true;
        break;
      }
    }
  }

  private applyAgreement(e: IndexedEvent): void {
    const event = agreementEventOf(e.name, e.args);
    if (!event) return;
    const next = applyAgreementEvent(this.agreements.get(event.agreementId), event);
    if (next) this.agreements.set(next.id, next);
  }

  private applyGrant(e: IndexedEvent): void {
    const next = applyGrantEvent(this.grants.get(String(e.args.grantId ?? "")), e.name, e.args);
    if (next) this.grants.set(next.id, next);
  }
}

function parseMetadata(raw: JsonValue | undefined): { fields: ResourceField[]; upstreamUrl: string | null } {
  if (typeof raw !== "string") return { fields: [], upstreamUrl: null };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { fields: [], upstreamUrl: null };
  }
  const parsed = metadataSchema.safeParse(json);
  if (!parsed.success) return { fields: [], upstreamUrl: null };
  return {
    fields: (parsed.data.fields ?? []).map((f) => ({ name: f.name, type: f.type ?? "string", personal: !!f.personal })),
    upstreamUrl: parsed.data.upstream?.url ?? null,
  };
}
