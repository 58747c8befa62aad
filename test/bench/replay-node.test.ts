import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { id as keccakText, JsonRpcProvider, Network, zeroPadValue } from "ethers";
import { ReplayChain } from "../../bench/lib/replay-chain";
import { ReplayNode } from "../../bench/lib/replay-node";
import { CONSENT_EVENTS_STORED_BY_PROJECTION, CONTRACT_INTERFACES } from "../../server/src/chain/adapter";
import { EventIndexer } from "../../server/src/chain/indexer";
import { openDatabase } from "../../server/src/common/db";
import { GrantStore } from "../../server/src/store/grants";
import { ConsentStore } from "../../server/src/store/consents";

/**
 * The benchmark's replay node (issue 17): the gateway's own indexer and projections, fed by it, see the synthetic
 * consents and grants as the deployed contracts would have emitted them, after the real chain's blocks.
 */
describe("replay node (benchmark stand-in for a chain of 10^6 consents)", function () {
  const REGISTRY = `0x${"c0".repeat(20)}`;
  const GRANTS = `0x${"9a".repeat(20)}`;
  const REAL_HEAD = 3;
  const departments = [keccakText("department a"), keccakText("department b")];
  const spec = {
    consentRegistry: REGISTRY,
    grants: GRANTS,
    realHead: REAL_HEAD,
    realHeadTime: 1_900_000_000,
    departments,
    resourceId: keccakText("resource"),
    purpose: zeroPadValue("0x6d696e696d756d", 32),
    agreementId: "7",
    grantConsumer: departments[0],
    grantsPerConsent: 0.1,
    firstGrantId: 1_000_000n,
  };
  const servers: http.Server[] = [];
  let dir: string;

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-replay-node-"));
  });

  after(async function () {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The real chain, as far as the replay asks it: blocks 0–3, no logs, code at every address. */
  async function realNode(): Promise<string> {
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        const { id, method, params } = JSON.parse(body) as { id: number; method: string; params: unknown[] };
        const results: Record<string, unknown> = {
          eth_getBlockByNumber: {
            hash: `0x${"0a".repeat(31)}${String(params[0]).slice(2).padStart(2, "0")}`,
            timestamp: "0x1",
          },
          eth_getCode: "0x6001",
          eth_getLogs: [],
          eth_chainId: "0x7a69",
        };
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id, result: results[method] ?? null }));
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("lays out its consents and grants byte for byte as the ABI encodes them", function () {
    expect(() => new ReplayChain(spec).verifyLayouts(200)).not.to.throw();
  });

  it("feeds the gateway's indexer and projections the synthetic consents and grants after the real blocks, and answers filters by topic", async function () {
    const chain = new ReplayChain(spec);
    const replay = new ReplayNode(chain, await realNode());
    const content = replay.setConsents(1_050);
    expect(content).to.deep.equal({ head: REAL_HEAD + 2, consents: 1_050, grants: 106 });
    const server = replay.listen(0, "127.0.0.1");
    servers.push(server);
    await new Promise((resolve) => server.once("listening", resolve));
    const provider = new JsonRpcProvider(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      Network.from(31337),
      {
        staticNetwork: true,
      },
    );
    const db = openDatabase(path.join(dir, "gateway.db"));
    const consents = new ConsentStore(db);
    const grants = new GrantStore(db);
    const indexer = new EventIndexer({
      db,
      provider,
      contracts: [
        { name: "ConsentRegistry", address: REGISTRY, iface: CONTRACT_INTERFACES.ConsentRegistry },
        { name: "Grants", address: GRANTS, iface: CONTRACT_INTERFACES.Grants },
      ],
      fromBlock: 1,
      storedByProjections: CONSENT_EVENTS_STORED_BY_PROJECTION,
    });
    indexer.onEvents((events) => {
      consents.apply(events);
      grants.apply(events);
    });

    expect(await indexer.catchUp()).to.equal(REAL_HEAD + 2);

    const { topics } = chain.consentTopicsAndData(1_049);
    const last = consents.get(topics[2]);
    expect(last).to.include({
      subjectRef: topics[1],
      recipient: departments[1049 % 2],
      resourceId: spec.resourceId,
      purpose: spec.purpose,
      recorder: departments[0],
      evidenceKind: "record",
      recordedBlock: REAL_HEAD + 2,
      recordedLog: 1049 - 525,
    });
    expect(db.prepare("SELECT count(*) FROM consent_records").pluck().get()).to.equal(1_050);
    expect(grants.state("1000105")).to.include({ agreementId: "7", consumer: departments[0], status: "active" });
    expect(db.prepare("SELECT count(*) FROM grants").pluck().get()).to.equal(106);
    expect(replay.served.get("eth_sendRawTransaction")).to.equal(undefined);
    // Filtered by topics as an auditor asks: one subject's consent (its reference is the consent's first topic).
    const recorded = CONTRACT_INTERFACES.ConsentRegistry.getEvent("ConsentRecorded")!.topicHash;
    const bySubject = (await provider.send("eth_getLogs", [
      { address: REGISTRY, topics: [recorded, topics[1]], fromBlock: "0x1", toBlock: "latest" },
    ])) as { topics: string[] }[];
    expect(bySubject.map((log) => log.topics[1])).to.deep.equal([topics[1]]);
    const grantsIssued = (await provider.send("eth_getLogs", [
      {
        topics: [[CONTRACT_INTERFACES.Grants.getEvent("GrantIssued")!.topicHash]],
        fromBlock: "0x1",
        toBlock: "latest",
      },
    ])) as { address: string }[];
    expect(grantsIssued).to.have.length(106);
    expect(new Set(grantsIssued.map((log) => log.address.toLowerCase()))).to.deep.equal(new Set([GRANTS]));
    const write = await provider.send("eth_sendRawTransaction", ["0x00"]).then(
      () => "accepted",
      (error: unknown) => String(error),
    );
    expect(write).to.match(/read only/);
    provider.destroy();
    db.close();
  });
});
