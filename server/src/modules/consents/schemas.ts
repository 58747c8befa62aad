import { getAddress, isAddress } from "ethers";
import { z } from "zod";
import { CONSENT_RECORD_FORMATS } from "../../../../core/consent-record";
import { shortCodeSchema } from "../../common/short-codes";
import { checkIdNumber, type IdType } from "../../../../core/identity/id-number";
import { idTypeSchema, subjectRefSchema } from "../../common/subject-ref";
import { bytes32Schema } from "../departments/schemas";
import { CONSENT_SIGNING_TEXT, WITHDRAWAL_SIGNING_TEXT, eip712Extension } from "./signing";

const MAX_UINT40 = 2 ** 40 - 1;

/** A time as ISO 8601 (with offset) or Unix seconds; parsed to seconds. */
const timeSchema = z
  .union([z.iso.datetime({ offset: true }), z.number().int().nonnegative().max(MAX_UINT40)])
  .transform((value) => (typeof value === "number" ? value : Math.floor(Date.parse(value) / 1000)))
  .meta({ description: "ISO 8601 date-time, or Unix seconds", example: "2030-01-01T00:00:00Z" });

/** An account address, lower case or EIP-55 mixed case (whose checksum must then be right); output checksummed. */
export const addressSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed address")
  .refine((value) => isAddress(value), {
    message: "the mixed-case checksum (EIP-55) of this address is wrong",
    when: (payload) => payload.issues.length === 0,
  })
  .transform((value) => getAddress(value));

const signatureSchema = z
  .string()
  .regex(/^0x([0-9a-fA-F]{2}){64,}$/, "expected a 0x-prefixed signature of at least 64 bytes")
  .meta({ description: "EIP-712 signature (65 bytes for a key; longer for an ERC-1271 wallet)" });

const uintSchema = z.union([z.number().int().nonnegative(), z.string().regex(/^(0|[1-9][0-9]{0,76})$/)]);

/**
 * Who the consent is about: the identity (checked, normalised, turned into the subject reference, never stored or
 * logged) or the subject reference itself. One shape with optional members, so that a 400 names the exact field.
 */
const consentSubjectSchema = z
  .object({
    idType: idTypeSchema.optional(),
    idNumber: z.string().min(1).max(64).optional(),
    subjectRef: subjectRefSchema.optional(),
  })
  .transform((subject, ctx): { subjectRef: string } | { idType: IdType; idNumber: string } => {
    const { idType, idNumber, subjectRef } = subject;
    if (subjectRef !== undefined) {
      if (idType !== undefined || idNumber !== undefined) {
        ctx.addIssue({ code: "custom", path: [], message: "give either {idType, idNumber} or {subjectRef}, not both" });
        return z.NEVER;
      }
      if (/^0x0{64}$/.test(subjectRef)) {
        ctx.addIssue({ code: "custom", path: ["subjectRef"], message: "the subject reference cannot be zero" });
        return z.NEVER;
      }
      return { subjectRef };
    }
    if (idType === undefined) ctx.addIssue({ code: "custom", path: ["idType"], message: "required" });
    if (idNumber === undefined) ctx.addIssue({ code: "custom", path: ["idNumber"], message: "required" });
    if (idType === undefined || idNumber === undefined) return z.NEVER;
    const checked = checkIdNumber(idType, idNumber);
    if (!checked.ok) {
      ctx.addIssue({ code: "custom", path: ["idNumber"], message: checked.message });
      return z.NEVER;
    }
    return { idType, idNumber: checked.normalised };
  })
  .meta({ description: "{idType, idNumber} (never stored) or {subjectRef}" });
export type ConsentSubject = z.output<typeof consentSubjectSchema>;

const recordDocumentSchema = z
  .record(z.string(), z.unknown())
  .refine((document) => Object.keys(document).length > 0, "the consent record cannot be empty")
  .meta({
    description:
      "The ISO/IEC TS 27560 consent record (or withdrawal request). Only keccak256 of its canonical JSON is kept " +
      "(on chain as the evidence); the document itself is not stored by the gateway, as it may hold personal data.",
  });

const recordEvidenceSchema = z.object({ type: z.literal("record"), document: recordDocumentSchema });

const consentEvidenceSchema = z.discriminatedUnion("type", [
  recordEvidenceSchema,
  z
    .object({
      type: z.literal("signature"),
      signer: addressSchema.meta({ description: "the subject's signing key (EOA or ERC-1271 wallet)" }),
      signature: signatureSchema,
      nonce: uintSchema.meta({ description: "the registry's current nonce of the signer (0 for a new key)" }),
      deadline: timeSchema.meta({ description: "the signed deadline, by the chain's clock" }),
    })
    .meta({ description: CONSENT_SIGNING_TEXT, "x-kuajie-eip712": eip712Extension("Consent") }),
]);

export const recordConsentBodySchema = z
  .object({
    subject: consentSubjectSchema,
    recipient: bytes32Schema.meta({ description: "the department the consent is given to" }),
    resourceId: bytes32Schema,
    purpose: z.object({ code: shortCodeSchema }),
    validFrom: timeSchema
      .optional()
      .meta({ description: "default: in effect from recording (0); with signature evidence, the value signed" }),
    validUntil: timeSchema,
    separate: z.boolean().default(false).meta({ description: "PIPL Art. 23 / 29 separate consent" }),
    evidence: consentEvidenceSchema,
  })
  .meta({
    id: "RecordConsent",
    examples: [
      {
        subject: { idType: "resident_id", idNumber: "990000198001010012" },
        recipient: "0xc7117aa9d86240bf85486fff38adfb797eb3558d70e17786ae9980fcc31d0dcf",
        resourceId: "0x71ce518a990fd24ab4ac8ff7fe04209f1b4b307a839ab48e440fc84dfa06d2b9",
        purpose: { code: "minimum-living-allowance" },
        validUntil: "2030-01-01T00:00:00Z",
        separate: true,
        evidence: { type: "record", document: { form: "ISO/IEC TS 27560 consent record", counter: 7 } },
      },
    ],
  });
export type RecordConsentBody = z.output<typeof recordConsentBodySchema>;

const withdrawEvidenceSchema = z.discriminatedUnion("type", [
  recordEvidenceSchema,
  z
    .object({
      type: z.literal("signature"),
      signature: signatureSchema,
      deadline: timeSchema.meta({ description: "the signed deadline, by the chain's clock" }),
    })
    .meta({ description: WITHDRAWAL_SIGNING_TEXT, "x-kuajie-eip712": eip712Extension("Withdrawal") }),
]);
export type WithdrawEvidence = z.output<typeof withdrawEvidenceSchema>;

export const withdrawConsentBodySchema = z.object({ evidence: withdrawEvidenceSchema }).meta({
  id: "WithdrawConsent",
  examples: [{ evidence: { type: "record", document: { form: "withdrawal request", counter: 3 } } }],
});

export const consentIdParamsSchema = z.object({ id: bytes32Schema });
export const subjectRefParamsSchema = z.object({ subjectRef: subjectRefSchema });

const actorSchema = z.object({
  kind: z.enum(["department", "subject", "council", "time"]),
  departmentId: z.string().optional(),
  signer: z.string().optional(),
});

const consentHistoryEntrySchema = z.object({
  event: z.enum(["recorded", "superseded", "withdrawn", "revoked", "expired"]),
  blockNumber: z.number().int().nullable().meta({ description: "null for expiry, which no transaction causes" }),
  time: z.string().meta({ description: "ISO 8601" }),
  txHash: z.string().nullable(),
  actor: actorSchema,
  evidence: z.string().optional(),
  supersededBy: z.string().optional(),
});

const consentStatusSchema = z.enum(["active", "withdrawn", "revoked", "expired", "superseded"]);

export const consentSchema = z
  .object({
    consentId: z.string(),
    subjectRef: z.string(),
    status: consentStatusSchema,
    inEffect: z.boolean().meta({ description: "active and within its validity now" }),
    recipient: z.string(),
    resourceId: z.string(),
    purpose: z.object({ code: z.string() }),
    separate: z.boolean(),
    validFrom: z.string().nullable().meta({ description: "ISO 8601; null: in effect from recording" }),
    validUntil: z.string(),
    evidence: z.object({
      type: z.enum(["record", "signature"]),
      hash: z.string().optional(),
      signer: z.string().optional(),
    }),
    recorder: z.string(),
    supersededBy: z.string().nullable(),
    recordedBlock: z.number().int(),
    recordedAt: z.string(),
    recordedTx: z.string().meta({ description: "the transaction that recorded it" }),
    history: z.array(consentHistoryEntrySchema),
    block: z.number().int(),
  })
  .meta({ id: "Consent" });

export const consentWriteResultSchema = consentSchema
  .partial()
  .required({ consentId: true, subjectRef: true, status: true, block: true })
  .extend({
    txHash: z.string().meta({ description: "the transaction of this request" }),
    indexed: z
      .literal(false)
      .optional()
      .meta({ description: "present when the index had not reached the transaction yet: only the ids and status" }),
  })
  .meta({ id: "ConsentWriteResult" });

export const subjectConsentsSchema = z
  .object({
    subjectRef: z.string(),
    items: z.array(consentSchema.omit({ block: true })),
    block: z.number().int(),
  })
  .meta({ id: "SubjectConsents" });

export const consentRecordQuerySchema = z.object({
  format: z.enum(CONSENT_RECORD_FORMATS).meta({
    description:
      "iso27560: an ISO/IEC TS 27560:2023 consent record (header, processing, parties, events); kantara: a Kantara " +
      "Consent Receipt v1.1 (KI-CR-v1.1.0)",
  }),
});

const chainEvidenceSchema = z.object({
  chainId: z.number().int(),
  contract: z.string(),
  events: z.array(
    z.object({
      event: z.string(),
      transactionHash: z.string(),
      blockNumber: z.number().int(),
      logIndex: z.number().int(),
      time: z.string(),
    }),
  ),
});

export const consentRecordSchema = z
  .union([
    z
      .looseObject({
        header: z.looseObject({ schema_version: z.string(), record_id: z.string(), pii_principal_id: z.string() }),
        processing: z.looseObject({}),
        parties: z.array(z.looseObject({})),
        events: z.array(z.looseObject({ event_time: z.string(), event_state: z.string(), entity_id: z.string() })),
        chain_evidence: chainEvidenceSchema,
      })
      .meta({ description: "format=iso27560: valid against schemas/iso27560/consent-record.schema.json" }),
    z
      .looseObject({
        version: z.literal("KI-CR-v1.1.0"),
        consentReceiptID: z.string(),
        piiPrincipalId: z.string(),
        consentStatus: z.string(),
        chainEvidence: chainEvidenceSchema,
      })
      .meta({ description: "format=kantara: valid against schemas/kantara/consent-receipt-v1.1.schema.json" }),
  ])
  .meta({ id: "ConsentRecordExport" });
