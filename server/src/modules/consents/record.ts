import { getAddress } from "ethers";
import {
  exportConsentRecord,
  type ChainEvidence,
  type ConsentParty,
  type ConsentRecordEvent,
  type ConsentRecordSource,
} from "../../../../core/consent-record";
import type { ConsentRecordFormat } from "../../../../core/consent-record";
import { bytes32ToCode } from "../../common/short-codes";
import { statusAt, type ConsentEventRow, type ConsentStore } from "../../store/consents";
import type { CatalogLookup } from "../catalog/service";
import type { DepartmentService } from "../departments/service";
import type { ConsentService } from "./service";

const EVENT_NAME: Readonly<Record<ConsentEventRow["event"], ChainEvidence["event"]>> = {
  recorded: "ConsentRecorded",
  superseded: "ConsentSuperseded",
  withdrawn: "ConsentWithdrawn",
  revoked: "ConsentRevoked",
};

export interface ConsentRecordServiceDeps {
  consents: Pick<ConsentService, "require" | "chainNow">;
  store: Pick<ConsentStore, "history">;
  catalog: CatalogLookup;
  departments: Pick<DepartmentService, "get">;
  chainId: number;
  /** The ConsentRegistry's address. */
  registry: string;
}

/**
 * A consent exported as a consent record other systems read (ISO/IEC TS 27560, Kantara Consent Receipt v1.1), from
 * the indexed events with where each is on the ledger. The formats are built by the pure `core/consent-record`,
 * which the auditor uses on the chain's own events.
 */
export class ConsentRecordService {
  constructor(private readonly deps: ConsentRecordServiceDeps) {}

  /** The consent in `format`, or 404. */
  export(consentId: string, format: ConsentRecordFormat) {
    return exportConsentRecord(this.source(consentId), format);
  }

  private source(consentId: string): ConsentRecordSource {
    const row = this.deps.consents.require(consentId);
    const status = statusAt(row, this.deps.consents.chainNow());
    const registry = getAddress(this.deps.registry);
    const events: ConsentRecordEvent[] = this.deps.store.history(row.consentId).map((e) => ({
      kind: e.event,
      time: e.blockTime,
      actor: e.actor.signer ? { ...e.actor, signer: getAddress(e.actor.signer) } : e.actor,
      ...(e.evidence !== undefined && e.event !== "recorded" ? { evidence: e.evidence } : {}),
      ...(e.supersededBy !== undefined ? { supersededBy: e.supersededBy } : {}),
      chain: {
        chainId: this.deps.chainId,
        contract: registry,
        event: EVENT_NAME[e.event],
        transactionHash: e.txHash,
        blockNumber: e.blockNumber,
        logIndex: e.logIndex,
      },
    }));
    if (status === "expired")
      events.push({ kind: "expired", time: row.validUntil, actor: { kind: "time" }, chain: null });
    const resource = this.deps.catalog.get(row.resourceId);
    const name = resource?.metadata?.name;
    return {
      consentId: row.consentId,
      subjectRef: row.subjectRef,
      status,
      purposeCode: bytes32ToCode(row.purpose),
      separate: row.separate,
      validFrom: row.validFrom,
      validUntil: row.validUntil,
      recordedAt: row.recordedAt,
      evidence:
        row.evidenceKind === "signature" && row.signer
          ? { kind: "signature", signer: getAddress(row.signer) }
          : { kind: "record", hash: row.evidence },
      recorder: this.party(row.recorder),
      recipient: this.party(row.recipient),
      provider: resource ? this.party(resource.provider) : null,
      resource: {
        id: row.resourceId,
        name: typeof name === "string" ? name : null,
        personalItems: (resource?.fields ?? []).filter((f) => f.personal).map((f) => f.name),
        sensitive: resource?.sensitive ?? false,
      },
      chainId: this.deps.chainId,
      registry,
      events,
    };
  }

  private party(id: string): ConsentParty {
    const member = this.deps.departments.get(id);
    return { id, name: member?.name ?? null, code: member?.code ?? null, regionCode: member?.regionCode ?? null };
  }
}
