/**
 * The measured path, arranged through the gateway API as the departments would, each at its own gateway: the
 * public-security department registers its household-registration resource (conditional, personal) with its backend
 * as upstream, the city civil-affairs bureau requests an agreement on the basis of consent, the provider approves
 * it, the bureau issues itself a grant and records the consents of synthetic people; then `POST /v1/data/fetch` at
 * the bureau's gateway for those people is the authorized, consent-checked fetch, across two gateways once the
 * exchange is in (the consumer's gateway asks the provider's).
 */
import { demoDepartment } from "../../scripts/lib/demo-departments";
import { HOUSEHOLD_REGISTRATION } from "../../backends/datasets";
import { DEFAULT_PEOPLE, DEFAULT_SEED, generatePeople } from "../../backends/synthetic-people";
import { Skipped } from "./context";
import { PURPOSE } from "./sharing";
import { Api, CONSUMER, PROVIDER, declaredRoutes, missingRoutes, type Stack } from "./stack";

const FETCH_ROUTES = [
  "POST /v1/catalog/resources",
  "POST /v1/agreements",
  "POST /v1/agreements/{id}/approve",
  "POST /v1/grants",
  "POST /v1/consents",
  "POST /v1/data/fetch",
];

const GRANTED_FIELDS = ["idNumber", "name", "gender", "birthDate", "address"];

export interface FetchPath {
  grantId: string;
  agreementId: string;
  resourceId: string;
  consumerToken: string;
  subjects: { idType: "resident_id"; idNumber: string }[];
  /** autocannon requests for the gateway and for the bare proxy, cycling through the subjects. */
  kuajieRequests: { path: string; body: unknown; headers: Record<string, string> }[];
  bareRequests: { path: string; body: unknown }[];
}

/** Throws Skipped naming the routes the running gateway does not declare yet. */
export async function requireRoutes(stack: Stack, needed: readonly string[]): Promise<void> {
  const routes = await declaredRoutes(stack.gateway);
  // OpenAPI spells path parameters {id}; accept any parameter name.
  const normalised = new Set([...routes].map((r) => r.replace(/\{[^}]+\}/g, "{id}")));
  const missing = missingRoutes(normalised, needed);
  if (missing.length) throw new Skipped(`the gateway does not serve ${missing.join(", ")} yet`);
}

const iso = (secondsFromNow: number) => new Date(Date.now() + secondsFromNow * 1000).toISOString();

export async function arrangeFetchPath(
  stack: Stack,
  subjectCount: number,
  code = HOUSEHOLD_REGISTRATION.code,
): Promise<FetchPath> {
  await requireRoutes(stack, FETCH_ROUTES);
  const provider = new Api(stack.gateways[PROVIDER], stack.tokens[PROVIDER]);
  const consumer = new Api(stack.gateways[CONSUMER], stack.tokens[CONSUMER]);
  const r = HOUSEHOLD_REGISTRATION;
  const resource = await provider.post<{ resourceId: string }>("/v1/catalog/resources", {
    code,
    name: r.name,
    summary: r.summary,
    shareType: "conditional",
    openType: "restricted",
    securityLevel: r.securityLevel,
    personal: true,
    sensitive: false,
    fields: r.fields.map((f) => ({ name: f.name, type: f.type, personal: f.personal })),
    upstream: { url: stack.backends[PROVIDER] },
  });
  await stack.indexed(CONSUMER);
  const agreement = await consumer.post<{ agreementId: string | number }>("/v1/agreements", {
    resourceId: resource.resourceId,
    fields: GRANTED_FIELDS,
    purpose: { code: PURPOSE },
    legalBasis: "consent",
    validUntil: iso(365 * 24 * 3600),
  });
  const agreementId = String(agreement.agreementId);
  await stack.indexed(PROVIDER);
  await provider.post(`/v1/agreements/${agreementId}/approve`, {});
  await stack.indexed(CONSUMER);
  const grant = await consumer.post<{ grantId: string | number }>("/v1/grants", {
    agreementId: coerceId(agreement.agreementId),
  });
  const grantId = String(grant.grantId);

  const people = generatePeople({ seed: DEFAULT_SEED, count: DEFAULT_PEOPLE }).slice(0, subjectCount);
  const subjects = people.map((p) => ({ idType: "resident_id" as const, idNumber: p.idNumber }));
  const recipient = demoDepartment(CONSUMER).id;
  await Promise.all(
    subjects.map((subject, i) =>
      consumer.post("/v1/consents", {
        subject,
        recipient,
        resourceId: resource.resourceId,
        purpose: { code: PURPOSE },
        validUntil: iso(180 * 24 * 3600),
        evidence: { type: "record", document: { form: `bench consent form ${i}`, signedAt: iso(0) } },
      }),
    ),
  );
  const auth = { authorization: `Bearer ${stack.tokens[CONSUMER]}` };
  const body = (subject: (typeof subjects)[number]) => ({
    grantId: coerceId(grant.grantId),
    purpose: { code: PURPOSE },
    subject,
  });
  // One delivered fetch first: the path works end to end before it is measured.
  const first = await consumer.post<{ data: unknown; receipt: { id: string; status: string } }>(
    "/v1/data/fetch",
    body(subjects[0]),
  );
  if (!first.receipt?.id)
    throw new Error(`POST /v1/data/fetch answered without a receipt: ${JSON.stringify(first).slice(0, 300)}`);
  return {
    grantId,
    agreementId,
    resourceId: resource.resourceId,
    consumerToken: stack.tokens[CONSUMER],
    subjects,
    kuajieRequests: subjects.map((s) => ({ path: "/v1/data/fetch", body: body(s), headers: auth })),
    bareRequests: subjects.map((s) => ({
      path: "/fetch",
      body: { resourceCode: code, subject: s, fields: GRANTED_FIELDS },
    })),
  };
}

/** Ids come back as decimal strings or numbers; send them back as they came. */
function coerceId(id: string | number): string | number {
  return id;
}
