import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import request from "supertest";
import { run } from "../../../../scripts/audit/cli";
import { startLiveGateway, type LiveGateway } from "../../support/live-gateway";
import { registerResource, requestAgreement, travel, DAY } from "../../support/sharing";

interface Card {
  name: string;
  requestsReceived: number;
  requestsMade: number;
  approvals: number;
  repliesPastDeadline: number;
  overdue: number;
  medianReplySeconds?: number;
}

/** The auditor's own report over the same chain, as `npm run audit -- report --json` prints it. */
async function auditorReport(gw: LiveGateway, extra: string[] = []): Promise<{ departments: Card[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-scorecard-"));
  const deploymentFile = path.join(dir, "deployment.json");
  fs.writeFileSync(deploymentFile, JSON.stringify(gw.system.deployment));
  let stdout = "";
  const code = await run(["report", ...extra, "--deployment", deploymentFile, "--json"], {
    provider: ethers.provider,
    stdout: (t) => (stdout += t),
    stderr: () => undefined,
  });
  fs.rmSync(dir, { recursive: true, force: true });
  expect(code, stdout).to.equal(0);
  return (JSON.parse(stdout) as { data: { departments: Card[] } }).data;
}

const byName = (cards: Card[], fragment: string) => cards.find((c) => c.name.includes(fragment))!;

describe("GET /v1/audit/scorecard", function () {
  let gw: LiveGateway;

  before(async function () {
    gw = await startLiveGateway();
    // Health answers civil affairs' request at once and leaves hrss' past its deadline.
    const resource = await registerResource(gw, "health", "scorecard-card");
    const answered = await requestAgreement(gw, "gz-civil-affairs", resource);
    const unanswered = await requestAgreement(gw, "hrss", resource);
    await gw.chain.indexer.catchUp();
    await request(gw.app)
      .post(`/v1/agreements/${answered.agreementId}/approve`)
      .set("Authorization", gw.bearer("health"))
      .send({})
      .expect(200);
    const agreement = await request(gw.app)
      .get(`/v1/agreements/${unanswered.agreementId}`)
      .set("Authorization", gw.bearer("hrss"))
      .expect(200);
    const deadline = Date.parse(agreement.body.replyDeadline as string) / 1000;
    await travel(gw, deadline - (await ethers.provider.getBlock("latest"))!.timestamp + DAY);
  });

  after(async function () {
    await gw?.stop();
  });

  it("gives the auditor the figures of `npm run audit -- report` for the same chain, ranked the same", async function () {
    const res = await request(gw.app).get("/v1/audit/scorecard").set("Authorization", gw.bearer(null, "auditor"));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const report = await auditorReport(gw);
    const { departments } = res.body as { departments: Array<Card & Record<string, unknown>> };
    // Deliveries come from the receipts each side holds (none here, and none given to the auditor).
    expect(departments).to.deep.equal(JSON.parse(JSON.stringify(report.departments)));
    const health = byName(departments, "卫生");
    expect(health).to.include({ requestsReceived: 2, approvals: 1, repliesPastDeadline: 1, overdue: 1 });
    expect(health.medianReplySeconds).to.be.a("number");
    expect(byName(departments, "民政")).to.include({ requestsMade: 1 });
    expect(departments.at(-1)!.name, "ranked last: the one past its deadline").to.include("卫生");
    expect(res.body.overdue.map((o: { agreementId: string }) => o.agreementId)).to.have.length(1);
  });

  it("counts only what happened in the period given (China Standard Time days)", async function () {
    const res = await request(gw.app)
      .get("/v1/audit/scorecard?from=2020-01-01&to=2020-12-31")
      .set("Authorization", gw.bearer(null, "auditor"))
      .expect(200);
    expect(res.body.from).to.equal(Date.parse("2020-01-01T00:00:00+08:00") / 1000);
    expect(res.body.to).to.equal(Date.parse("2021-01-01T00:00:00+08:00") / 1000 - 1);
    for (const card of res.body.departments as Card[]) expect(card).to.include({ requestsReceived: 0, approvals: 0 });
    const report = await auditorReport(gw, ["--from", "2020-01-01", "--to", "2020-12-31"]);
    expect(res.body.departments).to.deep.equal(JSON.parse(JSON.stringify(report.departments)));
  });

  it("refuses a date that is not YYYY-MM-DD, a period that ends before it starts and an unknown filter, naming the field", async function () {
    const auditor = gw.bearer(null, "auditor");
    const cases: Array<[string, string]> = [
      ["from=2026-13-01", "query.from"],
      ["to=yesterday", "query.to"],
      ["from=2026-03-02&to=2026-03-01", "query.to"],
      ["period=month", "query"],
    ];
    for (const [query, field] of cases) {
      const res = await request(gw.app).get(`/v1/audit/scorecard?${query}`).set("Authorization", auditor);
      expect(res.status, query).to.equal(400);
      expect(res.headers["content-type"]).to.match(/application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).to.deep.equal([field], query);
    }
  });

  it("is the auditor's: a clerk's or a council member's token is refused, and no token at all", async function () {
    await request(gw.app).get("/v1/audit/scorecard").set("Authorization", gw.bearer("health")).expect(403);
    await request(gw.app)
      .get("/v1/audit/scorecard")
      .set("Authorization", gw.bearer("data-bureau", "council"))
      .expect(403);
    await request(gw.app).get("/v1/audit/scorecard").expect(401);
  });
});
