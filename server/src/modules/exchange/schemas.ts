import { z } from "zod";
import { ExchangeRequestSchema, ExchangeResponseSchema } from "../../../../core/exchange";
import { subjectIdentitySchema } from "../../common/subject-ref";

/**
 * The body of `POST /exchange/v1/fetch` (docs/FEDERATION.md §3): the consumer department's signed request and what the
 * provider needs to serve it that must not be in the signed fields (the identity number, the parameters; both bound
 * to the signature through `subjectRef` and `paramsHash`).
 */
export const exchangeFetchBodySchema = z
  .strictObject({
    request: ExchangeRequestSchema.meta({ description: "the signed ExchangeRequest fields (EIP-712)" }),
    signature: z.string().max(200).meta({
      description: "the consumer operator's EIP-712 signature of `request` (65 bytes as 0x hex)",
    }),
    subject: subjectIdentitySchema.optional().meta({
      description: "the person the data is about; its reference must equal request.subjectRef. Never stored.",
    }),
    params: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: "passed to the backend; keccak256(canonicalJson(params ?? null)) must equal paramsHash" }),
    atBlock: z
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .optional()
      .meta({
        description:
          "the block the consumer's view had reached when it decided: the provider decides on a view at least this " +
          "recent, waiting a bounded time for its indexer (read-your-writes across gateways); not signed, only a hint",
      }),
  })
  .meta({
    id: "ExchangeFetch",
    examples: [
      {
        request: {
          requestId: "0x50d1ad496b98fe5c015f29d5a17cec9a338e4a65dd0939dd126b8a3e58f7b2fa",
          consumer: "0x51c080765cc516f2009e8426b5f216db5c8231a1a4aa7d9666f6cf34385f49c9",
          grantId: "1",
          purpose: "0x6d696e696d756d2d6c6976696e672d616c6c6f77616e63650000000000000000",
          subjectRef: "0x592296fe1c7339f0f264e8cf6662351901317cbb539f3bb170ba94be757f0219",
          fieldMask: "0x6",
          paramsHash: "0xefbde2c3aee204a69b7696d4b10ff31137fe78e3946306284f806e2dfc68b805",
          time: 1796025600,
        },
        signature: `0x${"1b".repeat(65)}`,
        subject: { idType: "resident_id", idNumber: "990000198001010012" },
      },
    ],
  });
export type ExchangeFetchBody = z.output<typeof exchangeFetchBodySchema>;

export const exchangeAnswerSchema = z
  .object({
    data: z
      .union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))])
      .optional()
      .meta({ description: "only when delivered: exactly what response.responseHash commits to" }),
    response: ExchangeResponseSchema.meta({ description: "the provider's signed ExchangeResponse fields (EIP-712)" }),
    signature: z.string().meta({ description: "by an operator account of the provider department" }),
    detail: z
      .string()
      .optional()
      .meta({ description: "why, in words (not signed: the signed code is response.reason)" }),
  })
  .meta({ id: "ExchangeAnswer" });
