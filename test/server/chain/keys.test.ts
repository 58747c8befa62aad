import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { inspect } from "node:util";
import { encryptKeystoreJson, Wallet } from "ethers";
import { deriveDevSigners, devKeyPath, KeystoreError, loadKeystoreSigners } from "../../../server/src/chain/keys";
import { DEV_MNEMONIC } from "./support/hardhat-node";

describe("signing keys", function () {
  let dir: string;
  const healthKey = Wallet.createRandom();
  const hrssKey = Wallet.createRandom();

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-keys-"));
    // Cheap scrypt parameters: the test is about the files, not the key derivation cost.
    const options = { scrypt: { N: 1 << 10 } };
    fs.writeFileSync(
      path.join(dir, "health.json"),
      await encryptKeystoreJson({ address: healthKey.address, privateKey: healthKey.privateKey }, "pw-health", options),
    );
    fs.writeFileSync(
      path.join(dir, "hrss.json"),
      await encryptKeystoreJson({ address: hrssKey.address, privateKey: hrssKey.privateKey }, "pw-hrss", options),
    );
  });

  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("derives each department's dev key from the mnemonic at a fixed path by its position", function () {
    const signers = deriveDevSigners(DEV_MNEMONIC, ["data-bureau", "public-security"]);
    const shifted = deriveDevSigners(DEV_MNEMONIC, ["health"], { firstIndex: 1 });

    expect(devKeyPath(3)).to.equal("m/44'/60'/0'/0/3");
    expect(signers.get("data-bureau")?.address).to.equal("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    expect(signers.get("public-security")?.address).to.equal("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    expect(shifted.get("health")?.address).to.equal(signers.get("public-security")?.address);
    expect(signers.get("data-bureau")).to.be.instanceOf(Wallet);
  });

  it("decrypts one keystore per department with the caller's password", async function () {
    const signers = await loadKeystoreSigners({
      dir,
      password: (department) => (department === "health" ? "pw-health" : "pw-hrss"),
    });

    expect([...signers.keys()]).to.deep.equal(["health", "hrss"]);
    expect(signers.get("health")?.address).to.equal(healthKey.address);
    expect(signers.get("hrss")?.address).to.equal(hrssKey.address);
  });

  it("names the department and file on a wrong password, without the password", async function () {
    let failure: unknown;
    await loadKeystoreSigners({ dir, password: "pw-wrong", departments: ["health"] }).catch(
      (e: unknown) => (failure = e),
    );

    expect(failure).to.be.instanceOf(KeystoreError);
    const message = (failure as KeystoreError).message;
    expect(message).to.contain('"health"').and.contain("health.json");
    expect(message).not.to.contain("pw-wrong");
  });

  it("refuses a missing keystore and a department key that could escape the directory", async function () {
    let missing: unknown;
    await loadKeystoreSigners({ dir, password: "x", departments: ["tax"] }).catch((e: unknown) => (missing = e));
    expect(missing).to.be.instanceOf(KeystoreError);

    let escape: unknown;
    await loadKeystoreSigners({ dir, password: "x", departments: ["../etc/passwd"] }).catch(
      (e: unknown) => (escape = e),
    );
    expect((escape as Error).message).to.contain("not a department key");
  });

  it("does not reveal private keys when the signers are logged or serialised", function () {
    const signers = deriveDevSigners(DEV_MNEMONIC, ["health"]);
    const privateKey = (signers.get("health") as Wallet).privateKey.slice(2);

    expect(inspect(signers, { depth: 10 })).not.to.contain(privateKey);
    expect(JSON.stringify([...signers])).not.to.contain(privateKey);
  });
});
