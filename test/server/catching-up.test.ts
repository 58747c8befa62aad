/**
 * Issue 17, "a gateway that listens at once": started with the index catching up in the background (as `npm run
 * gateway` starts), the gateway answers /healthz with its progress, answers reads with the block they reflect,
 * and refuses fetches (fail closed, 503 view_stale naming the catch-up) until its index has reached the head.
 */
import { expect } from "chai";
import request from "supertest";
import { startLiveGateway, type LiveGateway } from "./support/live-gateway";

describe("Gateway: serving while the index catches up (issue 17)", function () {
  let gateway: LiveGateway;
  let release: () => void = () => undefined;

  before(async function () {
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    gateway = await startLiveGateway({
      catchUpInBackground: true,
      departments: ["gz-civil-affairs"],
      wrapProvider: (provider) => {
        const send = provider.send.bind(provider);
        provider.send = async (method: string, params: unknown[] | Record<string, unknown>) => {
          if (method === "eth_getLogs") await held;
          return send(method, params);
        };
        return provider;
      },
    });
  });

  after(async function () {
    release();
    await gateway?.stop();
  });

  const healthz = () => request(gateway.app).get("/healthz");
  const metric = async (name: string) => {
    const text = (await request(gateway.app).get("/metrics").expect(200)).text;
    const line = text.split("\n").find((l) => l.startsWith(`${name} `));
    return line === undefined ? null : Number(line.split(" ")[1]);
  };
  const fetchAny = () =>
    request(gateway.app)
      .post("/v1/data/fetch")
      .set("Authorization", gateway.bearer("gz-civil-affairs"))
      .send({ grantId: "1", purpose: { code: "minimum-living-allowance" } });

  it("answers before the first catch-up: /healthz catching_up with block X of Y, reads with their block, fetches 503", async function () {
    const indexed = gateway.chain.indexer.indexedBlock();
    for (let i = 0; i < 100 && gateway.chain.indexer.status().headBlock === null; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const head = gateway.chain.indexer.status();

    const health = await healthz().expect(503);
    expect(health.body.status).to.equal("catching_up");
    expect(health.body.index).to.include({ catchingUp: true, indexedBlock: indexed });
    expect(health.body.index.headBlock).to.be.greaterThan(indexed);
    expect(health.body.index.progress).to.equal(`catching up: block ${indexed} of ${head.headBlock}`);

    const departments = await request(gateway.app)
      .get("/v1/departments")
      .set("Authorization", gateway.bearer("gz-civil-affairs"))
      .expect(200);
    expect(departments.body).to.deep.equal({ items: [], block: indexed });

    const refused = await fetchAny().expect(503);
    expect(refused.headers["content-type"]).to.match(/application\/problem\+json/);
    expect(refused.body, JSON.stringify(refused.body)).to.include({ reason: "view_stale" });
    expect(refused.body.detail).to.match(/not caught up/);

    expect(await metric("kuajie_indexer_catching_up")).to.equal(1);
    expect(await metric("kuajie_indexer_indexed_block")).to.equal(indexed);
    expect(await metric("kuajie_indexer_lag_blocks")).to.equal((head.headBlock as number) - indexed);
  });

  it("serves once the index is current: /healthz ok, reads at the head, fetches decided", async function () {
    release();
    await gateway.chain.indexer.waitForBlock(gateway.chain.indexer.status().headBlock as number);
    for (let i = 0; i < 100 && (await healthz()).status !== 200; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const health = await healthz().expect(200);
    expect(health.body.status).to.equal("ok");
    expect(health.body.index).to.include({ catchingUp: false, lagBlocks: 0 });

    const departments = await request(gateway.app)
      .get("/v1/departments")
      .set("Authorization", gateway.bearer("gz-civil-affairs"))
      .expect(200);
    expect(departments.body.items).to.not.be.empty;
    expect(departments.body.block).to.equal(gateway.chain.indexer.indexedBlock());

    // Decided on the indexed state now: grant 1 does not exist on this chain.
    const decided = await fetchAny();
    expect(decided.status, JSON.stringify(decided.body)).to.equal(404);
    expect(await metric("kuajie_indexer_catching_up")).to.equal(0);
    expect(await metric("kuajie_indexer_events_total")).to.be.greaterThan(0);
  });
});
