import { z } from "zod";
import { ExchangeRequestSchema, ExchangeResponseSchema, SignatureSchema } from "../../../../core/exchange";
import { RECEIPT_RESULTS } from "../../../../core/receipt";

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "expected 0x and 64 hex digits");
const lowerHex32 = hex32.transform((s) => s.toLowerCase());

export const receiptIdParamsSchema = z.object({ id: lowerHex32.meta({ description: "receipt id (bytes32 hex)" }) });

export const receiptListQuerySchema = z.strictObject({
  subjectRef: lowerHex32.optional().meta({ description: "only receipts about this subject reference" }),
  agreementId: z
    .string()
    .regex(/^(0|[1-9][0-9]{0,77})$/, "expected a decimal agreement id")
    .optional()
    .meta({ description: "only receipts under this agreement" }),
  since: z
    .string()
    .refine((v) => /^[0-9]{1,12}$/.test(v) || !Number.isNaN(Date.parse(v)), "expected unix seconds or an ISO 8601 time")
    .transform((v) => (/^[0-9]+$/.test(v) ? Number(v) : Math.floor(Date.parse(v) / 1000)))
    .optional()
    .meta({ description: "only receipts at or after this time (unix seconds or ISO 8601)" }),
  after: z
    .string()
    .regex(/^[0-9]{1,12}\.0x[0-9a-f]{64}\.[1-9][0-9]{0,14}$/, "expected the `next` of the previous page")
    .transform((v) => {
      const [time, department, sequence] = v.split(".");
      return { time: Number(time), department, sequence: Number(sequence) };
    })
    .optional()
    .meta({ description: "the next page: the `next` the previous page answered" }),
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, "expected an integer 1..1000")
    .transform(Number)
    .refine((n) => n >= 1 && n <= 1000, "expected an integer 1..1000")
    .optional()
    .meta({ description: "at most this many receipts, oldest first (default 100, at most 1000)" }),
});

const receiptSchema = z
  .object({
    id: z.string(),
    sequence: z.number().int(),
    time: z.number().int().meta({ description: "unix seconds of the decision" }),
    department: z.string().meta({ description: "requester department id" }),
    account: z.string(),
    grantId: z.string(),
    agreementId: z.string(),
    consentId: z.string(),
    provider: z.string(),
    resourceId: z.string(),
    resourceVersion: z.number().int(),
    fieldMask: z.string(),
    subjectRef: z.string(),
    purpose: z.string(),
    result: z.enum(RECEIPT_RESULTS),
    reason: z.string(),
    requestHash: z.string(),
    responseHash: z.string(),
    prevHash: z.string(),
  })
  .meta({ id: "Receipt" });

/** The signed messages of a federated exchange, as the receipt's writer kept them (docs/FEDERATION.md §1). */
const exchangeEvidenceSchema = z
  .object({
    request: ExchangeRequestSchema.meta({ description: "the consumer's signed ExchangeRequest (EIP-712 fields)" }),
    requestSignature: SignatureSchema.meta({ description: "by an operator account of the consumer department" }),
    response: ExchangeResponseSchema.optional().meta({
      description: "the provider's signed ExchangeResponse (absent when no signed answer came)",
    }),
    responseSignature: SignatureSchema.optional().meta({ description: "by an operator account of the provider" }),
  })
  .meta({ id: "ExchangeEvidence" });

/** Present only on federated receipts: pre-federation receipts keep their JSON exactly. */
const envelopeFields = {
  requestId: hex32.optional().meta({ description: "the exchange's random request id, shared by both sides' receipts" }),
  role: z.enum(["consumer", "provider"]).optional().meta({ description: "which side of the exchange wrote it" }),
  exchange: exchangeEvidenceSchema.optional(),
};

const batchSchema = z.object({
  sequence: z.number().int(),
  root: z.string(),
  txHash: z.string(),
  blockNumber: z.number().int(),
});

export const receiptViewSchema = z
  .object({
    receipt: receiptSchema,
    ...envelopeFields,
    leaf: z.string().meta({ description: "StandardMerkleTree leaf (the next receipt's prevHash)" }),
    status: z.enum(["pending", "anchored", "lost"]).meta({
      description:
        "anchored: its batch is on chain (batch and proof given); pending: not yet; lost: its batch is one its department declared lost (AccessLedger ReceiptsDeclaredLost), so it can no longer be proved",
    }),
    batch: batchSchema.optional().meta({ description: "the anchored batch, once anchored" }),
    proof: z.array(z.string()).optional().meta({ description: "Merkle proof against batch.root, once anchored" }),
    block: z.number().int(),
  })
  .meta({ id: "ReceiptView" });

export const receiptListSchema = z
  .object({
    items: z.array(
      z.object({
        receipt: receiptSchema,
        ...envelopeFields,
        leaf: z.string(),
        status: z.enum(["pending", "anchored", "lost"]),
        batchSequence: z.number().int().nullable(),
      }),
    ),
    next: z
      .string()
      .nullable()
      .meta({ description: "pass as `after` for the next page; null when this page is the last" }),
    block: z.number().int(),
  })
  .meta({ id: "ReceiptList" });
