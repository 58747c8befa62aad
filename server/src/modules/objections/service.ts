import { id as keccakUtf8, ZeroHash } from "ethers";
import { objectionOverdue, type ObjectionState } from "../../../../core/folds/objections";
import { fieldsToMask, maskToFields } from "../../common/field-mask";
import { cstDateOf, workingDaysLeftIfPublished, type PublishedYears } from "../../../../core/calendar/working-days";
import { isoTime } from "../../common/time";
import { recordHistory } from "../../common/record-history";
import { validationError } from "../../common/errors";
import type { KuajieChain, WriteResult } from "../../chain/adapter";
import type { ObjectionStore } from "../../store/objections";
import type { CatalogLookup } from "../catalog/service";
import { ResourceNotFoundError, ResourceRetiredError } from "../catalog/errors";
import { departmentRef, type DepartmentService } from "../departments/service";
import { NotObjectionPartyError, ObjectionNotFoundError, ObjectionStatusError, OwnResourceError } from "./errors";
import type { AnswerObjection, ObjectionListQuery, RaiseObjection } from "./schemas";

type Caller = { key: string; id: string };

/**
 * Data-quality objections: a consumer department raises one on a resource; the provider answers corrected or
 * disputed within the deadline in working days; a disputed or overdue one is escalated by the consumer to the council,
 * which decides (`decide_objection`, a council proposal). Reads from the ObjectionStore projection; 404, 403 and 409
 * are answered from it before the chain is asked, the contract remains the final guard (422 `contract_revert`).
 */
export class ObjectionService {
  constructor(
    private readonly store: ObjectionStore,
    private readonly catalog: CatalogLookup,
    private readonly chain: KuajieChain,
    private readonly departments: DepartmentService,
    private readonly calendar: { published(): PublishedYears },
  ) {}

  require(objectionId: number): ObjectionState {
    const objection = this.store.get(objectionId);
    if (!objection) throw new ObjectionNotFoundError(objectionId);
    return objection;
  }

  async raise(caller: Caller, body: RaiseObjection) {
    const resource = this.catalog.get(body.resourceId);
    if (!resource) throw new ResourceNotFoundError(body.resourceId, "body.resourceId");
    if (resource.status === "retired") throw new ResourceRetiredError(resource.resourceId);
    if (resource.provider === caller.id) throw new OwnResourceError(resource.resourceId);
    const { mask, unknown } = fieldsToMask(resource.fields, body.fields);
    if (unknown.length > 0) {
      const known = resource.fields.map((f) => f.name).join(", ");
      throw validationError(
        body.fields
          .map((name, i) => ({ name, i }))
          .filter(({ name }) => unknown.includes(name))
          .map(({ name, i }) => ({
            field: `body.fields[${i}]`,
            message: `resource ${resource.code} has no field '${name}' (it has ${known})`,
          })),
      );
    }
    const result = await this.chain.write(caller.key, "Objections", "raise", [
      resource.resourceId,
      mask,
      body.description,
      body.evidenceHash,
    ]);
    const event = result.events.find((e) => e.name === "ObjectionRaised");
    return this.written(Number(event?.args.objectionId ?? 0), result);
  }

  async answer(caller: Caller, objectionId: number, body: AnswerObjection) {
    const objection = this.require(objectionId);
    if (objection.provider !== caller.id) throw new NotObjectionPartyError(objectionId, "provider", caller.id);
    const answerable = body.outcome === "corrected" ? ["raised", "upheld"] : ["raised"];
    if (!answerable.includes(objection.status)) {
      throw new ObjectionStatusError(objectionId, objection.status, `it cannot be answered ${body.outcome}`);
    }
    const result =
      body.outcome === "corrected"
        ? await this.chain.write(caller.key, "Objections", "correct", [
            objectionId,
            body.note === undefined ? ZeroHash : keccakUtf8(body.note),
          ])
        : await this.chain.write(caller.key, "Objections", "dispute", [objectionId, keccakUtf8(body.reason)]);
    return this.written(objectionId, result);
  }

  async escalate(caller: Caller, objectionId: number) {
    const objection = this.require(objectionId);
    if (objection.consumer !== caller.id) throw new NotObjectionPartyError(objectionId, "consumer", caller.id);
    if (objection.status !== "raised" && objection.status !== "disputed") {
      throw new ObjectionStatusError(objectionId, objection.status, "only a raised or disputed objection escalates");
    }
    const result = await this.chain.write(caller.key, "Objections", "escalate", [objectionId]);
    return this.written(objectionId, result);
  }

  list(query: ObjectionListQuery, caller: Caller | null) {
    if (query.as !== undefined && caller === null) {
      throw validationError([{ field: "query.as", message: "this token acts for no department" }]);
    }
    const now = this.chain.now();
    const block = this.block();
    const items = this.store
      .list({
        status: query.status,
        first: query.as === "consumer" ? caller!.id : undefined,
        second: query.as === "provider" ? caller!.id : undefined,
      })
      .filter((o) => query.resourceId === undefined || o.resourceId === query.resourceId.toLowerCase())
      .filter((o) => query.overdue === undefined || objectionOverdue(o, now) === query.overdue);
    return { items: items.map((o) => this.view(o, block, now)), block };
  }

  detail(objectionId: number) {
    const objection = this.require(objectionId);
    return {
      ...this.view(objection, this.block()),
      history: recordHistory(this.store.history(objectionId)),
    };
  }

  private view(o: ObjectionState, block: number, now = this.chain.now()) {
    const resource = this.catalog.get(o.resourceId);
    return {
      objectionId: Number(o.id),
      resourceId: o.resourceId,
      provider: departmentRef(this.departments, o.provider),
      consumer: departmentRef(this.departments, o.consumer),
      fields: resource ? maskToFields(resource.fields, o.fieldMask) : [],
      fieldMask: o.fieldMask.toString(),
      description: o.description,
      evidenceHash: o.evidenceHash,
      status: o.status,
      overdue: objectionOverdue(o, now),
      raisedAt: isoTime(o.raisedAt),
      answerDeadline: isoTime(o.answerDeadline),
      answerDeadlineDate: cstDateOf(o.answerDeadline),
      answerWorkingDaysLeft:
        o.status === "raised" ? workingDaysLeftIfPublished(this.calendar.published(), now, o.answerDeadline) : null,
      answeredAt: o.answeredAt === null ? null : isoTime(o.answeredAt),
      answeredOnTime: o.answeredOnTime,
      correctedVersion: o.correctedVersion,
      correctionNoteHash: o.correctionNoteHash,
      disputeReasonHash: o.disputeReasonHash,
      disputed: o.disputed,
      escalatedAt: o.escalatedAt === null ? null : isoTime(o.escalatedAt),
      councilDecision: o.councilUpheld === null ? null : { upheld: o.councilUpheld, reasonHash: o.councilReasonHash },
      block,
    };
  }

  private block(): number {
    return this.chain.indexer.indexedBlock();
  }

  private written(objectionId: number, result: WriteResult) {
    const objection = this.store.get(objectionId);
    const tx = { txHash: result.txHash, blockNumber: result.blockNumber };
    if (objection === null) return { objectionId, ...tx };
    return { ...this.view(objection, this.block()), ...tx };
  }
}
