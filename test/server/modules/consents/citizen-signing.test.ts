import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { ethers } from "hardhat";
import request from "supertest";
import { CONSENT_DOMAIN, CONSENT_TYPES, WITHDRAWAL_TYPES } from "../../../../server/src/modules/consents/signing";
import { startLiveGateway, type LiveGateway } from "../../support/live-gateway";

const run = promisify(execFile);
const ROOT = path.join(__dirname, "../../../..");

/** The README's "Signing as the citizen" example, exactly as published. */
function readmeExample(): string {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const match = /```js\n(\/\/ sign-consent\.mjs[\s\S]*?)```/.exec(readme);
  if (!match) throw new Error("README.md has no sign-consent.mjs example");
  return match[1];
}

describe("Signing as the citizen (EIP-712, an outside client)", function () {
  let gw: LiveGateway;
  let server: Server;
  let dir: string;

  before(async function () {
    gw = await startLiveGateway();
    server = gw.app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    dir = mkdtempSync(path.join(tmpdir(), "kuajie-citizen-"));
  });

  after(async function () {
    await new Promise((resolve) => server?.close(resolve));
    await gw?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("publishes the domain and types the ConsentRegistry verifies", async function () {
    const registry = gw.system.consents;
    const typeHash = (types: Record<string, readonly { name: string; type: string }[]>, primary: string) =>
      ethers.id(ethers.TypedDataEncoder.from(types as never).encodeType(primary));
    expect(typeHash(CONSENT_TYPES, "Consent")).to.equal(await registry.CONSENT_TYPEHASH());
    expect(typeHash(WITHDRAWAL_TYPES, "Withdrawal")).to.equal(await registry.WITHDRAWAL_TYPEHASH());
    const [, name, version] = await registry.eip712Domain();
    expect({ name, version }).to.deep.equal(CONSENT_DOMAIN);
  });

  it("describes the signatures, the padded purpose and the signer's pattern in the OpenAPI document", async function () {
    const doc = (await request(gw.app).get("/openapi.json").expect(200)).body;
    const record = doc.paths["/v1/consents"].post;
    const withdraw = doc.paths["/v1/consents/{id}/withdraw"].post;
    expect(record.description).to.include("Consent(bytes32 subjectRef,bytes32 recipient,bytes32 resourceId");
    expect(record.description).to.include(ethers.encodeBytes32String("minimum-living-allowance"));
    expect(withdraw.description).to.include("Withdrawal(bytes32 consentId,uint256 nonce,uint256 deadline)");
    const text = JSON.stringify(doc.components.schemas);
    expect(text).to.include('"x-kuajie-eip712":{"primaryType":"Consent"');
    expect(text).to.include('"x-kuajie-eip712":{"primaryType":"Withdrawal"');
    expect(text).to.match(/"signer":\{[^}]*"pattern":"\^0x\[0-9a-fA-F\]\{40\}\$"/);
  });

  it("runs the README example with viem: the consent recorded and withdrawn, the signer checksummed as sent", async function () {
    writeFileSync(path.join(dir, "sign-consent.mjs"), readmeExample());
    symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    // Other suites in this process move the in-process chain's clock ahead of the wall clock; the citizen's device
    // keeps the chain's time, as it does in production where the chain follows the wall clock.
    const aheadMs = Math.max(0, (await time.latest()) * 1000 - Date.now()) + 1000;
    writeFileSync(path.join(dir, "clock.mjs"), `const wall = Date.now;\nDate.now = () => wall() + ${aheadMs};\n`);
    const { port } = server.address() as AddressInfo;
    const resourceId = ethers.id("household-registration");
    const { stdout } = await run(process.execPath, ["--import", "./clock.mjs", "sign-consent.mjs"], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        KUAJIE_GATEWAY: `http://127.0.0.1:${port}`,
        KUAJIE_TOKEN: gw.bearer("health").replace(/^Bearer /, ""),
        KUAJIE_RESOURCE_ID: resourceId,
      },
      timeout: 60_000,
    });
    const [recorded, withdrawn] = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(recorded).to.include({ step: "recorded", status: "active" });
    expect(recorded.signer).to.equal(ethers.getAddress(recorded.signer));
    expect(withdrawn).to.deep.equal({ step: "withdrawn", consentId: recorded.consentId, status: "withdrawn" });

    const consent = await request(gw.app)
      .get(`/v1/consents/${recorded.consentId}`)
      .set("Authorization", gw.bearer("hrss"))
      .expect(200);
    expect(consent.body).to.deep.include({
      status: "withdrawn",
      recipient: gw.system.departments.health.id,
      resourceId,
      purpose: { code: "minimum-living-allowance" },
      separate: true,
      evidence: { type: "signature", signer: recorded.signer },
    });
    expect(consent.body.history.map((e: { actor: unknown }) => e.actor)).to.deep.equal([
      { kind: "department", departmentId: gw.system.departments.health.id, signer: recorded.signer },
      { kind: "subject", signer: recorded.signer },
    ]);
  });
});
