import { getAddress } from "ethers";
import { canonicalJsonHash } from "../../../../core/json/canonical-json";
import type { KuajieChain } from "../../chain/adapter";
import { bytes32ToCode, codeToBytes32 } from "../../common/short-codes";
import { isoTime } from "../../common/time";
import { NotFoundError, validationError } from "../../common/errors";
import { subjectRef as computeSubjectRef } from "../../common/subject-ref";
import {
  statusAt,
  type ConsentStore,
  type ConsentActor,
  type ConsentEventRow,
  type ConsentKey,
  type ConsentRow,
  type ConsentState,
} from "../../store/consents";
import type { DepartmentService } from "../departments/service";
import type { DepartmentRow } from "../../store/departments";
import type { ConsentBatcher, ConsentTermsArg } from "./batcher";
import { ConsentNotActiveError, DepartmentInactiveError, NotRecorderError, RecipientInactiveError } from "./errors";
import type { ConsentSubject, RecordConsentBody, WithdrawEvidence } from "./schemas";

/** One line of a consent's trail. */
interface HistoryEntry {
  event: ConsentEventRow["event"] | "expired";
  blockNumber: number | null;
  time: string;
  txHash: string | null;
  actor: { kind: ConsentActor["kind"] | "time"; departmentId?: string; signer?: string };
  evidence?: string;
  supersededBy?: string;
}

/** What other features may read of consents (the council's `revoke_consent` and its clock). */
export interface ConsentLookup {
  get(consentId: string): ConsentRow | null;
  /** Time of the latest indexed consent event: the chain may run ahead of the wall clock (time travel in tests). */
  latestBlockTime(): number | null;
}

/** A subject's consent trail, for the subjects feature. */
export type SubjectConsentTrails = Pick<ConsentService, "subjectTrail">;

/** The ConsentKey tuple the registry's functions take. */
export function consentKeyArg(row: ConsentKey): ConsentKey {
  return { subjectRef: row.subjectRef, recipient: row.recipient, resourceId: row.resourceId, purpose: row.purpose };
}

export interface ConsentServiceDeps {
  chain: Pick<KuajieChain, "write">;
  store: ConsentStore;
  departments: DepartmentService;
  batcher: ConsentBatcher;
  consortiumSecret: Uint8Array;
  indexedBlock: () => number;
  /** Wall clock in milliseconds (tests). */
  now?: () => number;
}

/** What was read of the index at one indexed block (`latestBlockTime` undefined: not read yet). */
interface IndexedView {
  block: number;
  departments: Map<string, DepartmentRow | null>;
  latestBlockTime?: number | null;
}

const emptyView = (block: number): IndexedView => ({ block, departments: new Map() });

/**
 * Records, withdraws and revokes consents through the caller department's key, and answers from the projection.
 * Identity numbers are turned into subject references here and go no further: never stored, logged or answered.
 * Consent documents are hashed, never kept.
 */
export class ConsentService {
  /**
   * What the index held at one indexed block, as read then: member departments and the latest block time. Every
   * consent looks up its recorder, its recipient and the chain's time (twice), SELECTs that were 6 % of the gateway's
   * busy time under the writes benchmark (docs/perf/consents-profile.md), and the 256 consents of a batch ask the
   * same. Those rows change only with a page of indexed events, which moves the indexed block, or with a reset of the
   * index, which empties this.
   */
  private indexedView: IndexedView = emptyView(-1);

  constructor(private readonly deps: ConsentServiceDeps) {}

  /** Forgets what was read of the index so far (it was reset: the block numbers start again). */
  forgetIndexedView(): void {
    this.indexedView = emptyView(-1);
  }

  private currentView(): IndexedView {
    const block = this.deps.indexedBlock();
    if (block !== this.indexedView.block) this.indexedView = emptyView(block);
    return this.indexedView;
  }

  /** The member department `id` as the index has it now. */
  private department(id: string): DepartmentRow | null {
    const { departments } = this.currentView();
    let row = departments.get(id);
    if (row === undefined) {
      row = this.deps.departments.get(id);
      departments.set(id, row);
    }
    return row;
  }

  /** Seconds now: the later of the wall clock and the latest indexed block (the chain may run ahead in tests). */
  chainNow(): number {
    const wall = Math.floor((this.deps.now ?? Date.now)() / 1000);
    const view = this.currentView();
    if (view.latestBlockTime === undefined) view.latestBlockTime = this.deps.store.latestBlockTime();
    return Math.max(wall, view.latestBlockTime ?? 0);
  }

  subjectRefOf(subject: ConsentSubject): string {
    return "subjectRef" in subject
      ? subject.subjectRef
      : computeSubjectRef(this.deps.consortiumSecret, subject.idType, subject.idNumber);
  }

  async record(departmentKey: string, body: RecordConsentBody) {
    this.requireActiveCaller(departmentKey);
    const subjectRef = this.subjectRefOf(body.subject);
    const validFrom = body.validFrom ?? 0;
    const now = this.chainNow();
    if (body.validUntil <= now) {
      throw validationError([{ field: "body.validUntil", message: "must be in the future" }]);
    }
    if (body.validUntil <= validFrom) {
      throw validationError([{ field: "body.validUntil", message: "must be after validFrom" }]);
    }
    const recipient = this.department(body.recipient);
    if (!recipient || recipient.status !== "active") {
      throw new RecipientInactiveError(`the recipient ${body.recipient} is not an active member department`, {
        recipient: body.recipient,
        recipientStatus: recipient?.status ?? "not_member",
      });
    }
    const terms: ConsentTermsArg = {
      key: {
        subjectRef,
        recipient: body.recipient,
        resourceId: body.resourceId,
        purpose: codeToBytes32(body.purpose.code),
      },
      separate: body.separate,
      validFrom,
      validUntil: body.validUntil,
    };
    const evidence = body.evidence;
    if (evidence.type === "record") {
      const recorded = await this.deps.batcher.record(departmentKey, {
        terms,
        evidenceHash: canonicalJsonHash(evidence.document),
      });
      return this.written(recorded.consentId, recorded, { subjectRef, status: "active" });
    }
    const expected = this.deps.store.signerNonce(evidence.signer);
    if (BigInt(evidence.nonce) !== BigInt(expected)) {
      throw validationError([
        { field: "body.evidence.nonce", message: `must be the signer's current nonce in the registry, ${expected}` },
      ]);
    }
    const result = await this.deps.chain.write(departmentKey, "ConsentRegistry", "recordWithSignature", [
      terms,
      evidence.signer,
      evidence.deadline,
      evidence.signature,
    ]);
    const recorded = result.events.find((e) => e.contract === "ConsentRegistry" && e.name === "ConsentRecorded");
    if (!recorded) throw new Error("recordWithSignature emitted no ConsentRecorded event");
    return this.written(String(recorded.args.consentId).toLowerCase(), result, { subjectRef, status: "active" });
  }

  /** Withdraws at the subject's request: received at the caller's counter (record), or signed by the subject. */
  async withdraw(departmentKey: string, consentId: string, evidence: WithdrawEvidence) {
    this.requireActiveCaller(departmentKey);
    const row = this.requireActive(consentId);
    const key = consentKeyArg(row);
    const result =
      evidence.type === "record"
        ? await this.deps.chain.write(departmentKey, "ConsentRegistry", "withdraw", [
            key,
            canonicalJsonHash(evidence.document),
          ])
        : await this.deps.chain.write(departmentKey, "ConsentRegistry", "withdrawWithSignature", [
            key,
            evidence.deadline,
            evidence.signature,
          ]);
    return this.written(row.consentId, result, { subjectRef: row.subjectRef, status: "withdrawn" });
  }

  /** Revokes a consent; only its recording department. */
  async revoke(departmentKey: string, consentId: string) {
    const callerId = this.requireActiveCaller(departmentKey);
    const row = this.require(consentId);
    if (row.recorder !== callerId) {
      throw new NotRecorderError("only the department that recorded a consent may revoke it", {
        consentId: row.consentId,
        recorder: row.recorder,
      });
    }
    this.requireActive(consentId);
    const result = await this.deps.chain.write(departmentKey, "ConsentRegistry", "revoke", [consentKeyArg(row)]);
    return this.written(row.consentId, result, { subjectRef: row.subjectRef, status: "revoked" });
  }

  /** The consent with its history, or 404. */
  get(consentId: string) {
    return { ...this.view(this.require(consentId)), block: this.deps.indexedBlock() };
  }

  /** Every consent of the subject, each with its full history. */
  subjectTrail(subjectRef: string) {
    const events = new Map<string, ConsentEventRow[]>();
    for (const e of this.deps.store.historyOfSubject(subjectRef)) {
      const list = events.get(e.consentId) ?? [];
      list.push(e);
      events.set(e.consentId, list);
    }
    const now = this.chainNow();
    return {
      subjectRef,
      items: this.deps.store.bySubject(subjectRef).map((row) => this.view(row, events.get(row.consentId) ?? [], now)),
      block: this.deps.indexedBlock(),
    };
  }

  /** The consent, or a 404 naming the id. */
  require(consentId: string): ConsentRow {
    const row = this.deps.store.get(consentId);
    if (!row) throw new NotFoundError(`no consent with id ${consentId}`, { consentId });
    return row;
  }

  private requireActive(consentId: string): ConsentRow {
    const row = this.require(consentId);
    const status = statusAt(row, this.chainNow());
    if (status !== "active") {
      throw new ConsentNotActiveError(`the consent is ${status}`, { consentId: row.consentId, consentStatus: status });
    }
    return row;
  }

  /** The caller's department id; 403 unless it is an active member (the registry would refuse it). */
  private requireActiveCaller(departmentKey: string): string {
    const id = this.deps.departments.idOf(departmentKey);
    const member = id ? this.department(id) : null;
    if (!id || !member || member.status !== "active") {
      throw new DepartmentInactiveError("the caller's department is not an active member", {
        departmentStatus: member?.status ?? "not_member",
      });
    }
    return id;
  }

  /**
   * The consent as written. The write waited for the indexer, but if the index is still behind (a slow node), the
   * answer is what the transaction established, marked `indexed: false`, rather than a 404 for a consent that exists.
   */
  private written(
    consentId: string,
    write: { txHash: string; blockNumber: number },
    known: { subjectRef: string; status: ConsentState },
  ) {
    const block = this.deps.indexedBlock();
    const row = block >= write.blockNumber ? this.deps.store.get(consentId) : null;
    if (!row) return { consentId, ...known, txHash: write.txHash, indexed: false, block };
    return { ...this.view(row), block, txHash: write.txHash };
  }

  private view(row: ConsentRow, history = this.deps.store.historyOf(row), now = this.chainNow()) {
    const status = statusAt(row, now);
    const entries: HistoryEntry[] = history.map((e) => ({
      event: e.event,
      blockNumber: e.blockNumber,
      time: isoTime(e.blockTime),
      txHash: e.txHash,
      // The projection keys signers in lower case; clients get the EIP-55 form they signed with.
      actor: e.actor.signer ? { ...e.actor, signer: getAddress(e.actor.signer) } : e.actor,
      ...(e.evidence !== undefined && e.event !== "recorded" ? { evidence: e.evidence } : {}),
      ...(e.supersededBy !== undefined ? { supersededBy: e.supersededBy } : {}),
    }));
    if (status === "expired") {
      // Expiry is no event on chain: the trail shows it at the time the validity ended.
      entries.push({
        event: "expired",
        blockNumber: null,
        time: isoTime(row.validUntil),
        txHash: null,
        actor: { kind: "time" },
      });
    }
    return {
      consentId: row.consentId,
      subjectRef: row.subjectRef,
      status,
      inEffect: status === "active" && row.validFrom <= now,
      recipient: row.recipient,
      resourceId: row.resourceId,
      purpose: { code: bytes32ToCode(row.purpose) },
      separate: row.separate,
      validFrom: row.validFrom === 0 ? null : isoTime(row.validFrom),
      validUntil: isoTime(row.validUntil),
      evidence:
        row.evidenceKind === "signature"
          ? { type: "signature" as const, ...(row.signer ? { signer: getAddress(row.signer) } : {}) }
          : { type: "record" as const, hash: row.evidence },
      recorder: row.recorder,
      supersededBy: row.supersededBy,
      recordedBlock: row.recordedBlock,
      recordedAt: isoTime(row.recordedAt),
      recordedTx: row.recordedTx,
      history: entries,
    };
  }
}
