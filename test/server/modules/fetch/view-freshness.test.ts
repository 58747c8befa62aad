/**
 * Issue 11 item 7 at the service's edge: a gateway whose index has not yet been level with the chain's head decides
 * no fetch, and one whose view has aged past the limit neither. (The gateway-level case, a stopped indexer, is in
 * exchange.test.ts.)
 */
import { expect } from "chai";
import { createMetrics } from "../../../../server/src/common/metrics";
import { openDatabase } from "../../../../server/src/common/db";
import { ViewStaleError } from "../../../../server/src/modules/fetch/errors";
import { AccessPolicy } from "../../../../server/src/modules/fetch/policy";
import { QuotaCounters } from "../../../../server/src/modules/fetch/quota";
import { FetchService } from "../../../../server/src/modules/fetch/service";
import { PolicyStore } from "../../../../server/src/store/access-policy";
import { CatalogStore } from "../../../../server/src/store/catalog";
import { AgreementStore } from "../../../../server/src/store/agreements";
import { GrantStore } from "../../../../server/src/store/grants";
import { ConsentStore } from "../../../../server/src/store/consents";
import { IntentStore } from "../../../../server/src/store/intents";

const DEPARTMENT = `0x${"22".repeat(32)}`;

function service(syncedAtMs: number | null, nowMs: number): { fetches: FetchService; asked: string[] } {
  const asked: string[] = [];
  const db = openDatabase(":memory:");
  const fetches = new FetchService({
    policy: new AccessPolicy(
      new PolicyStore(db),
      new CatalogStore(db),
      new AgreementStore(db),
      new GrantStore(db),
      new ConsentStore(db),
    ),
    quota: new QuotaCounters("UTC"),
    record: () => Promise.reject(new Error("no receipt expected: the grant is not known")),
    intents: new IntentStore(db),
    anchorer: { lagMs: () => 0, divergence: () => null },
    metrics: createMetrics(),
    consortiumSecret: Buffer.alloc(32, 1),
    domain: { name: "Kuajie Exchange", version: "1", chainId: 31337, verifyingContract: `0x${"ab".repeat(20)}` },
    exchangeTimeoutMs: 1000,
    anchorMaxLagSeconds: 60,
    maxViewLagSeconds: 30,
    departmentIdOf: () => DEPARTMENT,
    gatewayAccountOf: () => null,
    signerOf: () => null,
    endpointOf: () => null,
    indexedBlock: () => 0,
    viewSyncedAtMs: () => syncedAtMs,
    exchange: async (endpoint) => {
      asked.push(endpoint);
      return { kind: "unreachable", detail: "unused" };
    },
    nowMs: () => nowMs,
  });
  return { fetches, asked };
}

const caller = { tokenId: 1, role: "operator" as const, departmentKey: "health" };
const body = { grantId: "1", purpose: { code: "minimum-living-allowance" } };

describe("Fetch: no decision on a stale view (issue 11 item 7)", function () {
  it("refuses every fetch before the first catch-up has reached the chain's head", async function () {
    const { fetches, asked } = service(null, 1_000_000);
    expect(fetches.viewLagSeconds()).to.equal(Number.POSITIVE_INFINITY);
    const error = await fetches.fetch(caller, body).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ViewStaleError);
    expect(error).to.include({ status: 503, code: "view_stale" });
    expect((error as ViewStaleError).detail).to.match(/not caught up/);
    expect(asked).to.deep.equal([]);
  });

  it("refuses when the view was last level with the head longer ago than the limit, not before", async function () {
    const stale = service(1_000_000, 1_000_000 + 30_001);
    expect(await stale.fetches.fetch(caller, body).catch((e: unknown) => e)).to.be.instanceOf(ViewStaleError);
    // Within the limit the view is fresh: an unknown grant is then a plain 404.
    const fresh = service(1_000_000, 1_000_000 + 30_000);
    const error = await fresh.fetches.fetch(caller, body).catch((e: unknown) => e);
    expect(error).to.include({ status: 404, code: "grant_not_found" });
  });
});
