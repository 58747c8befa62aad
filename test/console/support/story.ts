/**
 * What happens before the console's story, over the API as `npm run demo` does it: health registers its health-card
 * resource at its own gateway and Guangzhou civil affairs requests it, on the citizen's consent. The rest of the
 * story (answering, granting, consenting, querying, withdrawing, auditing) happens in the browser.
 */
import { z } from "zod";
import { DEMO_RESOURCES, buildDemoDatasets } from "../../../backends/datasets";
import { chainTime, waitForIndexed } from "../../../scripts/harness";
import { catalogBody } from "../../../scripts/lib/demo-catalog";
import type { BackendsFile, Credentials } from "../../../scripts/lib/dev-files";
import { GatewayClient, idSchema } from "../../../scripts/lib/gateway-client";

export const PROVIDER = "health";
export const CONSUMER = "gz-civil-affairs";
export const COUNCIL = "data-bureau";
export const PURPOSE = "minimum-living-allowance";
export const WANTED_FIELDS = ["bloodType", "lastCheckup"];
const DAY = 86_400;

export interface Department {
  key: string;
  id: string;
  name: string;
  token: string;
  gateway: string;
}

export function department(credentials: Credentials, key: string): Department {
  const found = credentials.departments.find((d) => d.key === key);
  if (!found) throw new Error(`no department ${key} in credentials.json`);
  return { key, id: found.id, name: found.name, token: found.token, gateway: found.gateway };
}

/** Until the department's gateway has indexed the chain's latest block. */
export function indexedAt(credentials: Credentials, who: Department): Promise<void> {
  return waitForIndexed(who.gateway, who.token, credentials.rpc, 60_000);
}

/** Health's health card registered, and civil affairs' request for two of its fields on the citizen's consent. */
export async function requestHealthCard(credentials: Credentials, backends: BackendsFile) {
  const health = department(credentials, PROVIDER);
  const civil = department(credentials, CONSUMER);
  const def = DEMO_RESOURCES.find((d) => d.code === "health-card")!;
  const provider = new GatewayClient(health.gateway);
  const listed = await provider.get(
    `/v1/catalog/resources?provider=${health.id}`,
    health.token,
    z.object({ items: z.array(z.object({ code: z.string(), resourceId: z.string() }).loose()) }),
  );
  // Registered once per chain: a second run against the same stack reuses it.
  const registered =
    listed.items.find((item) => item.code === def.code) ??
    (await provider.post(
      "/v1/catalog/resources",
      health.token,
      catalogBody(def, backends),
      201,
      z.object({ resourceId: z.string() }),
    ));
  await indexedAt(credentials, civil);
  const now = await chainTime(credentials.rpc);
  const requested = await new GatewayClient(civil.gateway).post(
    "/v1/agreements",
    civil.token,
    {
      resourceId: registered.resourceId,
      fields: WANTED_FIELDS,
      purpose: { code: PURPOSE, text: "Means test of an application for the minimum living allowance (最低生活保障)" },
      legalBasis: "consent",
      validUntil: new Date((now + 365 * DAY) * 1000).toISOString(),
      quota: { calls: 1000, per: "day" },
      terms: { text: "Use only for the stated purpose; do not pass on; delete after the decision." },
    },
    201,
    z.object({ agreementId: idSchema, status: z.literal("requested") }),
  );
  await indexedAt(credentials, health);
  return { resourceId: registered.resourceId, agreementId: requested.agreementId };
}

/** A synthetic citizen whose health card health's backend holds (never a real identity number: a 9xx sequence). */
export function citizen(backends: BackendsFile): string {
  const datasets = buildDemoDatasets({ seed: backends.seed, count: backends.people });
  const cards = datasets.health.find((set) => set.resource.code === "health-card");
  const idNumber = cards?.records[0]?.idNumber;
  if (typeof idNumber !== "string") throw new Error("health's backend holds no health card");
  return idNumber;
}
