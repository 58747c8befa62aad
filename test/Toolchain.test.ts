import { expect } from "chai";
import { ethers } from "hardhat";

describe("Toolchain", function () {
  it("compiles offline and deploys to the in-process network", async function () {
    const mock = await ethers.deployContract("ConsortiumMock");
    expect(await mock.replyDeadline()).to.equal(10n); // working days
  });
});
