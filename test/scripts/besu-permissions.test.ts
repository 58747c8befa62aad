import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { readBesuPermissions, renderBesuPermissions } from "../../scripts/lib/besu-permissions";
import { deploySystem } from "../support/system";

const SUSPEND = 1;
const CLEAR_NODE = 8;
const FIXTURE = path.join(__dirname, "fixtures", "permissions_config.toml");
const enode = (digit: string, host: string) => `enode://${digit.repeat(128)}@${host}:30303`;

describe("besu:permissions", function () {
  /**
   * The demo consortium with a node per department but health; then hrss suspended, gz-civil-affairs' node cleared by
   * the council, one operator added to public security and one added to health and removed again.
   */
  async function consortiumFixture() {
    const s = await deploySystem();
    const signers = await ethers.getSigners();
    const [extraOperator, removedOperator] = [signers[10], signers[11]];
    const ops = s.operators;
    await s.consortium.connect(ops["data-bureau"]).registerNode(enode("1", "10.0.0.1"));
    await s.consortium.connect(ops["public-security"]).registerNode(enode("2", "10.0.0.2"));
    await s.consortium.connect(ops.hrss).registerNode(enode("3", "10.0.0.3"));
    await s.consortium.connect(ops["gz-civil-affairs"]).registerNode(enode("5", "10.0.0.5"));
    await s.consortium.connect(ops["public-security"]).addOperator(extraOperator.address, false);
    await s.consortium.connect(ops.health).addOperator(removedOperator.address, false);
    await s.consortium.connect(ops.health).removeOperator(removedOperator.address);
    // The data bureau holds the only seat: its proposals execute at once.
    const coder = ethers.AbiCoder.defaultAbiCoder();
    const bureau = s.consortium.connect(ops["data-bureau"]);
    await bureau.propose(SUSPEND, coder.encode(["bytes32"], [s.departments.hrss.id]));
    await bureau.propose(CLEAR_NODE, coder.encode(["bytes32"], [s.departments["gz-civil-affairs"].id]));
    return { s, extraOperator, removedOperator };
  }

  it("allows the accounts of active departments and the nodes they registered, nothing else", async function () {
    const { s, extraOperator, removedOperator } = await loadFixture(consortiumFixture);
    const permissions = await readBesuPermissions(s.consortium, s.deployment.deploymentBlock);

    const ops = s.operators;
    const expected = [ops["data-bureau"], ops["public-security"], ops.health, ops["gz-civil-affairs"], extraOperator];
    expect(permissions.accounts).to.deep.equal(expected.map((o) => o.address.toLowerCase()).sort());
    expect(permissions.accounts).not.to.include(ops.hrss.address.toLowerCase()); // suspended department
    expect(permissions.accounts).not.to.include(removedOperator.address.toLowerCase());
    expect(permissions.nodes).to.deep.equal([enode("1", "10.0.0.1"), enode("2", "10.0.0.2")]);
    expect(permissions.blockNumber).to.equal(await ethers.provider.getBlockNumber());
  });

  it("renders the TOML file Besu reads, as in the fixture", async function () {
    const { s } = await loadFixture(consortiumFixture);
    const permissions = await readBesuPermissions(s.consortium, s.deployment.deploymentBlock);
    const toml = renderBesuPermissions(permissions, "Fixture of test/scripts/besu-permissions.test.ts.\nSecond line.");
    expect(toml).to.equal(fs.readFileSync(FIXTURE, "utf8"));
  });

  it("brings a department back at the next regeneration once it is reinstated", async function () {
    const { s } = await loadFixture(consortiumFixture);
    const REINSTATE = 2;
    await s.consortium
      .connect(s.operators["data-bureau"])
      .propose(REINSTATE, ethers.AbiCoder.defaultAbiCoder().encode(["bytes32"], [s.departments.hrss.id]));
    const permissions = await readBesuPermissions(s.consortium, s.deployment.deploymentBlock);
    expect(permissions.accounts).to.include(s.operators.hrss.address.toLowerCase());
    expect(permissions.nodes).to.include(enode("3", "10.0.0.3"));
  });

  it("renders empty allowlists as empty TOML arrays", function () {
    const toml = renderBesuPermissions({ accounts: [], nodes: [], blockNumber: 0 }, "empty");
    expect(toml).to.equal("# empty\naccounts-allowlist=[]\nnodes-allowlist=[]\n");
  });
});
