import type { RouteRegistry } from "../../common/route-registry";
import { callerKeyOf } from "../auth/caller";
import {
  consentIdParamsSchema,
  consentRecordQuerySchema,
  consentRecordSchema,
  consentSchema,
  consentWriteResultSchema,
  recordConsentBodySchema,
  withdrawConsentBodySchema,
} from "./schemas";
import type { ConsentRecordService } from "./record";
import type { ConsentService } from "./service";
import { CONSENT_SIGNING_TEXT, WITHDRAWAL_SIGNING_TEXT } from "./signing";

const ERRORS = {
  400: { description: "Malformed input (the field is named)" },
  403: { description: "The caller's department may not do this" },
  404: { description: "No such consent" },
  409: { description: "The consent is not active" },
  422: { description: "The registry refused it (errorName and args)" },
};

export function registerConsentRoutes(
  registry: RouteRegistry,
  service: ConsentService,
  records: ConsentRecordService,
): void {
  registry.route(
    {
      method: "post",
      path: "/v1/consents",
      summary: "Record a data subject's consent",
      description:
        "The identity number (if given) is turned into the subject reference and is neither stored nor logged. " +
        "Record evidence: only keccak256 of the document's canonical JSON is kept (on chain); concurrent record-" +
        "evidenced consents of one department are sent as one recordBatch transaction.\n\n" +
        CONSENT_SIGNING_TEXT,
      tag: "consents",
      auth: "operator",
      body: recordConsentBodySchema,
      responses: { 201: { description: "Recorded", schema: consentWriteResultSchema }, ...ERRORS },
    },
    ({ auth, body }) => service.record(callerKeyOf(auth), body),
  );
  registry.route(
    {
      method: "post",
      path: "/v1/consents/:id/withdraw",
      summary: "Withdraw a consent at the subject's request",
      description:
        "Record evidence: the subject's request received at the caller's counter (any member department; only its " +
        "hash is kept). Only a consent given by signature can be withdrawn by signature.\n\n" +
        WITHDRAWAL_SIGNING_TEXT,
      tag: "consents",
      auth: "operator",
      params: consentIdParamsSchema,
      body: withdrawConsentBodySchema,
      responses: { 200: { description: "Withdrawn", schema: consentWriteResultSchema }, ...ERRORS },
    },
    ({ auth, params, body }) => service.withdraw(callerKeyOf(auth), params.id, body.evidence),
  );
  registry.route(
    {
      method: "post",
      path: "/v1/consents/:id/revoke",
      summary: "Revoke a consent (its recording department)",
      tag: "consents",
      auth: "operator",
      params: consentIdParamsSchema,
      responses: { 200: { description: "Revoked", schema: consentWriteResultSchema }, ...ERRORS },
    },
    ({ auth, params }) => service.revoke(callerKeyOf(auth), params.id),
  );
  registry.route(
    {
      method: "get",
      path: "/v1/consents/:id",
      summary: "One consent with its history",
      tag: "consents",
      auth: "any",
      params: consentIdParamsSchema,
      responses: { 200: { description: "The consent", schema: consentSchema }, 404: ERRORS[404] },
    },
    ({ params }) => service.get(params.id),
  );
  registry.route(
    {
      method: "get",
      path: "/v1/consents/:id/record",
      summary: "One consent as a consent record other systems can read",
      description:
        "ISO/IEC TS 27560:2023 (header, processing, parties, events: given, withdrawn, revoked, expired, superseded, " +
        "each with its time and who indicated it) or Kantara Consent Receipt v1.1. Each carries the chain evidence " +
        "(chain id, ConsentRegistry address, and each event's transaction, block and log index) to check it " +
        "against the ledger. The principal is the subject reference; no identity number appears. Readable by the " +
        "same callers as the consent and the subject's trail.",
      tag: "consents",
      auth: "any",
      params: consentIdParamsSchema,
      query: consentRecordQuerySchema,
      responses: {
        200: { description: "The consent record", schema: consentRecordSchema },
        400: ERRORS[400],
        404: ERRORS[404],
      },
    },
    ({ params, query }) => records.export(params.id, query.format),
  );
}
