/**
 * `npm start` end to end: the real processes (Hardhat node, deployment, backends, one gateway per department) as the
 * command runs them, on free ports and in a temporary data directory; each department's token at its own gateway
 * only; the demo story over HTTP; one gateway killed with SIGKILL and restarted by the supervisor while the others
 * run on; SIGTERM stopping everything; and a second start after a stop. Every wait is bounded.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Interface } from "ethers";
import type { Credentials } from "../../scripts/lib/dev-files";
import { iso27560Errors, kantaraErrors } from "../support/consent-record-schemas";
import {
  START_BOUND_MS,
  STOP_BOUND_MS,
  StackSite,
  TS_NODE,
  ROOT,
  chainTime,
  isAlive,
  jsonRpc,
  portIsFree,
  waitFor,
  type StartProcess,
} from "../../scripts/harness";

const RESTART_BOUND_MS = 90_000;
const DEMO_BOUND_MS = 300_000;
const DAY = 86_400;

async function status(url: string, token?: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(3_000),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined;
  }
}

describe("npm start: the real processes end to end", function () {
  this.timeout(START_BOUND_MS + 60_000);

  let site: StackSite;
  let start: StartProcess;
  let credentials: Credentials;
  const started: StartProcess[] = [];

  function launch(): StartProcess {
    const launched = site.launch();
    started.push(launched);
    return launched;
  }

  before(async function () {
    site = await StackSite.create({}, "kuajie-start-");
    start = launch();
    credentials = await start.ready();
  });

  after(async function () {
    for (const launched of started) launched.killGroup();
    site.remove();
  });

  it("writes credentials.json with the URLs, the contracts, a gateway and a token per demo department and the auditor's", function () {
    expect(credentials.gateway).to.equal(
      site.gatewayUrlOf("data-bureau"),
      "the top-level gateway is the data bureau's",
    );
    for (const d of credentials.departments) {
      expect(d.gateway).to.equal(`http://127.0.0.1:${site.ports.gateways[d.key]}`, `${d.key}'s own gateway`);
    }
    expect(new Set(credentials.departments.map((d) => d.gateway)).size).to.equal(5, "five gateways");
    expect(credentials.rpc).to.equal(`http://127.0.0.1:${site.ports.rpc}`);
    expect(credentials.chainId).to.equal(31337);
    expect(Object.keys(credentials.contracts)).to.include.members([
      "Consortium",
      "DataCatalog",
      "SharingAgreements",
      "Grants",
      "ConsentRegistry",
      "AccessLedger",
    ]);
    expect(credentials.departments.map((d) => d.key)).to.have.members([
      "data-bureau",
      "public-security",
      "hrss",
      "health",
      "gz-civil-affairs",
    ]);
    const bureau = credentials.departments.find((d) => d.key === "data-bureau")!;
    expect(bureau).to.include({ level: "province", council: true });
    expect(credentials.departments.find((d) => d.key === "gz-civil-affairs")).to.include({ level: "city" });
    for (const d of credentials.departments) expect(d.token).to.match(/^kj_/);
    expect(credentials.auditor.token).to.match(/^kj_/);
    expect(fs.statSync(site.files.credentials).mode & 0o077).to.equal(
      0,
      "credentials.json is readable by the owner only",
    );
  });

  it("runs five gateways, each with its own directory, database and key, publishing its endpoint on chain", async function () {
    const consortium = new Interface(["function gatewayEndpointOf(bytes32) view returns (string)"]);
    for (const d of credentials.departments) {
      const health = await fetch(`${d.gateway}/healthz`);
      expect(health.status).to.equal(200, `${d.key}'s /healthz`);
      const report = (await health.json()) as { status: string; chainId: number; contracts: Record<string, string> };
      expect(report.status).to.equal("ok");
      expect(report.chainId).to.equal(31337);
      expect(report.contracts).to.deep.equal(credentials.contracts);

      const own = site.gatewayFiles(d.key);
      expect(fs.existsSync(own.database), `${d.key}'s gateway.db`).to.equal(true);
      expect(fs.readdirSync(own.keystoreDir)).to.deep.equal([`${d.key}.json`], "its own key and no other");
      const config = JSON.parse(fs.readFileSync(own.config, "utf8")) as Record<string, unknown>;
      expect(Object.keys(config)).to.not.include("KUAJIE_DEV_MNEMONIC", "no mnemonic: it would hold every key");
      expect(fs.statSync(own.config).mode & 0o077).to.equal(0, "gateway.json is readable by the owner only");

      const published = (await jsonRpc(credentials.rpc, "eth_call", [
        {
          to: credentials.contracts.Consortium,
          data: consortium.encodeFunctionData("gatewayEndpointOf", [d.id]),
        },
        "latest",
      ])) as string;
      expect(consortium.decodeFunctionResult("gatewayEndpointOf", published)[0]).to.equal(d.gateway);
    }
  });

  it("accepts a department's token at its own gateway only (401 elsewhere), and the auditor's at every gateway", async function () {
    for (const holder of credentials.departments) {
      for (const gateway of credentials.departments) {
        expect(await status(`${gateway.gateway}/v1/me`, holder.token)).to.equal(
          holder.key === gateway.key ? 200 : 401,
          `${holder.key}'s token at ${gateway.key}'s gateway`,
        );
      }
    }
    for (const gateway of credentials.departments) {
      expect(await status(`${gateway.gateway}/v1/receipts`, credentials.auditor.token)).to.equal(
        200,
        `the auditor at ${gateway.key}'s gateway`,
      );
      expect(await status(`${gateway.gateway}/v1/me`, "kj_not-a-token")).to.equal(401);
    }

    const civil = credentials.departments.find((d) => d.key === "gz-civil-affairs")!;
    const members = await fetch(`${civil.gateway}/v1/departments`, {
      headers: { authorization: `Bearer ${civil.token}` },
    });
    expect(members.status).to.equal(200);
    const body = (await members.json()) as { items: Array<{ id: string; status: string }>; block: number };
    expect(body.items.map((m) => m.id)).to.have.members(credentials.departments.map((d) => d.id));
    expect(body.items.every((m) => m.status === "active")).to.equal(true);
  });

  it("restarts one gateway killed with SIGKILL while the chain, the backends and the other gateways keep running", async function () {
    this.timeout(RESTART_BOUND_MS + 10_000);
    const victim = credentials.departments.find((d) => d.key === "hrss")!;
    const before = site.processes();
    const killed = before.gateways[victim.key];
    expect(killed).to.be.a("number");
    const blockBefore = Number(await jsonRpc(credentials.rpc, "eth_blockNumber"));

    process.kill(killed!, "SIGKILL");
    const restarted = await waitFor("a new gateway process", RESTART_BOUND_MS, async () => {
      const now = site.processes().gateways[victim.key];
      return now !== null && now !== killed ? now : undefined;
    });
    await waitFor("the restarted gateway's /healthz", RESTART_BOUND_MS, async () =>
      (await status(`${victim.gateway}/healthz`)) === 200 ? true : undefined,
    );

    expect(isAlive(killed!)).to.equal(false);
    expect(isAlive(restarted)).to.equal(true);
    const after = site.processes();
    expect(after.node).to.equal(before.node, "the Hardhat node is the same process");
    expect(isAlive(before.node!)).to.equal(true);
    for (const d of credentials.departments.filter((d) => d.key !== victim.key)) {
      expect(after.gateways[d.key]).to.equal(before.gateways[d.key], `${d.key}'s gateway is the same process`);
    }
    expect(await status(`${victim.gateway}/v1/me`, victim.token)).to.equal(200, "tokens survive");
    const health = (await (await fetch(`${victim.gateway}/healthz`)).json()) as { blockNumber: number };
    expect(health.blockNumber).to.be.at.least(blockBefore, "the same chain, not a fresh one");
    expect(await status(`http://127.0.0.1:${site.ports.hrss}/query`)).to.be.a("number", "the backends keep serving");
    expect(start.output).to.match(/gateway hrss killed by SIGKILL; restarting in 1 s/);
  });

  it("walks the demo story over HTTP (npm run demo) and exits 0", async function () {
    this.timeout(DEMO_BOUND_MS + 10_000);
    const demo = spawn(TS_NODE, ["--transpile-only", "scripts/demo.ts"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, KUAJIE_DATA_DIR: site.dataDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    demo.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    demo.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => demo.kill("SIGKILL"), DEMO_BOUND_MS);
    const code = await new Promise<number | null>((resolve) => demo.once("exit", (c) => resolve(c)));
    clearTimeout(timer);
    expect(code, output).to.equal(0);
    expect(output).to.include("consent_withdrawn");
    expect(output).to.include("The demo story ran to the end.");
    // The data bureau's population base, returned (回流) to the city department below it: active at once, granted,
    // fetched under consent with only the granted fields, with receipts on both sides that the auditor passes.
    expect(output).to.include("data-bureau marked population-base returned (回流)");
    expect(output).to.match(/population-base: agreement \d+ active at once \(returned data 回流/);
    expect(output).to.match(/grant \d+ under agreement \d+ \(population-base\)/);
    expect(output).to.match(/population-base \(returned by data-bureau, 回流\): 1 record, only granted fields/);
    expect(output).to.match(/data-bureau: receipt 0x[0-9a-f…]+ \(/);
    expect(output).to.match(/the auditor finds both sides anchored/);
    // A responsibility's due date and an objection's answer deadline, as CST dates and working days left.
    expect(output).to.match(
      /made hrss responsible, due in 5 working days: by the end of \d{4}-\d{2}-\d{2} CST .*left after today: \d+/,
    );
    expect(output).to.match(/answer due by the end of \d{4}-\d{2}-\d{2} CST .*left after today: \d+/);
    // The citizen's consent, exported in both formats, each valid against its published schema.
    expect(output).to.include("Kantara Consent Receipt KI-CR-v1.1.0");
    const saved = (format: string) =>
      JSON.parse(fs.readFileSync(path.join(site.dataDir, `demo-consent-record.${format}.json`), "utf8")) as unknown;
    expect(iso27560Errors(saved("iso27560")), output).to.deep.equal([]);
    expect(kantaraErrors(saved("kantara")), output).to.deep.equal([]);
    // The escalation moves the shared chain clock past the demo's one-working-day reply deadline, by what it says:
    // at most the next working day's end (a weekend or a holiday after today included) and a minute.
    const moved = Number(/clock moved forward by (\d+) s/.exec(output)?.[1]);
    expect(moved, output)
      .to.be.greaterThan(0)
      .and.at.most(10 * DAY);
    const lead = (await chainTime(credentials.rpc)) - Math.floor(Date.now() / 1000);
    expect(lead, output).to.be.at.most(moved + 10 * 60);
    const replyDeadline = /restored the reply deadline to (\d+) working days/.exec(output);
    expect(replyDeadline?.[1], output).to.equal("10");
    // Counted on the official 2026 calendar, where the chain's years include 2026 (npm start publishes this year's and
    // the next).
    expect(output).to.match(/is due by the end of 2026-10-15 CST|the calendar of 2026 is not published/);
  });

  it("stops every process it started on SIGTERM and frees every port", async function () {
    this.timeout(STOP_BOUND_MS + 10_000);
    const pids = site.processes();
    const exit = await start.stop();
    expect(exit.code, start.output).to.equal(0);
    const gateways = Object.values(pids.gateways);
    expect(gateways.filter((pid) => pid !== null)).to.have.length(5);
    for (const pid of [pids.node, ...gateways]) {
      if (pid !== null) expect(isAlive(pid)).to.equal(false, `process ${pid} is gone`);
    }
    for (const port of site.allPorts()) expect(await portIsFree(port)).to.equal(true, `port ${port} is free`);
    expect(fs.existsSync(site.files.processes)).to.equal(false);
    expect(fs.existsSync(site.files.credentials)).to.equal(false, "credentials.json and its dead tokens are gone");
    expect(start.output).to.include("stopped");
  });

  it("comes up again, fresh, on a second start in the same data directory", async function () {
    this.timeout(START_BOUND_MS + STOP_BOUND_MS + 10_000);
    const secret = fs.readFileSync(site.files.secret, "utf8");
    const previous = credentials;
    const again = launch();
    const fresh = await again.ready();
    const token = (c: Credentials, key: string) => c.departments.find((d) => d.key === key)!.token;
    for (const d of fresh.departments) {
      expect(await status(`${d.gateway}/healthz`)).to.equal(200);
      expect(await status(`${d.gateway}/v1/me`, token(fresh, d.key))).to.equal(200);
      expect(await status(`${d.gateway}/v1/me`, token(previous, d.key))).to.equal(401, "a fresh gateway database");
    }
    expect(fs.readFileSync(site.files.secret, "utf8")).to.equal(secret, "the consortium secret is kept");

    const exit = await again.stop();
    expect(exit.code, again.output).to.equal(0);
    for (const port of site.allPorts()) expect(await portIsFree(port)).to.equal(true, `port ${port} is free`);
  });
});
