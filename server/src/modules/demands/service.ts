import { canonicalJson } from "../../../../core/json/canonical-json";
import { demandOverdue, type DemandState } from "../../../../core/folds/demands";
import { cstDateOf, workingDaysLeftIfPublished, type PublishedYears } from "../../../../core/calendar/working-days";
import { isoTime } from "../../common/time";
import { recordHistory } from "../../common/record-history";
import { validationError } from "../../common/errors";
import type { KuajieChain, WriteResult } from "../../chain/adapter";
import type { DemandStore } from "../../store/demands";
import type { CatalogLookup } from "../catalog/service";
import { NotProviderError, ResourceNotFoundError, ResourceRetiredError } from "../catalog/errors";
import type { CouncilService } from "../council/service";
import { departmentRef, type DepartmentService } from "../departments/service";
import { DemandNotFoundError, DemandStatusError, NotResponsibleError } from "./errors";
import type { AssignResponsibility, DemandListQuery, PublishDemand } from "./schemas";

type Caller = { key: string; id: string };

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

function parsedObject(json: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * The demand list and the responsibility list: a department publishes a demand (its canonical JSON goes on chain in
 * the event); a provider answers it with a resource it provides; the council assigns the responsibility (a council
 * proposal) with a due date in working days; the responsible department fulfils it with a resource it provides.
 * Reads from the DemandStore projection. The projection answers 404, 403 and 409 before the chain is asked; the
 * contract remains the final guard (its refusals come back as 422 `contract_revert`).
 */
export class DemandService {
  constructor(
    private readonly store: DemandStore,
    private readonly catalog: CatalogLookup,
    private readonly chain: KuajieChain,
    private readonly departments: DepartmentService,
    private readonly council: CouncilService,
    private readonly calendar: { published(): PublishedYears },
  ) {}

  require(demandId: number, where = "params.id"): DemandState {
    const demand = this.store.get(demandId);
    if (!demand) throw new DemandNotFoundError(demandId, where);
    return demand;
  }

  async publish(caller: Caller, body: PublishDemand) {
    const result = await this.chain.write(caller.key, "DemandRegistry", "publish", [canonicalJson(body)]);
    const event = result.events.find((e) => e.name === "DemandPublished");
    return this.written(Number(event?.args.demandId ?? 0), result);
  }

  async answer(caller: Caller, demandId: number, resourceId: string) {
    const demand = this.require(demandId);
    if (demand.status !== "open") {
      throw new DemandStatusError(demandId, demand.status, "only an open demand can be answered");
    }
    this.requireOwnResource(caller, resourceId, "answer a demand with this resource");
    const result = await this.chain.write(caller.key, "DemandRegistry", "answer", [demandId, resourceId]);
    return this.written(demandId, result);
  }

  /** A council proposal assigning the demand; with a single seat (or at the quorum) it executes at once. */
  async assign(caller: Caller, body: AssignResponsibility) {
    this.council.requireCouncilMember(caller.key);
    const demand = this.require(body.demandId, "body.demandId");
    if (demand.status !== "open" && demand.status !== "assigned") {
      throw new DemandStatusError(body.demandId, demand.status, "only an open or assigned demand can be assigned");
    }
    const responsible = this.departmentIdOf(body.responsible, "body.responsible");
    const member = this.departments.get(responsible);
    if (member === null || member.status !== "active") {
      throw validationError([{ field: "body.responsible", message: "expected an active member department" }]);
    }
    const proposal = await this.council.propose(caller.key, {
      action: "assign_responsibility",
      demandId: BigInt(body.demandId),
      responsible,
      workingDays: body.workingDays,
    });
    return { proposal, demand: this.view(this.require(body.demandId), this.block()) };
  }

  async fulfil(caller: Caller, demandId: number, resourceId: string) {
    const demand = this.require(demandId);
    if (demand.status !== "assigned") {
      throw new DemandStatusError(demandId, demand.status, "only an assigned demand can be fulfilled");
    }
    if (demand.responsible !== caller.id) {
      throw new NotResponsibleError(demandId, demand.responsible ?? "", caller.id);
    }
    this.requireOwnResource(caller, resourceId, "fulfil a demand with this resource");
    const result = await this.chain.write(caller.key, "DemandRegistry", "fulfil", [demandId, resourceId]);
    return this.written(demandId, result);
  }

  list(query: DemandListQuery, responsibilitiesOnly = false) {
    const now = this.chain.now();
    const block = this.block();
    const items = this.store
      .list({
        status: query.status,
        first: query.requester === undefined ? undefined : this.departmentIdOf(query.requester, "query.requester"),
        second:
          query.responsible === undefined ? undefined : this.departmentIdOf(query.responsible, "query.responsible"),
      })
      .filter((d) => !responsibilitiesOnly || d.assignedAt !== null)
      .filter((d) => query.overdue === undefined || demandOverdue(d, now) === query.overdue);
    return { items: items.map((d) => this.view(d, block, now)), block };
  }

  detail(demandId: number, responsibility = false) {
    const demand = this.require(demandId);
    if (responsibility && demand.assignedAt === null) throw new DemandNotFoundError(demandId);
    return {
      ...this.view(demand, this.block()),
      history: recordHistory(this.store.history(demandId)),
    };
  }

  private view(d: DemandState, block: number, now = this.chain.now()) {
    return {
      demandId: Number(d.id),
      requester: departmentRef(this.departments, d.requester),
      status: d.status,
      overdue: demandOverdue(d, now),
      details: parsedObject(d.details),
      detailsHash: d.detailsHash,
      responsible: d.responsible === null ? null : departmentRef(this.departments, d.responsible),
      resourceId: d.resourceId,
      workingDays: d.workingDays,
      dueAt: d.dueAt === null ? null : isoTime(d.dueAt),
      dueDate: d.dueAt === null ? null : cstDateOf(d.dueAt),
      dueWorkingDaysLeft:
        d.status === "assigned" && d.dueAt !== null
          ? workingDaysLeftIfPublished(this.calendar.published(), now, d.dueAt)
          : null,
      publishedAt: isoTime(d.publishedAt),
      assignedAt: d.assignedAt === null ? null : isoTime(d.assignedAt),
      settledAt: d.settledAt === null ? null : isoTime(d.settledAt),
      fulfilledOnTime: d.fulfilledOnTime,
      block,
    };
  }

  private block(): number {
    return this.chain.indexer.indexedBlock();
  }

  /** After a write: the demand as indexed (read-your-writes), with the write's transaction. */
  private written(demandId: number, result: WriteResult) {
    const demand = this.store.get(demandId);
    const tx = { txHash: result.txHash, blockNumber: result.blockNumber };
    if (demand === null) return { demandId, ...tx };
    return { ...this.view(demand, this.block()), ...tx };
  }

  /** 404 for an unknown resource, 409 for a retired one, 403 unless the caller's department provides it. */
  private requireOwnResource(caller: Caller, resourceId: string, what: string): void {
    const resource = this.catalog.get(resourceId);
    if (!resource) throw new ResourceNotFoundError(resourceId, "body.resourceId");
    if (resource.status === "retired") throw new ResourceRetiredError(resource.resourceId);
    if (resource.provider !== caller.id) {
      throw new NotProviderError(what, departmentRef(this.departments, resource.provider), caller.id);
    }
  }

  private departmentIdOf(value: string, field: string): string {
    const id = BYTES32.test(value) ? value.toLowerCase() : this.departments.idOf(value);
    if (id === null) {
      throw validationError([{ field, message: "expected a department id (0x…) or the key of a served department" }]);
    }
    return id;
  }
}
