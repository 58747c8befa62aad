/**
 * Issue 17: the access policy reads indexed state from SQLite. Its projection survives a restart (no replay), each
 * applied page drops what it changed from the small cache, and a consent is read from the consent store when a fetch
 * is decided, as the core's fold defines the key's current consent. A decision seeks, never scans: its cost must not
 * grow with the consents and grants indexed.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { IndexedEvent, JsonObject } from "../../../../server/src/common/indexed-event";
import { migrate, openDatabase, type Db } from "../../../../server/src/common/db";
import { decide } from "../../../../server/src/modules/fetch/decide";
import { AccessPolicy } from "../../../../server/src/modules/fetch/policy";
import { PolicyStore } from "../../../../server/src/store/access-policy";
import { CatalogStore } from "../../../../server/src/store/catalog";
import { AgreementStore } from "../../../../server/src/store/agreements";
import { GrantStore } from "../../../../server/src/store/grants";
import { ConsentStore } from "../../../../server/src/store/consents";

const word = (byte: string) => `0x${byte.repeat(32)}`;
const PROVIDER = word("a1");
const CONSUMER = word("b2");
const RESOURCE = word("c3");
const PURPOSE = word("d4");
const SUBJECT = word("e5");
const GRANTEE = `0x${"f6".repeat(20)}`;
const T0 = 1_900_000_000;
const ZERO = word("00");
/** A resource's terms as DataCatalog's events carry them. */
const terms = (itemCount: number) => ({
  shareType: 1,
  openType: 0,
  securityLevel: 1,
  personal: true,
  sensitive: false,
  itemCount,
  legalBasis: ZERO,
});

let logIndex = 0;
function event(contract: string, name: string, args: JsonObject, block = 1): IndexedEvent {
  return {
    blockNumber: block,
    logIndex: logIndex++,
    txHash: word("99"),
    address: `0x${"00".repeat(20)}`,
    contract,
    name,
    args,
    blockTime: T0 + block,
  };
}

const history = (): IndexedEvent[] => [
  event("Consortium", "OperatorAdded", { departmentId: CONSUMER, account: GRANTEE }),
  event("DataCatalog", "ResourceRegistered", {
    resourceId: RESOURCE,
    provider: PROVIDER,
    code: "HR-001",
    terms: terms(2),
    metadataHash: word("77"),
    metadata: JSON.stringify({ fields: [{ name: "name", type: "string", personal: true }, { name: "age" }] }),
  }),
  event("SharingAgreements", "AgreementRequested", {
    agreementId: "7",
    resourceId: RESOURCE,
    consumer: CONSUMER,
    provider: PROVIDER,
    terms: {
      coConsumers: [],
      fieldMask: "3",
      purpose: PURPOSE,
      legalBasis: "0",
      validFrom: String(T0),
      validUntil: String(T0 + 86_400),
      quota: { calls: "100", per: "3" },
      termsHash: word("11"),
    },
    replyDeadline: "0",
    requiresConsent: true,
    status: "1",
  }),
  event("Grants", "GrantIssued", {
    grantId: "9",
    agreementId: "7",
    consumer: CONSUMER,
    grantee: GRANTEE,
    fieldMask: "1",
    expiresAt: String(T0 + 3_600),
    quota: { calls: "10", per: "2" },
  }),
  event("ConsentRegistry", "ConsentRecorded", {
    subjectRef: SUBJECT,
    consentId: word("01"),
    recipient: CONSUMER,
    resourceId: RESOURCE,
    purpose: PURPOSE,
    separate: true,
    validFrom: String(T0),
    validUntil: String(T0 + 600),
    evidenceKind: "2",
    evidence: word("12"),
    recorder: CONSUMER,
    afterWithdrawal: false,
  }),
];

describe("Access policy on SQLite (issue 17)", function () {
  let dir: string;
  let db: Db;

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-policy-"));
    db = openDatabase(path.join(dir, "gateway.sqlite"));
  });

  afterEach(function () {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The projections the policy reads but consents: the gateway applies each page to all of them, in one transaction. */
  interface Projections {
    fresh: boolean;
    apply(events: readonly IndexedEvent[]): void;
    reset(): void;
  }

  function open(): { store: Projections; consents: ConsentStore; policy: AccessPolicy } {
    const policyStore = new PolicyStore(db);
    const catalog = new CatalogStore(db);
    const agreements = new AgreementStore(db);
    const grants = new GrantStore(db);
    const consents = new ConsentStore(db);
    const store: Projections = {
      fresh: policyStore.fresh,
      apply: (events) => {
        catalog.apply(events);
        agreements.apply(events);
        grants.apply(events);
        policyStore.apply(events);
      },
      reset: () => {
        catalog.reset();
        agreements.reset();
        grants.reset();
        policyStore.reset();
      },
    };
    return { store, consents, policy: new AccessPolicy(policyStore, catalog, agreements, grants, consents) };
  }

  it("is fresh only when its tables are created, and answers after a restart without any replay", function () {
    const first = open();
    expect(first.store.fresh).to.equal(true);
    const events = history();
    db.transaction(() => {
      first.store.apply(events);
      first.consents.apply(events);
    })();
    db.close();
    db = openDatabase(path.join(dir, "gateway.sqlite"));

    const { store, policy } = open();
    expect(store.fresh).to.equal(false);
    expect(policy.resource(RESOURCE.toUpperCase().replace("0X", "0x"))).to.deep.include({
      provider: PROVIDER,
      code: "HR-001",
      version: 1,
      personal: true,
      fields: [
        { name: "name", type: "string", personal: true },
        { name: "age", type: "string", personal: false },
      ],
    });
    expect(policy.agreement("7")).to.deep.include({
      provider: PROVIDER,
      purpose: PURPOSE,
      storedStatus: "active",
      requiresConsent: true,
      fieldMask: 3n,
      quota: { calls: 100, per: "day" },
    });
    expect(policy.grant("9")).to.deep.include({ grantee: GRANTEE, fieldMask: 1n, status: "active" });
    expect(policy.actsFor(GRANTEE.toUpperCase().replace("0X", "0x"), CONSUMER)).to.equal(true);
    expect(policy.actsFor(GRANTEE, PROVIDER)).to.equal(false);
    expect(policy.consent(SUBJECT, CONSUMER, RESOURCE, PURPOSE)).to.deep.equal({
      id: word("01"),
      validFrom: T0,
      validUntil: T0 + 600,
      state: "active",
    });
    expect(policy.now(0)).to.equal(T0 + 1);
  });

  it("reads resources, agreements and grants from their own projections: a database that kept its own copies drops them, with no replay", function () {
    const earlier = openDatabase(path.join(dir, "earlier.sqlite"));
    try {
      const tables = () =>
        (earlier.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map(
          (t) => t.name,
        );
      // The policy's six migrations before these, its own agreements table among them (reduced to its key).
      migrate(earlier, "access_policy", [
        `CREATE TABLE policy_resources (resource_id TEXT PRIMARY KEY, provider TEXT NOT NULL, code TEXT NOT NULL,
           version INTEGER NOT NULL, retired INTEGER NOT NULL, personal INTEGER NOT NULL, fields_json TEXT NOT NULL)
           WITHOUT ROWID`,
        `CREATE TABLE policy_agreements (agreement_id TEXT PRIMARY KEY) WITHOUT ROWID`,
        `CREATE TABLE policy_grants (grant_id TEXT PRIMARY KEY, agreement_id TEXT NOT NULL, consumer TEXT NOT NULL,
           grantee TEXT NOT NULL, field_mask TEXT NOT NULL, expires_at INTEGER NOT NULL, quota_calls INTEGER NOT NULL,
           quota_per INTEGER NOT NULL, status INTEGER NOT NULL) WITHOUT ROWID`,
        `CREATE TABLE policy_operators (account TEXT PRIMARY KEY, department_id TEXT NOT NULL) WITHOUT ROWID`,
        `CREATE TABLE policy_suspended (department_id TEXT PRIMARY KEY) WITHOUT ROWID`,
        `CREATE TABLE policy_clock (id INTEGER PRIMARY KEY CHECK (id = 1), latest_block_time INTEGER NOT NULL)`,
      ]);
      expect(tables()).to.include.members(["policy_agreements", "policy_grants"]);
      expect(new PolicyStore(earlier).fresh).to.equal(false);
      expect(tables()).to.not.include.members(["policy_agreements"]);
      expect(tables()).to.not.include.members(["policy_grants"]);
      expect(tables()).to.not.include.members(["policy_resources"]);
      expect(tables()).to.include.members(["policy_operators", "policy_suspended", "policy_clock"]);
    } finally {
      earlier.close();
    }

    const { store, policy } = open();
    store.apply(history());
    const catalog = new CatalogStore(db);
    const agreements = new AgreementStore(db);
    const grants = new GrantStore(db);
    expect(policy.resource(RESOURCE)).to.deep.include({
      provider: PROVIDER,
      code: "HR-001",
      version: 1,
      retired: false,
    });
    expect(policy.resource(RESOURCE)?.fields).to.deep.equal(catalog.get(RESOURCE)?.fields);
    expect(policy.agreement("7")).to.deep.equal(agreements.state(7));
    expect(policy.agreement("7")).to.deep.include({ storedStatus: agreements.get(7)?.storedStatus, purpose: PURPOSE });
    expect(policy.grant("9")).to.deep.equal(grants.state(9));
    expect(policy.grant("9")).to.deep.include({ status: grants.get(9)?.status, grantee: GRANTEE.toLowerCase() });
    // Only an id's canonical decimal form names it (the rows are keyed by number).
    for (const alias of ["09", "9.0", "0x9", "9e0", " 9"]) expect(policy.grant(alias), alias).to.equal(undefined);
    for (const alias of ["07", "7.0", "7e0"]) expect(policy.agreement(alias), alias).to.equal(undefined);
    expect(policy.grant("9007199254740993")).to.equal(undefined);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name LIKE 'policy_%'`).pluck().all()).to.have.members([
      "policy_operators",
      "policy_suspended",
      "policy_clock",
    ]);
  });

  it("decides on the fields the catalog lists, also where the metadata names fewer items, none, or more", function () {
    const { store, policy } = open();
    const catalog = new CatalogStore(db);
    const cases = [
      { id: word("c4"), itemCount: 3, metadata: JSON.stringify({ fields: [{ name: "name" }] }) },
      { id: word("c5"), itemCount: 2, metadata: "not json" },
      { id: word("c6"), itemCount: 1, metadata: JSON.stringify({ fields: [{ name: "a" }, { name: "b" }] }) },
      {
        id: word("c7"),
        itemCount: 2,
        metadata: JSON.stringify({ fields: [{ name: 7 }, { name: "x", type: "blob" }] }),
      },
    ];
    store.apply(
      cases.map(({ id, itemCount, metadata }, i) =>
        event("DataCatalog", "ResourceRegistered", {
          resourceId: id,
          provider: PROVIDER,
          code: `R-${i}`,
          terms: terms(itemCount),
          metadataHash: word("77"),
          metadata,
        }),
      ),
    );
    const names = (id: string) => policy.resource(id)?.fields.map((f) => `${f.name}:${f.type}`);
    expect(names(word("c4"))).to.deep.equal(["name:string", "item_1:string", "item_2:string"]);
    expect(names(word("c5"))).to.deep.equal(["item_0:string", "item_1:string"]);
    expect(names(word("c6"))).to.deep.equal(["a:string"]);
    expect(names(word("c7"))).to.deep.equal(["item_0:string", "x:string"]);
    for (const { id } of cases) expect(policy.resource(id)?.fields, id).to.deep.equal(catalog.get(id)?.fields);

    // An update that names the items is read at once (the page drops the cached resource).
    store.apply([
      event(
        "DataCatalog",
        "ResourceUpdated",
        {
          resourceId: word("c5"),
          provider: PROVIDER,
          version: "2",
          terms: terms(2),
          metadataHash: word("78"),
          metadata: JSON.stringify({ fields: [{ name: "name" }, { name: "born", type: "date", personal: true }] }),
        },
        2,
      ),
    ]);
    expect(policy.resource(word("c5"))).to.deep.include({ version: 2 });
    expect(names(word("c5"))).to.deep.equal(["name:string", "born:date"]);
    expect(policy.resource(word("c5"))?.fields).to.deep.equal(catalog.get(word("c5"))?.fields);
  });

  it("drops from its cache what an indexed page changed: a paused grant is read paused at once", function () {
    const { store, consents, policy } = open();
    const events = history();
    store.apply(events);
    consents.apply(events);
    expect(policy.grant("9")?.status).to.equal("active");
    expect(policy.grant("10")).to.equal(undefined);
    // Read (and so cached) before the page that changes them: operators, suspensions and the chain's clock too.
    expect(policy.isSuspended(PROVIDER)).to.equal(false);
    expect(policy.actsFor(GRANTEE, CONSUMER)).to.equal(true);
    expect(policy.now(0)).to.equal(T0 + 1);
    store.apply([
      event("Grants", "GrantPaused", { grantId: "9", actor: CONSUMER, byCouncil: false }, 2),
      event("Grants", "GrantIssued", { ...(events[3].args as JsonObject), grantId: "10" }, 2),
      event("SharingAgreements", "AgreementSuspended", { agreementId: "7", actor: PROVIDER, byCouncil: false }, 2),
      event("DataCatalog", "ResourceRetired", { resourceId: RESOURCE, provider: PROVIDER, version: "1" }, 2),
      event("Consortium", "DepartmentSuspended", { departmentId: PROVIDER }, 2),
      event("Consortium", "OperatorRemoved", { departmentId: CONSUMER, account: GRANTEE }, 2),
    ]);
    expect(policy.grant("9")?.status).to.equal("paused");
    expect(policy.grant("10")?.status).to.equal("active");
    expect(policy.agreement("7")?.storedStatus).to.equal("suspended");
    expect(policy.resource(RESOURCE)?.retired).to.equal(true);
    expect(policy.isSuspended(PROVIDER)).to.equal(true);
    expect(policy.actsFor(GRANTEE, CONSUMER)).to.equal(false);
    expect(policy.now(0)).to.equal(T0 + 2);
  });

  it("reads a reinstated department and an account made operator again at once, after caching the opposite", function () {
    const { store, policy } = open();
    store.apply([
      ...history(),
      event("Consortium", "DepartmentSuspended", { departmentId: PROVIDER }, 2),
      event("Consortium", "OperatorRemoved", { departmentId: CONSUMER, account: GRANTEE }, 2),
    ]);
    expect(policy.isSuspended(PROVIDER)).to.equal(true);
    expect(policy.actsFor(GRANTEE, CONSUMER)).to.equal(false);
    store.apply([
      event("Consortium", "DepartmentReinstated", { departmentId: PROVIDER }, 3),
      event(
        "Consortium",
        "OperatorAdded",
        { departmentId: CONSUMER, account: GRANTEE.toUpperCase().replace("0X", "0x") },
        3,
      ),
    ]);
    expect(policy.isSuspended(PROVIDER)).to.equal(false);
    expect(policy.actsFor(GRANTEE, CONSUMER)).to.equal(true);
    expect(policy.now(0)).to.equal(T0 + 3);
  });

  it("reads the key's current consent at the time of the fetch: withdrawn, then superseded by a new one", function () {
    const { store, consents, policy } = open();
    const events = history();
    store.apply(events);
    consents.apply(events);
    consents.apply([
      event("ConsentRegistry", "ConsentWithdrawn", {
        subjectRef: SUBJECT,
        consentId: word("01"),
        department: CONSUMER,
        evidence: word("13"),
      }),
    ]);
    expect(policy.consent(SUBJECT, CONSUMER, RESOURCE, PURPOSE)?.state).to.equal("withdrawn");
    consents.apply([
      { ...events[4], logIndex: logIndex++, blockNumber: 3, args: { ...events[4].args, consentId: word("02") } },
    ]);
    expect(policy.consent(SUBJECT, CONSUMER, RESOURCE, PURPOSE)).to.deep.include({ id: word("02"), state: "active" });
    expect(policy.consent(SUBJECT, PROVIDER, RESOURCE, PURPOSE)).to.equal(undefined);
  });

  it("forgets everything on a reset, in the store and in the cache", function () {
    const { store, consents, policy } = open();
    const events = history();
    store.apply(events);
    consents.apply(events);
    expect(policy.grant("9")).to.not.equal(undefined);
    expect(policy.actsFor(GRANTEE, CONSUMER)).to.equal(true);
    expect(policy.now(0)).to.equal(T0 + 1);
    store.reset();
    consents.reset();
    expect(policy.grant("9")).to.equal(undefined);
    expect(policy.agreement("7")).to.equal(undefined);
    expect(policy.resource(RESOURCE)).to.equal(undefined);
    expect(policy.actsFor(GRANTEE, CONSUMER)).to.equal(false);
    expect(policy.consent(SUBJECT, CONSUMER, RESOURCE, PURPOSE)).to.equal(undefined);
    expect(policy.now(0)).to.equal(0);
  });

  it("decides a fetch by seeks alone: the consent through its key's index, everything else by primary key", function () {
    const ran: { sql: string; parameters: unknown[] }[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => watched(prepare(sql), ran)) as typeof db.prepare;
    let opened: ReturnType<typeof open>;
    try {
      opened = open();
    } finally {
      db.prepare = prepare;
    }
    const { store, consents, policy } = opened;
    const events = history();
    store.apply(events);
    consents.apply(events);
    ran.length = 0;

    const grant = policy.grant("9")!;
    const agreement = policy.agreement(grant.agreementId);
    const resource = policy.resource(RESOURCE);
    const now = policy.now(0) + 10;
    // No gateway account: ownership is read from the operators too, as the provider's check of a consumer does.
    const facts = { department: CONSUMER, gatewayAccount: null, purpose: PURPOSE, subjectRef: SUBJECT, now };
    expect(decide(policy, grant, agreement, resource, facts)).to.deep.equal({
      allowed: true,
      consentId: word("01"),
      account: GRANTEE,
    });

    const plans = ran.map(({ sql, parameters }) => ({ sql, plan: planOf(sql, parameters) }));
    const consent = plans.find((p) => /FROM consent_records/.test(p.sql));
    expect(consent?.plan).to.match(
      /SEARCH c USING INDEX consent_records_by_key \(subject_ref=\? AND recipient=\? AND resource_id=\? AND purpose=\?\)/,
    );
    expect(plans.map((p) => p.sql.match(/FROM (\w+)/)?.[1])).to.include.members([
      "grants",
      "agreements",
      "catalog_resources",
      "policy_operators",
      "policy_suspended",
      "policy_clock",
      "consent_records",
    ]);
    for (const { sql, plan } of plans) {
      expect(plan, sql)
        .to.match(/^SEARCH/)
        .and.not.match(/\bSCAN\b|TEMP B-TREE/);
    }
  });

  function planOf(sql: string, parameters: unknown[]): string {
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as { detail: string }[];
    return plan.map((p) => p.detail).join(" | ");
  }
});

/** The statement, reporting each execution (its SQL and parameters) to `ran`. */
function watched<S extends object>(statement: S, ran: { sql: string; parameters: unknown[] }[]): S {
  const run = statement as unknown as Record<string, (...parameters: unknown[]) => unknown> & { source: string };
  for (const method of ["get", "all", "run", "iterate"]) {
    const original = run[method].bind(statement);
    run[method] = (...parameters: unknown[]) => {
      ran.push({ sql: run.source, parameters });
      return original(...parameters);
    };
  }
  return statement;
}
