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
  })
  .meta({ id: "ExchangeFetch" });
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
