/**
 * `subject`: a subject's whole consent trail rebuilt from ConsentRegistry events (one query by the subject reference
 * topic), and, with `--receipts`, every access to the subject's data with whether a consent covered it then.
 */
import { ReceiptSchema, type Receipt } from "../../../core/receipt";
import type { AuditContext } from "../connect";
import type { ReceiptEntry } from "../receipts-file";
import { chainOf, type AuditReport } from "../render/model";
import type { Violation } from "../rules";
import { loadAgreements } from "../state/agreements";
import { consentStatusAt, loadConsentTrails, type ConsentHistory } from "../state/consents";
import { bytes32Text, loadDirectory, short, type Directory } from "../state/directory";
import { eventRef, type ChainEvent } from "../event-source";
import { isoTime } from "../time";
import { consentCoverage } from "../verify/allowed";
import { requesterOf } from "../verify/requester";
import { wrongDeploymentReport } from "./wrong-deployment";

export interface SubjectCommandOptions {
  subjectRef: string;
  entries?: ReceiptEntry[];
}

export async function subjectCommand(ctx: AuditContext, options: SubjectCommandOptions): Promise<AuditReport> {
  const subjectRef = options.subjectRef.toLowerCase();
  const title = `Consent trail of subject ${subjectRef}`;
  // A provider's receipt is held by the provider: the department that asked is the consumer of its signed request.
  const requesters = new Map<string, string>();
  const receipts = (options.entries ?? [])
    .flatMap((e) => {
      const parsed = ReceiptSchema.safeParse(e.receipt);
      if (!parsed.success) return [];
      requesters.set(parsed.data.id.toLowerCase(), requesterOf(e, parsed.data));
      return [parsed.data];
    })
    .filter((r) => r.subjectRef.toLowerCase() === subjectRef)
    .sort((a, b) => a.time - b.time);
  const requesterOfReceipt = (r: Receipt) => requesters.get(r.id.toLowerCase()) ?? r.department;
  if (ctx.deploymentProblems.length)
    return wrongDeploymentReport(
      ctx,
      "subject",
      title,
      receipts.map((r) => r.id),
    );

  const trails = await loadConsentTrails(ctx, [subjectRef]);
  const consents = trails.all();
  const [agreements, directory] = await Promise.all([
    loadAgreements(
      ctx,
      receipts.map((r) => r.agreementId),
    ),
    loadDirectory(ctx, [...consents.map((c) => c.resourceId), ...receipts.map((r) => r.resourceId)]),
  ]);
  const records = { agreements, grants: new Map(), consents: trails };

  const violations: Violation[] = [];
  const accesses = receipts.map((r) => {
    const coverage = consentCoverage(r, records, requesterOfReceipt(r));
    const agreement = agreements.get(r.agreementId);
    if (r.result === "delivered" && coverage && !coverage.covered) {
      violations.push({
        rule: "consent_missing",
        receiptId: r.id,
        detail: `agreement ${r.agreementId} requires consent: ${coverage.why}`,
      });
    }
    return { receipt: r, coverage, legalBasis: agreement?.legalBasis ?? "unknown agreement" };
  });

  const changes = consents
    .flatMap((c) => [c.recorded, ...c.changes].map((event) => ({ consent: c, event })))
    .sort((a, b) => a.event.blockNumber - b.event.blockNumber || a.event.logIndex - b.event.logIndex);

  return {
    command: "subject",
    title,
    chain: chainOf(ctx),
    summary: [
      ["subject reference", subjectRef],
      ["consents recorded", consents.length],
      ["active now", consents.filter((c) => consentStatusAt(c, ctx.head.time) === "active").length],
      ["status changes", changes.length - consents.length],
      ...(options.entries
        ? ([
            ["accesses in the receipts given", receipts.length],
            ["deliveries not covered where consent was required", violations.length],
          ] as [string, number][])
        : []),
    ],
    violations,
    sections: [
      {
        heading: "Consents",
        table: {
          columns: [
            "consent",
            "recorded",
            "block",
            "recorder",
            "recipient",
            "resource",
            "purpose",
            "separate",
            "evidence",
            "valid",
            "status now",
          ],
          rows: consents.map((c) => [
            short(c.consentId),
            isoTime(c.recorded.time),
            c.recorded.blockNumber,
            directory.departmentName(c.recorder),
            directory.departmentName(c.recipient),
            directory.resourceName(c.resourceId),
            bytes32Text(c.purpose),
            c.separate ? "yes" : "no",
            evidenceText(c, directory),
            `${isoTime(c.validFrom)} – ${isoTime(c.validUntil)}`,
            consentStatusAt(c, ctx.head.time),
          ]),
        },
      },
      {
        heading: "Status changes",
        table: {
          columns: ["time", "block", "consent", "event", "by"],
          rows: changes.map(({ consent, event }) => [
            isoTime(event.time),
            event.blockNumber,
            short(consent.consentId),
            event.name.replace(/^Consent/, "").toLowerCase(),
            changeActor(event, consent, directory),
          ]),
        },
      },
      ...(options.entries
        ? [
            {
              heading: "Accesses to the subject's data",
              table: {
                columns: [
                  "time",
                  "receipt",
                  "requester",
                  "provider",
                  "resource",
                  "result",
                  "legal basis",
                  "consent at that moment",
                ],
                rows: accesses.map(({ receipt: r, coverage, legalBasis }) => [
                  isoTime(r.time),
                  short(r.id),
                  directory.departmentName(requesterOfReceipt(r)),
                  directory.departmentName(r.provider),
                  directory.resourceName(r.resourceId),
                  r.result === "delivered"
                    ? `delivered: ${directory.fieldNames(r.resourceId, BigInt(r.fieldMask))}`
                    : `${r.result} (${r.reason})`,
                  legalBasis,
                  coverage ? `${coverage.covered ? "covered" : "NOT covered"}: ${coverage.why}` : "not required",
                ]),
              },
            },
          ]
        : []),
    ],
    data: {
      subjectRef,
      consents: consents.map((c) => ({
        consentId: c.consentId,
        recorder: c.recorder,
        recipient: c.recipient,
        resourceId: c.resourceId,
        purpose: bytes32Text(c.purpose),
        separate: c.separate,
        evidenceKind: c.evidenceKind,
        evidence: c.evidence,
        afterWithdrawal: c.afterWithdrawal,
        validFrom: c.validFrom,
        validUntil: c.validUntil,
        statusNow: consentStatusAt(c, ctx.head.time),
        events: [c.recorded, ...c.changes].map(eventRef),
      })),
      accesses: accesses.map(({ receipt: r, coverage }) => ({
        receiptId: r.id,
        time: r.time,
        department: r.department,
        result: r.result,
        reason: r.reason,
        consentRequired: coverage !== undefined,
        covered: coverage?.covered ?? null,
        consentId: coverage?.consentId ?? null,
        why: coverage?.why ?? null,
      })),
    },
  };
}

function evidenceText(c: ConsentHistory, directory: Directory): string {
  const plain = plainEvidenceText(c);
  if (!c.afterWithdrawal) return plain;
  // A re-consent on record evidence rests on the recording department's word alone: say so.
  const how = c.evidenceKind === "record" ? "on record evidence" : "by the subject's signature";
  return `re-consented after withdrawal, by ${directory.departmentName(c.recorder)}, ${how}: ${plain}`;
}

function plainEvidenceText(c: ConsentHistory): string {
  if (c.evidenceKind === "signature") return `subject's signature (${short(`0x${c.evidence.slice(-40)}`)})`;
  if (c.evidenceKind === "record") return `consent record ${short(c.evidence)}`;
  return c.evidenceKind;
}

function changeActor(event: ChainEvent, consent: ConsentHistory, directory: Directory): string {
  switch (event.name) {
    case "ConsentRecorded":
      return directory.departmentName(consent.recorder);
    case "ConsentWithdrawn": {
      const department = String(event.args.getValue("department"));
      return /^0x0+$/.test(department)
        ? "the subject (signature)"
        : `${directory.departmentName(department)}, at the subject's request`;
    }
    case "ConsentRevoked":
      return event.args.getValue("byCouncil")
        ? "the council"
        : directory.departmentName(String(event.args.getValue("revoker")));
    case "ConsentSuperseded":
      return `superseded by ${short(String(event.args.getValue("supersededBy")))}`;
    default:
      return "";
  }
}
