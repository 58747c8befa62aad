/**
 * `consent-record <id> --format iso27560|kantara`: one consent exported as a consent record other systems read,
 * rebuilt from ConsentRegistry events (one query by the consent id topic) with the names the Consortium and
 * DataCatalog events give its parties. The same pure builders as the gateway's `GET /v1/consents/:id/record`, so
 * the two exports of a consent can be compared field by field.
 */
import { ZeroHash, getAddress } from "ethers";
import {
  exportConsentRecord,
  type ConsentParty,
  type ConsentRecordEvent,
  type ConsentRecordFormat,
  type ChainEvidence,
} from "../../../core/consent-record";
import type { AuditContext } from "../connect";
import { UsageError } from "../errors";
import type { ChainEvent } from "../event-source";
import { consentStatusAt, loadConsentsById, type ConsentHistory } from "../state/consents";
import { bytes32Text, loadDirectory, type Directory } from "../state/directory";

export interface ConsentRecordCommandOptions {
  consentId: string;
  format: ConsentRecordFormat;
}

/** The consent record; a usage error when the chain is not the deployment's or holds no such consent. */
export async function consentRecordCommand(ctx: AuditContext, options: ConsentRecordCommandOptions): Promise<object> {
  if (ctx.deploymentProblems.length) {
    throw new UsageError(
      `the chain at ${ctx.rpc} is not the deployment of ${ctx.deploymentFile}: ${ctx.deploymentProblems.join("; ")}`,
    );
  }
  const consentId = options.consentId.toLowerCase();
  const consent = (await loadConsentsById(ctx, [consentId])).byId.get(consentId);
  if (!consent) throw new UsageError(`no consent ${consentId} on the chain at ${ctx.rpc}: check the id`);
  const superseding = consent.changes.find((e) => e.name === "ConsentSuperseded");
  const successor = superseding ? (await loadConsentsById(ctx, [String(superseding.args[2])])).all()[0] : undefined;
  const directory = await loadDirectory(ctx, [consent.resourceId]);
  const registry = getAddress(ctx.deployment.contracts.ConsentRegistry);
  const status = consentStatusAt(consent, ctx.head.time);
  const chain = (e: ChainEvent): ChainEvidence => ({
    chainId: ctx.chainId,
    contract: registry,
    event: e.name as ChainEvidence["event"],
    transactionHash: e.transactionHash,
    blockNumber: e.blockNumber,
    logIndex: e.logIndex,
  });
  const events: ConsentRecordEvent[] = [consent.recorded, ...consent.changes].map((e) => ({
    ...eventOf(e, consent, successor),
    time: e.time,
    chain: chain(e),
  }));
  if (status === "expired")
    events.push({ kind: "expired", time: consent.validUntil, actor: { kind: "time" }, chain: null });
  const resource = directory.resources.get(consent.resourceId.toLowerCase());
  return exportConsentRecord(
    {
      consentId,
      subjectRef: consent.subjectRef.toLowerCase(),
      status,
      purposeCode: bytes32Text(consent.purpose),
      separate: consent.separate,
      validFrom: consent.validFrom,
      validUntil: consent.validUntil,
      recordedAt: consent.recorded.time,
      evidence:
        consent.evidenceKind === "signature"
          ? { kind: "signature", signer: paddedAddress(consent.evidence) }
          : { kind: "record", hash: consent.evidence.toLowerCase() },
      recorder: partyOf(directory, consent.recorder),
      recipient: partyOf(directory, consent.recipient),
      provider: resource ? partyOf(directory, resource.provider) : null,
      resource: {
        id: consent.resourceId.toLowerCase(),
        name: resource?.name ?? null,
        personalItems: resource?.personalFields ?? [],
        sensitive: resource?.sensitive ?? false,
      },
      chainId: ctx.chainId,
      registry,
      events,
    },
    options.format,
  );
}

/** What the event was and who caused it, read from its arguments as the registry emitted them. */
function eventOf(
  e: ChainEvent,
  consent: ConsentHistory,
  successor: ConsentHistory | undefined,
): Pick<ConsentRecordEvent, "kind" | "actor" | "evidence" | "supersededBy"> {
  switch (e.name) {
    case "ConsentRecorded":
      return {
        kind: "recorded",
        actor: {
          kind: "department",
          departmentId: consent.recorder.toLowerCase(),
          ...(consent.evidenceKind === "signature" ? { signer: paddedAddress(consent.evidence) } : {}),
        },
      };
    case "ConsentWithdrawn": {
      const department = String(e.args.department).toLowerCase();
      const evidence = String(e.args.evidence).toLowerCase();
      return department === ZeroHash
        ? { kind: "withdrawn", actor: { kind: "subject", signer: paddedAddress(evidence) }, evidence }
        : { kind: "withdrawn", actor: { kind: "department", departmentId: department }, evidence };
    }
    case "ConsentRevoked":
      return {
        kind: "revoked",
        actor: e.args.byCouncil
          ? { kind: "council" }
          : { kind: "department", departmentId: String(e.args.revoker).toLowerCase() },
      };
    default:
      return {
        kind: "superseded",
        actor: { kind: "department", departmentId: (successor ?? consent).recorder.toLowerCase() },
        supersededBy: String(e.args.supersededBy).toLowerCase(),
      };
  }
}

function partyOf(directory: Directory, id: string): ConsentParty {
  const d = directory.departments.get(id.toLowerCase());
  return { id: id.toLowerCase(), name: d?.name ?? null, code: d?.code ?? null, regionCode: d?.regionCode ?? null };
}

/** A signing address as the registry puts it in a bytes32 (left-padded), EIP-55. */
function paddedAddress(word: string): string {
  return getAddress(`0x${word.slice(26)}`);
}
