import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import request from "supertest";
import type { z } from "zod";
import type { AuthLevel } from "../../../server/src/common/request-context";
import type { RegisteredRoute } from "../../../server/src/common/route-registry";
import { grantInsuranceToCivilAffairs } from "../../support/insurance-grant";
import { CALL } from "../../support/system";
import { encodeCallPayload } from "../../../core/council/proposals";
import { jsonSchemaOf, plausible } from "./arbitraries";
import { expectProblem, fillPath, freshAgent, routeId, startHostileGateway, type HostileGateway } from "./support";

/**
 * The gateway's authorization matrix, generated from the route registry: for every route, every caller that must not
 * get through is refused. The rows come from each route's `auth` level (a level this table does not know fails the
 * test), from whether it writes, and — for routes that act on a department-owned object — from OWNED below, which
 * must name every write route that takes an object id (a new one without a rule fails the test).
 */

type Caller =
  | "no token"
  | "garbage token"
  | "revoked token"
  | "auditor token"
  | "operator of a department without a council seat"
  | "council token of a department without a council seat"
  | "operator token"
  | "council token";

interface Row {
  caller: Caller;
  status: readonly number[];
}

/** The routes anyone may call without a token. Any other `auth: "none"` route fails the matrix. */
// The exchange takes no token: its requests are authenticated by their EIP-712 signature (test/server/modules/exchange).
const PUBLIC = new Set(["GET /healthz", "POST /exchange/v1/fetch"]);

const UNAUTHENTICATED: Row[] = [
  { caller: "no token", status: [401] },
  { caller: "garbage token", status: [401] },
  { caller: "revoked token", status: [401] },
];

const isWrite = (r: RegisteredRoute) => r.method !== "get" && !r.readOnly;

/** Who must be refused, by auth level. A level missing here fails the test. */
const RULES: Record<AuthLevel, (route: RegisteredRoute) => Row[]> = {
  none: () => [],
  any: (r) => [...UNAUTHENTICATED, ...(isWrite(r) ? [{ caller: "auditor token" as const, status: [403] }] : [])],
  operator: () => [...UNAUTHENTICATED, { caller: "auditor token", status: [403] }],
  council: () => [
    ...UNAUTHENTICATED,
    { caller: "auditor token", status: [403] },
    { caller: "operator of a department without a council seat", status: [403] },
    // A council token may be issued to any department; the chain knows who holds a seat (the body is valid).
    { caller: "council token of a department without a council seat", status: [403, 422] },
  ],
  auditor: () => [
    ...UNAUTHENTICATED,
    { caller: "operator token", status: [403] },
    { caller: "council token", status: [403] },
  ],
};

/** Objects owned by departments, made on chain before the matrix runs (gz-civil-affairs is the consumer). */
interface World {
  resourceId: string;
  requestedAgreementId: bigint;
  agreementId: bigint;
  grantId: bigint;
  consentId: string;
  /** gz-civil-affairs' open demand. */
  demandId: bigint;
  /** gz-civil-affairs' demand the council assigned to hrss. */
  assignedDemandId: bigint;
  /** gz-civil-affairs' objection on hrss's resource, disputed by hrss. */
  objectionId: bigint;
}

type ObjectKind =
  | "resource"
  | "requested agreement"
  | "agreement"
  | "grant"
  | "consent"
  | "demand"
  | "assigned demand"
  | "objection"
  | "none";

interface Owned {
  object: ObjectKind;
  /** The department that owns the object acts; `other` must be refused. */
  owner: string;
  body?: (w: World) => unknown;
}

/**
 * Write routes that act on a department-owned object (or name one in the body), with the object and its owner; the
 * "other department" row sends the request with the token of `health`, which owns none of them.
 */
const OWNED: Record<string, Owned> = {
  "PATCH /v1/catalog/resources/:id": { object: "resource", owner: "hrss" },
  "POST /v1/catalog/resources/:id/retire": { object: "resource", owner: "hrss" },
  "POST /v1/catalog/resources/:id/returned": { object: "resource", owner: "hrss" },
  "POST /v1/agreements/:id/approve": { object: "requested agreement", owner: "hrss" },
  "POST /v1/agreements/:id/reject": { object: "requested agreement", owner: "hrss", body: () => ({ reason: "no" }) },
  "POST /v1/agreements/:id/seal": { object: "requested agreement", owner: "gz-civil-affairs" },
  "POST /v1/agreements/:id/escalate": { object: "requested agreement", owner: "gz-civil-affairs" },
  "POST /v1/agreements/:id/suspend": { object: "agreement", owner: "hrss" },
  "POST /v1/agreements/:id/resume": { object: "agreement", owner: "hrss" },
  "POST /v1/agreements/:id/terminate": { object: "agreement", owner: "hrss" },
  "POST /v1/grants": {
    object: "none",
    owner: "gz-civil-affairs",
    body: (w) => ({ agreementId: w.agreementId.toString() }),
  },
  "POST /v1/grants/:id/pause": { object: "grant", owner: "gz-civil-affairs" },
  "POST /v1/grants/:id/resume": { object: "grant", owner: "gz-civil-affairs" },
  "POST /v1/grants/:id/revoke": { object: "grant", owner: "gz-civil-affairs" },
  "POST /v1/consents/:id/revoke": { object: "consent", owner: "gz-civil-affairs" },
  // Answering and fulfilling link a resource: only its provider may (hrss's resource, named in the body).
  "POST /v1/demands/:id/answer": { object: "demand", owner: "hrss", body: (w) => ({ resourceId: w.resourceId }) },
  "POST /v1/responsibilities/:id/fulfil": {
    object: "assigned demand",
    owner: "hrss",
    body: (w) => ({ resourceId: w.resourceId }),
  },
  "POST /v1/objections/:id/answer": {
    object: "objection",
    owner: "hrss",
    body: () => ({ outcome: "corrected", note: "fixed" }),
  },
  "POST /v1/objections/:id/escalate": { object: "objection", owner: "gz-civil-affairs" },
  "POST /v1/data/fetch": {
    object: "none",
    owner: "gz-civil-affairs",
    body: (w) => ({ grantId: w.grantId.toString(), purpose: { code: "allowance" } }),
  },
};

/**
 * Write routes with an id that any member department may call on any object, with the reason: the council's own
 * proposals (the council rule covers them), and a subject's withdrawal of consent, which PIPL Art. 15 lets the
 * subject make at any member's counter (IConsentRegistry.withdraw: any active department's operator).
 */
const NOT_DEPARTMENT_OWNED = new Set(["POST /v1/council/proposals/:id/approvals", "POST /v1/consents/:id/withdraw"]);

const OTHER_DEPARTMENT = "health";
const SUSPENDED = "gz-civil-affairs";

function objectId(w: World, kind: ObjectKind): string {
  switch (kind) {
    case "resource":
      return w.resourceId;
    case "requested agreement":
      return w.requestedAgreementId.toString();
    case "agreement":
      return w.agreementId.toString();
    case "grant":
      return w.grantId.toString();
    case "consent":
      return w.consentId;
    case "demand":
      return w.demandId.toString();
    case "assigned demand":
      return w.assignedDemandId.toString();
    case "objection":
      return w.objectionId.toString();
    case "none":
      return "1";
  }
}

/** A body the route's own schema accepts, if the generator finds one (so that the request reaches the handler). */
function validSample(schema: z.ZodType | undefined): unknown {
  if (!schema) return undefined;
  const arb = plausible(jsonSchemaOf(schema));
  for (const value of fc.sample(arb, { numRuns: 300, seed: 42 })) {
    if (schema.safeParse(value).success) return value;
  }
  return {};
}

async function buildWorld(h: HostileGateway): Promise<World> {
  const s = h.gw.system;
  const { resourceId, agreementId, grantId, agreementRequest, purpose, now, future, civil } =
    await grantInsuranceToCivilAffairs(s);
  await s.agreements.connect(civil).request(agreementRequest);
  const requestedAgreementId = await s.agreements.agreementCount();
  const key = {
    subjectRef: ethers.id("a synthetic subject"),
    recipient: s.departments[SUSPENDED].id,
    resourceId,
    purpose,
  };
  await s.consents
    .connect(civil)
    .record({ key, separate: false, validFrom: now, validUntil: future }, ethers.id("form"));
  const [, consentId] = await s.consents.activeConsent(key.subjectRef, key.recipient, key.resourceId, key.purpose);
  await s.demands.connect(civil).publish(JSON.stringify({ description: "pension status" }));
  const demandId = await s.demands.demandCount();
  await s.demands.connect(civil).publish(JSON.stringify({ description: "insurance status" }));
  const assignedDemandId = await s.demands.demandCount();
  const assign = s.demands.interface.encodeFunctionData("assign", [assignedDemandId, s.departments.hrss.id, 10]);
  await s.consortium
    .connect(s.operators["data-bureau"])
    .propose(CALL, encodeCallPayload(await s.demands.getAddress(), assign));
  await s.objections.connect(civil).raise(resourceId, 1n, "wrong dates", ethers.id("evidence"));
  const objectionId = await s.objections.objectionCount();
  await s.objections.connect(s.operators.hrss).dispute(objectionId, ethers.id("the register says so"));
  await h.gw.chain.indexer.catchUp();
  return { resourceId, requestedAgreementId, agreementId, grantId, consentId, demandId, assignedDemandId, objectionId };
}

describe("Hostile callers: the gateway's authorization matrix over every registered route", function () {
  this.timeout(300_000);
  let h: HostileGateway;
  let world: World;
  let revoked: string;
  let rows = 0;

  before(async function () {
    h = await startHostileGateway();
    world = await buildWorld(h);
    const issued = h.gw.tokens.create({ departmentKey: "hrss", role: "operator", label: "to revoke" });
    h.gw.tokens.revoke(issued.id);
    revoked = `Bearer ${issued.token}`;
  });
  after(async function () {
    console.log(`      authorization matrix: ${rows} refusals checked over ${h?.routes().length} routes`);
    await h?.stop();
  });

  function headerFor(caller: Caller): string | null {
    switch (caller) {
      case "no token":
        return null;
      case "garbage token":
        return `Bearer kj_${"A".repeat(43)}`;
      case "revoked token":
        return revoked;
      case "auditor token":
        return h.gw.bearer(null, "auditor");
      case "operator of a department without a council seat":
      case "operator token":
        return h.gw.bearer("hrss", "operator");
      case "council token":
        return h.gw.bearer("data-bureau", "council");
      case "council token of a department without a council seat":
        return h.gw.bearer("hrss", "council");
    }
  }

  async function call(route: RegisteredRoute, authorization: string | null, path?: string, body?: unknown) {
    // Each refused token counts against its client address: a fresh address keeps the limiter out of the matrix.
    const client = request(h.url);
    let req = client[route.method](path ?? fillPath(route.path, () => "1"))
      .agent(freshAgent())
      .timeout({ response: 20_000, deadline: 30_000 });
    if (authorization !== null) req = req.set("Authorization", authorization);
    if (route.method !== "get") req = req.send((body ?? {}) as object);
    return req.ok(() => true);
  }

  it("knows a rule for every route's auth level, and only /healthz and the signed exchange are public", function () {
    for (const route of h.routes()) {
      expect(Object.keys(RULES), `${routeId(route)}: auth level ${route.auth} has no rule`).to.include(route.auth);
      if (route.auth === "none") expect(PUBLIC.has(routeId(route)), `${routeId(route)} is public`).to.equal(true);
    }
  });

  it("has an ownership rule for every write route that takes an object id", function () {
    for (const route of h.routes().filter((r) => isWrite(r) && r.path.includes(":"))) {
      const id = routeId(route);
      expect(OWNED[id] !== undefined || NOT_DEPARTMENT_OWNED.has(id), `${id}: no ownership rule in OWNED`).to.equal(
        true,
      );
    }
  });

  it("refuses every caller the route's level does not admit (no, garbage or revoked token; wrong role)", async function () {
    for (const route of h.routes()) {
      for (const row of RULES[route.auth](route)) {
        const body = row.caller.startsWith("council token of") ? validSample(route.body) : {};
        const res = await call(route, headerFor(row.caller), undefined, body);
        expectProblem(res, row.status, `${routeId(route)} by ${row.caller}`);
        rows++;
      }
    }
  });

  it("refuses a department acting on another department's object", async function () {
    for (const route of h.routes()) {
      const owned = OWNED[routeId(route)];
      if (!owned) continue;
      const path = fillPath(route.path, () => objectId(world, owned.object));
      const body = owned.body ? owned.body(world) : validSample(route.body);
      const res = await call(route, h.gw.bearer(OTHER_DEPARTMENT, "operator"), path, body);
      expectProblem(res, [403, 422], `${routeId(route)} by ${OTHER_DEPARTMENT} on ${owned.owner}'s ${owned.object}`);
      rows++;
    }
  });

  it("refuses every write of a department the council suspended (403 or the contract's 422)", async function () {
    const s = h.gw.system;
    const payload = ethers.AbiCoder.defaultAbiCoder().encode(["bytes32"], [s.departments[SUSPENDED].id]);
    await s.consortium.connect(s.operators["data-bureau"]).propose(1, payload); // Suspend; the only seat: executes
    expect(await s.consortium.isActive(s.departments[SUSPENDED].id)).to.equal(false);
    await h.gw.chain.indexer.catchUp();
    const before = await s.consortium.runner!.provider!.getBlockNumber();
    for (const route of h.routes().filter((r) => isWrite(r) && r.auth !== "none")) {
      const owned = OWNED[routeId(route)];
      const path = fillPath(route.path, () => (owned ? objectId(world, owned.object) : "1"));
      const body = owned?.body ? owned.body(world) : validSample(route.body);
      const role = route.auth === "council" ? "council" : "operator";
      const res = await call(route, h.gw.bearer(SUSPENDED, role), path, body);
      // The request is well-formed and names the suspended department's own objects: only the suspension refuses it
      // (a route whose sample body names unknown ids may answer 404/409 first; never 2xx).
      // 409 where the object's state refuses the action before the chain is asked (resume of an active grant).
      const statuses = owned ? [403, 409, 422] : [400, 403, 404, 409, 422];
      expectProblem(res, statuses, `${routeId(route)} by suspended ${SUSPENDED}`);
      rows++;
    }
    // Nothing the suspended department sent was mined as a success.
    const logs = await s.consortium.runner!.provider!.getLogs({ fromBlock: before + 1, toBlock: "latest" });
    const civil = s.operators[SUSPENDED].address.toLowerCase();
    for (const log of logs) {
      const tx = await s.consortium.runner!.provider!.getTransaction(log.transactionHash);
      expect(tx?.from.toLowerCase()).to.not.equal(civil);
    }
  });

  it("answers the registry's routes in /openapi.json with the same auth levels", async function () {
    const res = await request(h.url).get("/openapi.json").expect(200);
    const paths = res.body.paths as Record<string, Record<string, { "x-kuajie-auth"?: string }>>;
    for (const route of h.routes()) {
      const op = paths[route.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")]?.[route.method];
      expect(op?.["x-kuajie-auth"], routeId(route)).to.equal(route.auth);
    }
  });
});
