import { expect } from "chai";
import request from "supertest";
import { startLiveGateway, type LiveGateway } from "../../support/live-gateway";
import { audit, pending, writeReceipts } from "../../../audit/cli/world";
import {
  anchorSides,
  exchange,
  loadExchangeWorld,
  type ExchangeEntry,
  type ExchangeWorld,
  type SideReceipt,
} from "../../../audit/cli/exchange-world";

type Exchange = { consumer?: SideReceipt; provider?: SideReceipt };
interface Finding {
  rule: string;
  receiptId?: string;
  meaning: string;
}

/** Both sides' entries as the console uploads them (not anchored: the route judges the exchange, not the anchoring). */
function sidesOf(exchanges: Exchange[]) {
  const entries = (side: "consumer" | "provider") =>
    exchanges.flatMap((e) => (e[side] ? [{ ...pending(e[side].receipt), ...e[side].envelope }] : []));
  return {
    consumerFile: "civil.json",
    consumer: entries("consumer"),
    providerFile: "security.json",
    provider: entries("provider"),
  };
}

describe("POST /v1/audit/exchange", function () {
  let x: ExchangeWorld;
  let gw: LiveGateway;

  before(async function () {
    x = await loadExchangeWorld();
    gw = await startLiveGateway({ system: x.s });
    await gw.chain.indexer.catchUp();
  });

  after(async function () {
    await gw?.stop();
  });

  const check = (body: unknown, bearer = gw.bearer(null, "auditor")) =>
    request(gw.app)
      .post("/v1/audit/exchange")
      .set("Authorization", bearer)
      .send(body as object);

  // First: anchoring needs each side's receipts from sequence 1, and every exchange() writes the next ones.
  it("finds what `npm run audit -- exchange` finds in the same files", async function () {
    const exchanges = [await exchange(x, 8), { consumer: (await exchange(x, 9)).consumer }];
    const anchored: { consumer: ExchangeEntry[]; provider: ExchangeEntry[] } = await anchorSides(x, exchanges);
    const res = await check({ consumerFile: "c.json", providerFile: "p.json", ...anchored }).expect(200);
    const cli = await audit(x, [
      "exchange",
      writeReceipts(x, "c.json", anchored.consumer),
      writeReceipts(x, "p.json", anchored.provider),
    ]);
    const ids = (list: Array<{ rule: string; receiptId?: string }>) => list.map((v) => `${v.rule} ${v.receiptId}`);
    expect(ids(res.body.violations as Finding[])).to.deep.equal(ids(cli.json.violations));
    expect(ids(cli.json.violations)).to.have.length(1);
  });

  it("passes two sides that pair, and accepts a consumer that closed as not delivered after the provider delivered", async function () {
    const res = await check(
      sidesOf([
        await exchange(x, 1),
        await exchange(x, 2, { provider: { result: "denied", reason: "consent_missing" } }),
        await exchange(x, 3, { consumer: { result: "failed", reason: "not_delivered" } }),
      ]),
    );
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.verdict, JSON.stringify(res.body.violations)).to.equal("pass");
    expect(res.body.exchanges.map((e: { verdict: string }) => e.verdict)).to.deep.equal([
      "delivered",
      "refused",
      "crash_closed",
    ]);
    expect(res.body.consumer).to.deep.equal({ receipts: 3, malformed: 0, preFederation: 0 });
  });

  it("names a delivery without the other side's receipt (exchange_unmatched), the receipt it is about and what the rule means", async function () {
    const lost = await exchange(x, 4);
    const res = await check(sidesOf([await exchange(x, 5), { consumer: lost.consumer }])).expect(200);
    expect(res.body.verdict).to.equal("fail");
    const findings = res.body.violations as Finding[];
    expect(findings.map((f) => [f.rule, f.receiptId])).to.deep.equal([
      ["exchange_unmatched", lost.consumer!.receipt.id],
    ]);
    expect(findings[0].meaning).to.match(/has no counterpart on the other/);
  });

  it("names a request signed by another department's operator (exchange_bad_signature) and an envelope that does not parse", async function () {
    const forged = await exchange(x, 6, { requestSigner: x.security });
    const broken = await exchange(x, 7);
    const sides = sidesOf([forged, broken]);
    sides.provider[1] = { ...sides.provider[1], role: "bogus" } as unknown as (typeof sides.provider)[number];
    const res = await check(sides).expect(200);
    const rules = (res.body.violations as Finding[]).map((f) => `${f.rule} ${f.receiptId}`);
    expect(rules).to.include(`exchange_bad_signature ${forged.consumer!.receipt.id}`);
    expect(rules).to.include(`exchange_malformed ${broken.provider!.receipt.id}`);
  });

  it("refuses what is not two lists of receipt entries, naming the field", async function () {
    const { consumer } = sidesOf([await exchange(x, 10)]);
    const cases: Array<[unknown, string]> = [
      [{ consumerFile: "c.json", consumer, providerFile: "p.json" }, "body.provider"],
      [{ consumerFile: "c.json", consumer: "all of them", providerFile: "p.json", provider: [] }, "body.consumer"],
      [
        { consumerFile: "c.json", consumer: [{ leaf: "0x00" }], providerFile: "p.json", provider: [] },
        "body.consumer[0].receipt",
      ],
      [{ consumerFile: "", consumer, providerFile: "p.json", provider: [] }, "body.consumerFile"],
    ];
    for (const [body, field] of cases) {
      const res = await check(body);
      expect(res.status, field).to.equal(400);
      expect(res.headers["content-type"]).to.match(/application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).to.deep.equal([field]);
    }
  });

  it("is the auditor's: a clerk's or a council member's token is refused, and no token at all", async function () {
    const body = sidesOf([]);
    await check(body, gw.bearer("gz-civil-affairs")).expect(403);
    await check(body, gw.bearer("data-bureau", "council")).expect(403);
    await request(gw.app).post("/v1/audit/exchange").send(body).expect(401);
  });
});
