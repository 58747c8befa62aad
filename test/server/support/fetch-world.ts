/**
 * Arranging what a data fetch needs directly on chain — catalog resources pointing at the demo backends,
 * agreements, grants and consents — through the gateway's own signing keys (`gw.chain.write`, the same serialised
 * sender the anchorer uses, so that no two senders race for a department's nonces). Each write returns once mined
 * and indexed, so the gateway's policy already reflects it.
 */
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { id as keccakUtf8 } from "ethers";
import { expect } from "chai";
import request from "supertest";
import type { ResourceDefinition } from "../../../backends/datasets";
import type { RunningBackends } from "../../../backends/main";
import { LEGAL_BASIS, QUOTA_PERIOD, SECURITY_LEVEL, SHARE_TYPE } from "../../../core/codes/enumerations";
import { fieldsToMask } from "../../../server/src/common/field-mask";
import { codeToBytes32 } from "../../../server/src/common/short-codes";
import { residentIdCheckChar } from "../../../core/identity/resident-id";
import { canonicalJson } from "../../../core/json/canonical-json";
import type { KuajieChain } from "../../../server/src/chain/adapter";
import type { Db } from "../../../server/src/common/db";
import { UpstreamStore } from "../../../server/src/store/upstreams";
import type { LiveGateway } from "./live-gateway";

/**
 * What the builders below need: a chain writer for the departments they act as, the deployed system, and an app
 * to compute subject references at. One gateway serving every department is one; so is the two-gateway world
 * (federation.ts), which sends each department's writes through the gateway that holds its key.
 */
export interface ChainWorld {
  system: LiveGateway["system"];
  chain: Pick<KuajieChain, "write" | "accountOf">;
  app: LiveGateway["app"];
  bearer: LiveGateway["bearer"];
  /** The database of the gateway that serves `key` (where a provider keeps its private upstreams). */
  dbOf?(key: string): Db;
  db?: Db;
}

function databaseOf(gw: ChainWorld, key: string): Db {
  const db = gw.dbOf?.(key) ?? gw.db;
  if (!db) throw new Error(`no gateway database for ${key}`);
  return db;
}

const YEAR = 365 * 24 * 3600;

export interface RegisteredResource {
  id: string;
  definition: ResourceDefinition;
}

function eventArg(
  result: { events: Array<{ name: string; args: Record<string, unknown> }> },
  name: string,
  arg: string,
) {
  const event = result.events.find((e) => e.name === name);
  if (!event) throw new Error(`no ${name} event`);
  return String(event.args[arg]);
}

export function departmentId(gw: ChainWorld, key: string): string {
  return gw.system.departments[key].id.toLowerCase();
}

export async function registerResource(
  gw: ChainWorld,
  definition: ResourceDefinition,
  upstreamUrl: string,
): Promise<RegisteredResource> {
  const metadata = canonicalJson({
    name: definition.name,
    summary: definition.summary,
    fields: definition.fields.map((f) => ({ name: f.name, type: f.type, personal: f.personal })),
    updateCycle: definition.updateCycle,
  });
  const terms = {
    shareType: SHARE_TYPE.toIndex(definition.shareType),
    openType: 1,
    securityLevel: SECURITY_LEVEL.toIndex(definition.securityLevel),
    personal: definition.personal,
    sensitive: definition.sensitive,
    itemCount: definition.fields.length,
    legalBasis: keccakUtf8("demo legal basis"),
  };
  const result = await gw.chain.write(definition.provider, "DataCatalog", "register", [
    definition.code,
    terms,
    metadata,
  ]);
  const id = eventArg(result, "ResourceRegistered", "resourceId");
  // Which backend serves the resource is the provider gateway's private configuration, never on chain.
  new UpstreamStore(databaseOf(gw, definition.provider)).set(id, upstreamUrl);
  return { id, definition };
}

export interface AgreementOptions {
  fields: string[];
  purpose: string;
  legalBasis: (typeof LEGAL_BASIS.values)[number];
  quota?: { calls: number; per: (typeof QUOTA_PERIOD.values)[number] };
  validFor?: number;
  /** Department keys of co-consumers, who may issue their own grants under the agreement. */
  coConsumers?: string[];
}

/** Requests an agreement for `consumer` and, when the resource is conditional, has the provider approve it. */
export async function makeAgreement(
  gw: ChainWorld,
  consumer: string,
  resource: RegisteredResource,
  options: AgreementOptions,
): Promise<string> {
  const now = await time.latest();
  const { mask } = fieldsToMask(resource.definition.fields, options.fields);
  const terms = {
    resourceId: resource.id,
    coConsumers: (options.coConsumers ?? []).map((key) => departmentId(gw, key)),
    fieldMask: mask,
    purpose: codeToBytes32(options.purpose),
    legalBasis: LEGAL_BASIS.toIndex(options.legalBasis),
    validFrom: now - 60,
    validUntil: now + (options.validFor ?? YEAR),
    quota: { calls: options.quota?.calls ?? 0, per: QUOTA_PERIOD.toIndex(options.quota?.per ?? "none") },
    termsHash: keccakUtf8(`terms of ${consumer} on ${resource.definition.code} for ${options.purpose}`),
  };
  // On a basis other than consent the request names its legal reference; on personal data the provider must then
  // approve even an unconditional resource (issue 11).
  const result =
    options.legalBasis === "consent"
      ? await gw.chain.write(consumer, "SharingAgreements", "request", [terms])
      : await gw.chain.write(consumer, "SharingAgreements", "requestWithLegalReference", [
          terms,
          keccakUtf8(`legal reference of ${consumer} for ${options.purpose}`),
        ]);
  const agreementId = eventArg(result, "AgreementRequested", "agreementId");
  if (eventArg(result, "AgreementRequested", "status") === "0") {
    await gw.chain.write(resource.definition.provider, "SharingAgreements", "approve", [agreementId]);
  }
  return agreementId;
}

export interface GrantOptions {
  fields: string[];
  quota?: { calls: number; per: (typeof QUOTA_PERIOD.values)[number] };
  grantee?: string;
}

export async function issueGrant(
  gw: ChainWorld,
  consumer: string,
  resource: RegisteredResource,
  agreementId: string,
  options: GrantOptions,
): Promise<string> {
  const { mask } = fieldsToMask(resource.definition.fields, options.fields);
  const result = await gw.chain.write(consumer, "Grants", "issue", [
    agreementId,
    options.grantee ?? gw.chain.accountOf(consumer),
    mask,
    0,
    options.quota?.calls ?? 0,
    QUOTA_PERIOD.toIndex(options.quota?.per ?? "none"),
  ]);
  return eventArg(result, "GrantIssued", "grantId");
}

export interface ConsentKey {
  subjectRef: string;
  recipient: string;
  resourceId: string;
  purpose: string;
}

export function consentKey(subjectRef: string, recipient: string, resourceId: string, purposeCode: string): ConsentKey {
  return { subjectRef, recipient, resourceId, purpose: codeToBytes32(purposeCode) };
}

/** Records a consent evidenced by a record hash, by the recipient department itself. */
export async function recordConsent(
  gw: ChainWorld,
  recorder: string,
  key: ConsentKey,
  validFor = YEAR,
): Promise<string> {
  const now = await time.latest();
  const result = await gw.chain.write(recorder, "ConsentRegistry", "record", [
    { key, separate: false, validFrom: now - 60, validUntil: now + validFor },
    keccakUtf8(`consent record ${key.subjectRef}`),
  ]);
  return eventArg(result, "ConsentRecorded", "consentId");
}

/** The subject reference the gateway computes for an identity. */
export async function subjectRefOf(gw: ChainWorld, idNumber: string): Promise<string> {
  const res = await request(gw.app)
    .post("/v1/subjects/ref")
    .set("Authorization", gw.bearer("data-bureau"))
    .send({ idType: "resident_id", idNumber })
    .expect(200);
  return res.body.subjectRef as string;
}

/** A well-formed synthetic (sequence 9xx) resident identity number that no demo person has (Beijing region). */
export function unknownResidentId(serial = 1): string {
  const first17 = `11010119700101${900 + (serial % 100)}`;
  return first17 + residentIdCheckChar(first17);
}

export async function setBackendMode(
  backends: RunningBackends,
  department: "public-security" | "hrss" | "health",
  mode: "normal" | "hang" | "error500" | "garbage" | "slow",
): Promise<void> {
  const res = await fetch(`${backends.urls[department]}/_control`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ mode }),
  });
  expect(res.status).to.equal(200);
}

/** Resolves once every receipt in a gateway's database is in a batch and every batch is anchored. */
export function receiptsSettled(db: Db): Promise<unknown> {
  const waiting = db
    .prepare(
      `SELECT (SELECT COUNT(*) FROM receipts WHERE batch_sequence IS NULL) +
              (SELECT COUNT(*) FROM receipt_batches WHERE status = 'pending')`,
    )
    .pluck();
  return eventually(async () => waiting.get() === 0);
}

/** Polls until `check` holds (or fails after `timeoutMs`). */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
