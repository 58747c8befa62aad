import type { RouteModule } from "../../app";
import { ForbiddenError } from "../../common/errors";
import type { AuthContext } from "../../common/request-context";
import type { RouteRegistry } from "../../common/validate";
import type { Feature } from "../../gateway";
import { ConsentBatcher } from "./batcher";
import {
  consentIdParamsSchema,
  consentSchema,
  consentWriteResultSchema,
  recordConsentBodySchema,
  subjectConsentsSchema,
  subjectRefParamsSchema,
  withdrawConsentBodySchema,
} from "./schemas";
import { ConsentService, consentStoreOf } from "./service";
import { CONSENT_SIGNING_TEXT, WITHDRAWAL_SIGNING_TEXT } from "./signing";

/** Consents: recorded through the caller department's key (record evidence coalesced into batches), read from the projection. */
export const consentsFeature: Feature = (ctx) => {
  const batcher = new ConsentBatcher(ctx.chain);
  ctx.onStop(() => batcher.close());
  const service = new ConsentService({
    chain: ctx.chain,
    store: consentStoreOf(ctx),
    departments: ctx.departments,
    batcher,
    consortiumSecret: ctx.config.consortiumSecret,
    indexedBlock: () => ctx.chain.indexer.status().indexedBlock,
  });
  const module: RouteModule = (registry) => registerConsentRoutes(registry, service);
  return module;
};

function departmentKeyOf(auth: AuthContext): string {
  if (auth.departmentKey === null) throw new ForbiddenError("this token acts for no department");
  return auth.departmentKey;
}

const ERRORS = {
  400: { description: "Malformed input (the field is named)" },
  403: { description: "The caller's department may not do this" },
  404: { description: "No such consent" },
  409: { description: "The consent is not active" },
  422: { description: "The registry refused it (errorName and args)" },
};

export function registerConsentRoutes(registry: RouteRegistry, service: ConsentService): void {
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
    ({ auth, body }) => service.record(departmentKeyOf(auth), body),
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
    ({ auth, params, body }) => service.withdraw(departmentKeyOf(auth), params.id, body.evidence),
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
    ({ auth, params }) => service.revoke(departmentKeyOf(auth), params.id),
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
      path: "/v1/subjects/:subjectRef/consents",
      summary: "Every consent of a subject with its full history",
      description:
        "Recorded, superseded, withdrawn, revoked and expired (by time), with block, time, transaction and actor.",
      tag: "consents",
      auth: "any",
      params: subjectRefParamsSchema,
      responses: { 200: { description: "The subject's trail", schema: subjectConsentsSchema } },
    },
    ({ params }) => service.subjectTrail(params.subjectRef),
  );
}
