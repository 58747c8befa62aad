/**
 * The real command line, as `npm run audit` runs it, against a real `hardhat node` (not the in-process network):
 * exit status 0 when everything holds, 1 on a violation, 2 when the node cannot be reached.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { HDNodeWallet, JsonRpcProvider, ZeroHash, encodeBytes32String, id } from "ethers";
import { exchangeDomain, requestDigest, signRequest, type ExchangeRequest } from "../../../core/exchange";
import { receiptId, receiptLeaf, type Receipt } from "../../../core/receipt";
import { DEMO_DEPARTMENTS } from "../../../scripts/lib/demo-departments";
import { freePort } from "../../../scripts/harness/ports";

const ROOT = path.resolve(__dirname, "../../..");
const DEV_MNEMONIC = "test test test test test test test test test test test junk";
const devKey = (index: number) => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`);

async function waitForRpc(url: string, node: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 240; attempt++) {
    if (node.exitCode !== null) throw new Error(`hardhat node exited with ${node.exitCode}`);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`hardhat node did not answer at ${url}`);
}

function audit(args: string[]) {
  return spawnSync(process.execPath, ["scripts/audit/launch.cjs", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
}

describe("audit command line (subprocess against hardhat node)", function () {
  this.timeout(300_000);
  let node: ChildProcess | undefined;
  let rpc = "";
  let dir = "";
  let deploymentFile = "";
  let deploymentId = "";

  before(async function () {
    const port = await freePort();
    rpc = `http://127.0.0.1:${port}`;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-audit-cli-"));
    deploymentFile = path.join(dir, "deployment.json");
    deploymentId = `audit-cli-${port}`;
    node = spawn("npx", ["hardhat", "node", "--hostname", "127.0.0.1", "--port", String(port)], {
      cwd: ROOT,
      stdio: "ignore",
      detached: true, // its own process group, so that the node under npx stops with it
    });
    await waitForRpc(rpc, node);
    const deploy = spawnSync("npx", ["hardhat", "run", "scripts/deploy.ts", "--network", "localhost"], {
      cwd: ROOT,
      encoding: "utf8",
      env: {
        ...process.env,
        KUAJIE_RPC_URL: rpc,
        KUAJIE_DEPLOYMENT_FILE: deploymentFile,
        KUAJIE_DEPLOYMENT_ID: deploymentId,
      },
      timeout: 180_000,
    });
    expect(deploy.status, deploy.stderr).to.equal(0);
  });

  after(function () {
    if (node?.pid) process.kill(-node.pid, "SIGTERM");
    fs.rmSync(dir, { recursive: true, force: true });
    if (deploymentId)
      fs.rmSync(path.join(ROOT, "ignition/deployments", deploymentId), { recursive: true, force: true });
  });

  it("exits 0 when everything checked holds", function () {
    const receipts = path.join(dir, "none.jsonl");
    fs.writeFileSync(receipts, "");
    const result = audit(["receipts", receipts, "--rpc", rpc, "--deployment", deploymentFile]);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.contain("verdict: PASS");
    expect(audit(["report", "--rpc", rpc, "--deployment", deploymentFile, "--json"]).status).to.equal(0);
  });

  it("exits 1 on a violation (a deployment file of another chain)", function () {
    const deployment = JSON.parse(fs.readFileSync(deploymentFile, "utf8"));
    const other = path.join(dir, "other.json");
    fs.writeFileSync(other, JSON.stringify({ ...deployment, chainId: 1337 }));
    const result = audit(["report", "--rpc", rpc, "--deployment", other, "--json"]);
    expect(result.status, result.stderr).to.equal(1);
    expect(JSON.parse(result.stdout).violations[0]).to.include({ rule: "wrong_deployment" });
  });

  it("pairs exchange receipts: exit 0 for a request the consumer's operator signed, 1 for another account's", async function () {
    // The deploy script admits the data bureau only: its receipt of an exchange whose provider never answered.
    const bureau = DEMO_DEPARTMENTS.find((d) => d.key === "data-bureau")!;
    const provider = new JsonRpcProvider(rpc);
    const [network, head] = await Promise.all([provider.getNetwork(), provider.getBlock("latest")]);
    provider.destroy();
    const deployment = JSON.parse(fs.readFileSync(deploymentFile, "utf8"));
    const domain = exchangeDomain(network.chainId, deployment.contracts.Consortium);
    const request: ExchangeRequest = {
      requestId: id("cli exchange"),
      consumer: bureau.id,
      grantId: "1",
      purpose: encodeBytes32String("statistics"),
      subjectRef: ZeroHash,
      fieldMask: "0x1",
      paramsHash: id("null"),
      time: head!.timestamp,
    };
    const signer = devKey(bureau.keyIndex);
    const receipt: Receipt = {
      id: receiptId(bureau.id, 1),
      sequence: 1,
      time: head!.timestamp,
      department: bureau.id,
      account: signer.address,
      grantId: "1",
      agreementId: "1",
      consentId: ZeroHash,
      provider: DEMO_DEPARTMENTS.find((d) => d.key === "public-security")!.id,
      resourceId: id("resource"),
      resourceVersion: 1,
      fieldMask: "0x0",
      subjectRef: ZeroHash,
      purpose: request.purpose,
      result: "failed",
      reason: "provider_unreachable",
      requestHash: requestDigest(domain, request),
      responseHash: ZeroHash,
      prevHash: ZeroHash,
    };
    const files = async (name: string, by: HDNodeWallet) => {
      const consumer = path.join(dir, `${name}-consumer.json`);
      const entry = {
        receipt,
        leaf: receiptLeaf(receipt),
        status: "pending",
        requestId: request.requestId,
        role: "consumer",
        exchange: { request, requestSignature: await signRequest(by, domain, request) },
      };
      fs.writeFileSync(consumer, JSON.stringify([entry]));
      const provider = path.join(dir, `${name}-provider.json`);
      fs.writeFileSync(provider, "[]");
      return [consumer, provider];
    };
    const common = ["--rpc", rpc, "--deployment", deploymentFile, "--json"];

    const signed = audit(["exchange", ...(await files("signed", signer)), ...common]);
    expect(signed.status, signed.stdout + signed.stderr).to.equal(0);
    expect(JSON.parse(signed.stdout).verdict).to.equal("pass");

    const forged = audit(["exchange", ...(await files("forged", devKey(19))), ...common]);
    expect(forged.status, forged.stdout + forged.stderr).to.equal(1);
    expect(JSON.parse(forged.stdout).violations.map((v: { rule: string }) => v.rule)).to.deep.equal([
      "exchange_bad_signature",
    ]);
  });

  it("exits 2 with a one-line message when the node cannot be reached", async function () {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const result = audit(["report", "--rpc", closed, "--deployment", deploymentFile]);
    expect(result.status).to.equal(2);
    expect(result.stderr).to.equal(`audit: cannot reach ${closed}: start the chain with \`npm start\` or pass --rpc\n`);
  });
});
