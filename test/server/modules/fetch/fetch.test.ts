import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { id as keccakUtf8, keccak256, toUtf8Bytes, ZeroHash } from "ethers";
import { canonicalJson } from "../../../../core/json/canonical-json";
import request from "supertest";
import {
  HEALTH_CARD,
  HOUSEHOLD_REGISTRATION,
  MEDICAL_INSTITUTIONS,
  SOCIAL_INSURANCE_STATUS,
} from "../../../../backends/datasets";
import { startBackends, type RunningBackends, PORTS_FROM_OS } from "../../../../backends/main";
import { INTERNAL_NOTE_FIELD } from "../../../../backends/server";
import { fieldsToMask } from "../../../../server/src/common/field-mask";
import { codeToBytes32 } from "../../../../server/src/common/short-codes";
import { QuotaCounters } from "../../../../server/src/modules/fetch/quota";
import {
  consentKey,
  departmentId,
  issueGrant,
  makeAgreement,
  recordConsent,
  registerResource,
  setBackendMode,
  subjectRefOf,
  unknownResidentId,
  type RegisteredResource,
} from "../../support/fetch-world";
import { startFederation, type Federation } from "../../support/federation";
import { RECEIPT_ROW_COLUMNS, receiptOfRow } from "../../../../server/src/store/receipts";

const PURPOSE = "minimum-living-allowance";
const CIVIL = "gz-civil-affairs";
const GRANTED = ["name", "gender", "householdType"];

/**
 * The whole fetch across two gateways (the consumer's and the provider's, docs/FEDERATION.md) with the demo backends
 * behind the provider's: what the caller gets, what each refusal and failure looks like at the consumer's gateway.
 */
describe("Gateway: mediated data fetch (POST /v1/data/fetch), consumer and provider gateways", function () {
  this.timeout(120_000);
  let gw: Federation;
  let backends: RunningBackends;
  let household: RegisteredResource;
  let institutions: RegisteredResource;
  let insurance: RegisteredResource;
  let health: RegisteredResource;
  let householdAgreement: string;
  let householdGrant: string;
  let institutionsGrant: string;
  let people: string[];
  let subjectRef: string;
  let consentId: string;

  /** At the gateway that serves the fetching department (hrss and public security also consume). */
  const fetchAs = (department: string, body: object) =>
    request(gw.gatewayOf(department).app)
      .post("/v1/data/fetch")
      .set("Authorization", gw.gatewayOf(department).bearer(department))
      .send(body);
  const receiptOf = async (id: string, department = CIVIL) =>
    (
      await request(gw.gatewayOf(department).app)
        .get(`/v1/receipts/${id}`)
        .set("Authorization", gw.gatewayOf(department).bearer(department))
        .expect(200)
    ).body;
  const householdFetch = (idNumber: string, extra: object = {}) =>
    fetchAs(CIVIL, {
      grantId: householdGrant,
      purpose: { code: PURPOSE },
      subject: { idType: "resident_id", idNumber },
      ...extra,
    });
  /** Asserts a refusal: status, reason, and a stored denied receipt with that reason. */
  const expectDenied = async (res: request.Response, reason: string, status = 403, requester = CIVIL) => {
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    expect(res.headers["content-type"]).to.match(/application\/problem\+json/);
    expect(res.body).to.include({ reason });
    expect(res.body.receiptId).to.match(/^0x[0-9a-f]{64}$/);
    const stored = await receiptOf(res.body.receiptId, requester);
    expect(stored.receipt).to.include({ result: "denied", reason, fieldMask: "0x0", responseHash: ZeroHash });
    return stored;
  };

  before(async function () {
    backends = await startBackends({ ports: PORTS_FROM_OS, allowControl: true });
    gw = await startFederation({
      env: { KUAJIE_UPSTREAM_TIMEOUT_MS: "400", KUAJIE_RECEIPT_BATCH_SECONDS: "0.2" },
    });
    people = backends.datasets["public-security"][0].records.map((r) => String(r.idNumber));
    household = await registerResource(gw, HOUSEHOLD_REGISTRATION, backends.urls["public-security"]);
    institutions = await registerResource(gw, MEDICAL_INSTITUTIONS, backends.urls.health);
    insurance = await registerResource(gw, SOCIAL_INSURANCE_STATUS, backends.urls.hrss);
    health = await registerResource(gw, HEALTH_CARD, backends.urls.health);
    householdAgreement = await makeAgreement(gw, CIVIL, household, {
      fields: [...GRANTED, "birthDate"],
      purpose: PURPOSE,
      legalBasis: "consent",
    });
    householdGrant = await issueGrant(gw, CIVIL, household, householdAgreement, { fields: GRANTED });
    const institutionsAgreement = await makeAgreement(gw, "hrss", institutions, {
      fields: ["name", "district", "beds"],
      purpose: "service-directory",
      legalBasis: "public_interest",
    });
    institutionsGrant = await issueGrant(gw, "hrss", institutions, institutionsAgreement, {
      fields: ["name", "district", "beds"],
    });
    subjectRef = await subjectRefOf(gw, people[0]);
    consentId = await recordConsent(gw, CIVIL, consentKey(subjectRef, departmentId(gw, CIVIL), household.id, PURPOSE));
  });

  after(async function () {
    await gw?.stop();
    await backends?.close();
  });

  describe("delivery", function () {
    it("returns only the granted fields although the backend answers the whole record and more", async function () {
      const res = await householdFetch(people[0]).expect(200);
      expect(Object.keys(res.body.data).sort()).to.deep.equal([...GRANTED].sort());
      expect(res.body.data).not.to.have.property(INTERNAL_NOTE_FIELD);
      expect(res.body.data).not.to.have.property("idNumber");
      const record = backends.datasets["public-security"][0].records.find((r) => r.idNumber === people[0]);
      expect(res.body.data.name).to.equal(record?.name);
      expect(res.body.receipt).to.deep.include({ status: "pending" });
      expect(res.body.block).to.be.a("number");

      const stored = await receiptOf(res.body.receipt.id);
      const mask = fieldsToMask(HOUSEHOLD_REGISTRATION.fields, GRANTED).mask;
      expect(stored.receipt).to.include({
        result: "delivered",
        reason: "ok",
        grantId: householdGrant,
        agreementId: householdAgreement,
        department: departmentId(gw, CIVIL),
        provider: departmentId(gw, "public-security"),
        resourceId: household.id,
        resourceVersion: 1,
        fieldMask: `0x${mask.toString(16)}`,
        subjectRef,
        consentId,
        purpose: codeToBytes32(PURPOSE),
      });
      expect(stored.receipt.account.toLowerCase()).to.equal(gw.chain.accountOf(CIVIL)?.toLowerCase());
      expect(stored.receipt.responseHash).not.to.equal(ZeroHash);
      // The identity number is never stored, in the receipt or anywhere else in the receipts table.
      const rows = gw.consumer.db.prepare(`SELECT ${RECEIPT_ROW_COLUMNS} FROM receipts`).all();
      expect(rows).to.not.be.empty;
      expect(rows.some((r) => JSON.stringify(receiptOfRow(r).receipt).includes(people[0]))).to.equal(false);
      // Nor anywhere in a row's stored bytes (the packed receipt and envelope keep other text as UTF-8).
      expect(rows.some((r) => (r as { row: Buffer }).row.includes(Buffer.from(people[0])))).to.equal(false);
    });

    it("leaves a consumer receipt and a provider receipt that share the request and response hashes", async function () {
      const res = await householdFetch(people[0]).expect(200);
      const consumerSide = await receiptOf(res.body.receipt.id);
      expect(consumerSide).to.include({ role: "consumer" });
      const listed = await request(gw.provider.app)
        .get(`/v1/receipts?agreementId=${householdAgreement}`)
        .set("Authorization", gw.provider.bearer("public-security"))
        .expect(200);
      const providerSide = (
        listed.body.items as Array<{ requestId?: string; role?: string; receipt: Record<string, unknown> }>
      ).find((item) => item.requestId === consumerSide.requestId);
      expect(providerSide, "the provider's receipt of the same requestId").to.not.equal(undefined);
      expect(providerSide?.role).to.equal("provider");
      expect(providerSide?.receipt).to.include({
        result: "delivered",
        department: departmentId(gw, "public-security"),
        grantId: householdGrant,
        fieldMask: consumerSide.receipt.fieldMask,
        requestHash: consumerSide.receipt.requestHash,
        responseHash: consumerSide.receipt.responseHash,
      });
      expect(consumerSide.receipt.responseHash).to.equal(
        keccak256(toUtf8Bytes(canonicalJson({ data: res.body.data }))),
      );
    });

    it("filters every record of a list answer (a resource without subject, params passed through)", async function () {
      const res = await fetchAs("hrss", {
        grantId: institutionsGrant,
        purpose: { code: "service-directory" },
        params: { limit: 3 },
      }).expect(200);
      expect(res.body.data).to.have.length(3);
      for (const item of res.body.data) expect(Object.keys(item).sort()).to.deep.equal(["beds", "district", "name"]);
    });

    it("passes the provider's 404 through as 404 with a failed receipt", async function () {
      const agreement = await makeAgreement(gw, "hrss", household, {
        fields: ["name"],
        purpose: "pension-check",
        legalBasis: "statutory_duty",
      });
      const grant = await issueGrant(gw, "hrss", household, agreement, { fields: ["name"] });
      const res = await fetchAs("hrss", {
        grantId: grant,
        purpose: { code: "pension-check" },
        subject: { idType: "resident_id", idNumber: unknownResidentId(1) },
      }).expect(404);
      expect(res.body).to.include({ reason: "not_found" });
      const stored = await receiptOf(res.body.receiptId, "hrss");
      expect(stored.receipt).to.include({ result: "failed", reason: "not_found", fieldMask: "0x0" });
    });
  });

  describe("refusals, each a denied receipt", function () {
    it("grant_not_owned: another department's grant", async function () {
      const res = await fetchAs("hrss", {
        grantId: householdGrant,
        purpose: { code: PURPOSE },
        subject: { idType: "resident_id", idNumber: people[0] },
      });
      const stored = await expectDenied(res, "grant_not_owned", 403, "hrss");
      expect(stored.receipt.department).to.equal(departmentId(gw, "hrss"));
      expect(stored.receipt.account.toLowerCase()).to.equal(gw.chain.accountOf("hrss")?.toLowerCase());
    });

    it("grant_not_owned: a grant of the caller's department issued to an account that does not act for it", async function () {
      const agreement = await makeAgreement(gw, "hrss", institutions, {
        fields: ["name"],
        purpose: "other-system",
        legalBasis: "public_interest",
      });
      const grant = await issueGrant(gw, "hrss", institutions, agreement, {
        fields: ["name"],
        grantee: "0x000000000000000000000000000000000000bEEF",
      });
      await expectDenied(
        await fetchAs("hrss", { grantId: grant, purpose: { code: "other-system" } }),
        "grant_not_owned",
        403,
        "hrss",
      );
    });

    it("purpose_mismatch: a purpose that is not the agreement's", async function () {
      await expectDenied(await householdFetch(people[0], { purpose: { code: "marketing" } }), "purpose_mismatch");
    });

    it("subject_required: a personal resource fetched without a subject", async function () {
      await expectDenied(
        await fetchAs(CIVIL, { grantId: householdGrant, purpose: { code: PURPOSE } }),
        "subject_required",
      );
    });

    it("consent_missing: no consent of the subject for this use", async function () {
      const stored = await expectDenied(await householdFetch(people[1]), "consent_missing");
      expect(stored.receipt.consentId).to.equal(ZeroHash);
      expect(stored.receipt.subjectRef).to.equal(await subjectRefOf(gw, people[1]));
    });

    it("consent_withdrawn: the subject withdrew the consent, and a new consent lets fetches through again", async function () {
      const ref = await subjectRefOf(gw, people[2]);
      const key = consentKey(ref, departmentId(gw, CIVIL), household.id, PURPOSE);
      const id = await recordConsent(gw, CIVIL, key);
      await householdFetch(people[2]).expect(200);
      await gw.chain.write("public-security", "ConsentRegistry", "withdraw", [key, keccakUtf8("request at a counter")]);
      const stored = await expectDenied(await householdFetch(people[2]), "consent_withdrawn");
      expect(stored.receipt.consentId).to.equal(id);
      await recordConsent(gw, CIVIL, key);
      await householdFetch(people[2]).expect(200);
    });

    it("consent_withdrawn: a consent revoked by its recording department", async function () {
      const ref = await subjectRefOf(gw, people[3]);
      const key = consentKey(ref, departmentId(gw, CIVIL), household.id, PURPOSE);
      await recordConsent(gw, CIVIL, key);
      await gw.chain.write(CIVIL, "ConsentRegistry", "revoke", [key]);
      await expectDenied(await householdFetch(people[3]), "consent_withdrawn");
    });

    it("consent_expired: the consent's validity ended (chain time moved past it)", async function () {
      const ref = await subjectRefOf(gw, people[4]);
      await recordConsent(gw, CIVIL, consentKey(ref, departmentId(gw, CIVIL), household.id, PURPOSE), 600);
      await householdFetch(people[4]).expect(200);
      await time.increase(3600);
      // Any indexed block tells the gateway how far the chain's clock has moved.
      await recordConsent(
        gw,
        CIVIL,
        consentKey(await subjectRefOf(gw, people[5]), departmentId(gw, CIVIL), household.id, PURPOSE),
      );
      await expectDenied(await householdFetch(people[4]), "consent_expired");
    });

    it("grant_inactive: a paused grant is refused, a resumed one serves again, a revoked one never", async function () {
      const grant = await issueGrant(gw, CIVIL, household, householdAgreement, { fields: ["name"] });
      const body = {
        grantId: grant,
        purpose: { code: PURPOSE },
        subject: { idType: "resident_id", idNumber: people[0] },
      };
      await fetchAs(CIVIL, body).expect(200);
      await gw.chain.write("public-security", "Grants", "pause", [grant]);
      await expectDenied(await fetchAs(CIVIL, body), "grant_inactive");
      // The checks run in order: a paused grant is refused as such even with a wrong purpose.
      await expectDenied(await fetchAs(CIVIL, { ...body, purpose: { code: "marketing" } }), "grant_inactive");
      // The provider paused it, so only the provider (or the council) lifts the pause.
      await gw.chain.write("public-security", "Grants", "resume", [grant]);
      await fetchAs(CIVIL, body).expect(200);
      await gw.chain.write(CIVIL, "Grants", "revoke", [grant]);
      await expectDenied(await fetchAs(CIVIL, body), "grant_inactive");
    });

    it("agreement_inactive: a suspended agreement is refused until it is resumed", async function () {
      await gw.chain.write("public-security", "SharingAgreements", "suspend", [householdAgreement]);
      await expectDenied(await householdFetch(people[0]), "agreement_inactive");
      await gw.chain.write("public-security", "SharingAgreements", "resume", [householdAgreement]);
      await householdFetch(people[0]).expect(200);
    });

    it("quota_exceeded (429): grant and agreement quotas count delivered fetches only", async function () {
      const agreement = await makeAgreement(gw, "public-security", institutions, {
        fields: ["name"],
        purpose: "hospital-lookup",
        legalBasis: "public_interest",
        quota: { calls: 3, per: "month" },
      });
      const small = await issueGrant(gw, "public-security", institutions, agreement, {
        fields: ["name"],
        quota: { calls: 2, per: "month" },
      });
      const large = await issueGrant(gw, "public-security", institutions, agreement, {
        fields: ["name"],
        quota: { calls: 3, per: "month" },
      });
      const fetchWith = (grantId: string, code = "hospital-lookup") =>
        fetchAs("public-security", { grantId, purpose: { code } });
      // A refusal does not count.
      await expectDenied(await fetchWith(small, "marketing"), "purpose_mismatch", 403, "public-security");
      await fetchWith(small).expect(200);
      await fetchWith(small).expect(200);
      const overGrant = await fetchWith(small);
      await expectDenied(overGrant, "quota_exceeded", 429, "public-security");
      expect(overGrant.body.detail).to.match(/grant/);
      await fetchWith(large).expect(200);
      const overAgreement = await fetchWith(large);
      await expectDenied(overAgreement, "quota_exceeded", 429, "public-security");
      expect(overAgreement.body.detail).to.match(/agreement/);
    });

    it("a backend failure does not count against the quota", async function () {
      const agreement = await makeAgreement(gw, "public-security", insurance, {
        fields: ["status"],
        purpose: "residence-check",
        legalBasis: "statutory_duty",
      });
      const grant = await issueGrant(gw, "public-security", insurance, agreement, {
        fields: ["status"],
        quota: { calls: 1, per: "month" },
      });
      const adult = backends.datasets.hrss[0].records[0].idNumber as string;
      const body = {
        grantId: grant,
        purpose: { code: "residence-check" },
        subject: { idType: "resident_id", idNumber: adult },
      };
      await setBackendMode(backends, "hrss", "error500");
      try {
        await fetchAs("public-security", body).expect(502);
      } finally {
        await setBackendMode(backends, "hrss", "normal");
      }
      await fetchAs("public-security", body).expect(200);
      await expectDenied(await fetchAs("public-security", body), "quota_exceeded", 429, "public-security");
    });
  });

  describe("provider backend failures", function () {
    let healthGrant: string;
    let body: object;
    before(async function () {
      const agreement = await makeAgreement(gw, CIVIL, health, {
        fields: ["bloodType"],
        purpose: "emergency-care",
        legalBasis: "statutory_duty",
      });
      healthGrant = await issueGrant(gw, CIVIL, health, agreement, { fields: ["bloodType"] });
      const person = backends.datasets.health[0].records[0].idNumber as string;
      body = {
        grantId: healthGrant,
        purpose: { code: "emergency-care" },
        subject: { idType: "resident_id", idNumber: person },
      };
    });
    afterEach(async function () {
      await setBackendMode(backends, "health", "normal");
    });

    const cases = [
      { mode: "hang", status: 504, reason: "upstream_timeout" },
      { mode: "error500", status: 502, reason: "upstream_error" },
      { mode: "garbage", status: 502, reason: "upstream_invalid" },
    ] as const;
    for (const { mode, status, reason } of cases) {
      it(`a backend that answers "${mode}" gives ${status} ${reason} with a failed receipt; others keep serving`, async function () {
        await fetchAs(CIVIL, body).expect(200);
        await setBackendMode(backends, "health", mode);
        const res = await fetchAs(CIVIL, body);
        expect(res.status, JSON.stringify(res.body)).to.equal(status);
        expect(res.headers["content-type"]).to.match(/application\/problem\+json/);
        expect(res.body).to.include({ reason });
        const stored = await receiptOf(res.body.receiptId);
        expect(stored.receipt).to.include({ result: "failed", reason, fieldMask: "0x0", responseHash: ZeroHash });
        // Another provider's resource is unaffected.
        await householdFetch(people[0]).expect(200);
      });
    }

    it("an unreachable backend gives 502 upstream_unreachable", async function () {
      const dead = await registerResource(
        gw,
        { ...MEDICAL_INSTITUTIONS, code: "closed-registry" },
        "http://127.0.0.1:9", // discard port: nothing listens
      );
      const agreement = await makeAgreement(gw, "hrss", dead, {
        fields: ["name"],
        purpose: "closed-lookup",
        legalBasis: "public_interest",
      });
      const grant = await issueGrant(gw, "hrss", dead, agreement, { fields: ["name"] });
      const res = await fetchAs("hrss", { grantId: grant, purpose: { code: "closed-lookup" } }).expect(502);
      expect(res.body).to.include({ reason: "upstream_unreachable" });
    });
  });

  describe("input and callers", function () {
    it("404 for an unknown grant, without a receipt", async function () {
      const before = (gw.consumer.db.prepare(`SELECT COUNT(*) AS n FROM receipts`).get() as { n: number }).n;
      const res = await fetchAs(CIVIL, { grantId: "999999", purpose: { code: PURPOSE } }).expect(404);
      expect(res.body.type).to.match(/grant_not_found$/);
      expect((gw.consumer.db.prepare(`SELECT COUNT(*) AS n FROM receipts`).get() as { n: number }).n).to.equal(before);
    });

    it("400 naming the field for malformed input, and nothing is recorded", async function () {
      const before = (gw.consumer.db.prepare(`SELECT COUNT(*) AS n FROM receipts`).get() as { n: number }).n;
      // A whole identity number, one digit short: 17 digits in a row cannot turn up by chance in a request id.
      const malformedIdNumber = "44010619900307123";
      const cases: Array<[object, string]> = [
        [{ purpose: { code: PURPOSE } }, "body.grantId"],
        [{ grantId: householdGrant }, "body.purpose"],
        [{ grantId: "0", purpose: { code: PURPOSE } }, "body.grantId"],
        [{ grantId: householdGrant, purpose: { code: "Not A Code" } }, "body.purpose.code"],
        [
          {
            grantId: householdGrant,
            purpose: { code: PURPOSE },
            subject: { idType: "resident_id", idNumber: malformedIdNumber },
          },
          "body.subject.idNumber",
        ],
        [{ grantId: householdGrant, purpose: { code: PURPOSE }, extra: true }, "body"],
      ];
      for (const [body, field] of cases) {
        const res = await fetchAs(CIVIL, body).expect(400);
        expect(res.body.errors.map((e: { field: string }) => e.field)).to.include(field);
        expect(JSON.stringify(res.body)).not.to.include(malformedIdNumber);
      }
      expect((gw.consumer.db.prepare(`SELECT COUNT(*) AS n FROM receipts`).get() as { n: number }).n).to.equal(before);
    });

    it("401 without a token, 403 for an auditor token", async function () {
      await request(gw.app)
        .post("/v1/data/fetch")
        .send({ grantId: householdGrant, purpose: { code: PURPOSE } })
        .expect(401);
      await request(gw.app)
        .post("/v1/data/fetch")
        .set("Authorization", gw.consumer.bearer(null, "auditor"))
        .send({ grantId: householdGrant, purpose: { code: PURPOSE } })
        .expect(403);
    });

    it("never keeps delivered data for Idempotency-Key replays, but replays a refusal", async function () {
      const first = await householdFetch(people[0]).set("Idempotency-Key", "fetch-1").expect(200);
      const again = await householdFetch(people[0]).set("Idempotency-Key", "fetch-1").expect(200);
      expect(again.body.receipt.id).not.to.equal(first.body.receipt.id);
      const stored = gw.consumer.db.prepare(`SELECT response_body FROM idempotency_keys`).all() as Array<{
        response_body: string | null;
      }>;
      expect(stored.some((r) => (r.response_body ?? "").includes(first.body.data.name))).to.equal(false);
      const denied = await householdFetch(people[1]).set("Idempotency-Key", "fetch-2").expect(403);
      const replayed = await householdFetch(people[1]).set("Idempotency-Key", "fetch-2").expect(403);
      expect(replayed.body.receiptId).to.equal(denied.body.receiptId);
    });

    it("counts every decision in the metrics by reason", async function () {
      const res = await request(gw.consumer.app).get("/metrics").expect(200);
      expect(res.text).to.match(/kuajie_fetch_decisions_total\{reason="delivered"\} [1-9]/);
      expect(res.text).to.match(/kuajie_fetch_decisions_total\{reason="consent_withdrawn"\} [1-9]/);
      expect(res.text).to.match(/kuajie_fetch_decisions_total\{reason="failed"\} [1-9]/);
      expect(res.text).to.match(/kuajie_anchor_lag_seconds /);
    });
  });
});

describe("Fetch quotas: fixed windows in the consortium's time zone", function () {
  const at = (iso: string) => Date.parse(iso) / 1000;
  const grantQuota = (calls: number, per: "minute" | "hour" | "day" | "month") => ({ calls, per });
  const none = { calls: 0, per: "none" as const };
  const scope = { grantId: "1", agreementId: "1" };

  it("cuts days and months at midnight in Asia/Shanghai, not UTC", function () {
    const quota = new QuotaCounters("Asia/Shanghai");
    // 15:59 UTC on 31 January is 23:59 in Shanghai; 16:00 UTC is already 1 February there.
    expect(quota.windows(at("2025-01-31T15:59:00Z"))).to.include({ day: "2025-01-31", month: "2025-01" });
    expect(quota.windows(at("2025-01-31T16:00:00Z"))).to.include({ day: "2025-02-01", month: "2025-02" });
    quota.reserve(scope, at("2025-01-31T15:59:00Z"));
    expect(quota.exceeded(scope, grantQuota(1, "day"), none, at("2025-01-31T15:59:30Z"))).to.equal("grant");
    expect(quota.exceeded(scope, grantQuota(1, "day"), none, at("2025-01-31T16:00:00Z"))).to.equal(null);
  });

  it("counts per grant and per agreement, gives back releases, and rebuilds from delivered receipts", function () {
    const quota = new QuotaCounters("Asia/Shanghai");
    const t = at("2025-06-15T04:00:30Z");
    quota.reserve(scope, t);
    quota.reserve({ grantId: "2", agreementId: "1" }, t);
    expect(quota.exceeded(scope, grantQuota(2, "hour"), grantQuota(2, "hour"), t)).to.equal("agreement");
    quota.release({ grantId: "2", agreementId: "1" }, t);
    expect(quota.exceeded(scope, grantQuota(2, "hour"), grantQuota(2, "hour"), t)).to.equal(null);
    expect(quota.exceeded(scope, grantQuota(2, "hour"), grantQuota(2, "hour"), t + 3600)).to.equal(null);

    const rebuilt = new QuotaCounters("Asia/Shanghai");
    rebuilt.rebuild([
      { ...scope, time: t - 86_400 },
      { ...scope, time: t - 10 },
      { ...scope, time: t - 5 },
    ]);
    expect(rebuilt.exceeded(scope, grantQuota(2, "minute"), none, t)).to.equal("grant");
    expect(rebuilt.exceeded(scope, grantQuota(3, "day"), none, t)).to.equal(null);
    expect(rebuilt.exceeded(scope, grantQuota(3, "month"), none, t)).to.equal("grant");
  });
});
