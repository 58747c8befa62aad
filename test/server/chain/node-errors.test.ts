import { expect } from "chai";
import { AbiCoder, Interface } from "ethers";
import hre from "hardhat";
import { ChainUnavailableError } from "../../../server/src/chain/errors";
import { describeNodeError } from "../../../server/src/chain/errors";
import { chainInfo, fetchChainId } from "../../../server/src/chain/provider";
import { decodeRevert } from "../../../server/src/chain/revert";
import { freePort } from "./support/hardhat-node";
import { BrowserProvider } from "ethers";

const rpcError = (message: string, data: unknown = null) => ({ error: { code: -32000, message, data } });

describe("node errors and reverts", function () {
  it("classifies Hardhat, geth and Besu transaction errors", function () {
    const cases: [unknown, string][] = [
      [
        rpcError(
          "Nonce too low. Expected nonce to be 2 but got 1. Note that transactions can't be queued when automining.",
        ),
        "nonce_too_low",
      ],
      [rpcError("nonce too low: address 0xabc, tx: 1 state: 2"), "nonce_too_low"],
      [rpcError("Nonce too high. Expected nonce to be 2 but got 6."), "nonce_too_high"],
      [rpcError("Nonce too far in future"), "nonce_too_high"],
      [rpcError("Known transaction"), "already_known"],
      [rpcError("already known"), "already_known"],
      [rpcError("Sender doesn't have enough funds to send tx. The max upfront cost is: 1"), "insufficient_funds"],
      [rpcError("Upfront cost exceeds account balance"), "insufficient_funds"],
      [rpcError("insufficient funds for gas * price + value"), "insufficient_funds"],
      [rpcError("Sender account not authorized to send transactions"), "rejected"],
      [Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8545"), { code: "ECONNREFUSED" }), "network"],
      [{ code: "TIMEOUT", message: "request timeout" }, "network"],
    ];
    for (const [error, kind] of cases) {
      expect(describeNodeError(error).kind, JSON.stringify(error)).to.equal(kind);
    }
  });

  it("finds revert data wherever the node or ethers put it", function () {
    const data = "0xf8820446" + "00".repeat(31) + "07" + "00".repeat(32);
    const hardhat = rpcError("VM Exception while processing transaction: reverted with custom error", {
      message: "x",
      data,
    });
    const ethersWrapped = { code: "CALL_EXCEPTION", data, shortMessage: "execution reverted (unknown custom error)" };

    expect(describeNodeError(hardhat)).to.deep.include({ kind: "reverted", revertData: data });
    expect(describeNodeError(ethersWrapped)).to.deep.include({ kind: "reverted", revertData: data });
  });

  it("decodes custom errors by name with named JSON arguments, and Solidity's Error(string)", function () {
    const iface = new Interface(["error AccessControlUnauthorizedAccount(address account, bytes32 neededRole)"]);
    const account = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    const role = `0x${"12".repeat(32)}`;
    const custom = iface.encodeErrorResult("AccessControlUnauthorizedAccount", [account, role]);
    const builtin = "0x08c379a0" + AbiCoder.defaultAbiCoder().encode(["string"], ["not allowed"]).slice(2);

    expect(decodeRevert(custom, [iface])).to.deep.equal({
      errorName: "AccessControlUnauthorizedAccount",
      signature: "AccessControlUnauthorizedAccount(address,bytes32)",
      args: { account, neededRole: role },
    });
    expect(decodeRevert(builtin, [iface])).to.deep.include({ errorName: "Error", args: { message: "not allowed" } });
    expect(decodeRevert("0xdeadbeef", [iface])).to.equal(null);
    expect(decodeRevert("0x", [iface])).to.equal(null);
    expect(decodeRevert(null, [iface])).to.equal(null);
  });

  it("reads chain id, block number and genesis hash from a node", async function () {
    const info = await chainInfo(new BrowserProvider(hre.network.provider));

    expect(info.chainId).to.equal(31337);
    expect(info.blockNumber).to.be.a("number");
    expect(info.genesisHash).to.match(/^0x[0-9a-f]{64}$/);
  });

  it("reports a node that does not answer as unavailable", async function () {
    const port = await freePort();
    let failure: unknown;
    await fetchChainId(`http://127.0.0.1:${port}`, 1_000).catch((e: unknown) => (failure = e));

    expect(failure).to.be.instanceOf(ChainUnavailableError);
  });
});
