import { expect } from "chai";
import { id, keccak256, Transaction, Wallet } from "ethers";
import { useFastKeccak } from "../../../core/crypto/keccak";
import { transactionSigner, type OutboxTransaction } from "../../../server/src/chain/tx-signing";

// Fixed vectors: keys, addresses and calldata derived from fixed strings, never random.
const KEYS = Array.from({ length: 4 }, (_, i) => id(`kuajie tx-signing key ${i}`));
const TO = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
/** Calldata of `words` 32-byte words, each a hash of its index: a consent batch's size at 4,800 words. */
function calldata(words: number): string {
  return `0x12345678${Array.from({ length: words }, (_, i) => id(`word ${i}`).slice(2)).join("")}`;
}

const TRANSACTIONS: OutboxTransaction[] = [
  {
    type: 2,
    chainId: 31337,
    nonce: 0,
    to: TO,
    data: "0x",
    gasLimit: 21_000n,
    value: 0n,
    maxFeePerGas: 0n,
    maxPriorityFeePerGas: 0n,
  },
  {
    type: 2,
    chainId: 31337,
    nonce: 7,
    to: TO.toLowerCase(),
    data: calldata(4_800),
    gasLimit: 15_080_000n,
    value: 0n,
    maxFeePerGas: 2_000_000_000n,
    maxPriorityFeePerGas: 1_000_000_000n,
  },
  {
    type: 2,
    chainId: 1,
    nonce: 65_536,
    to: TO,
    data: calldata(3),
    gasLimit: 1n,
    value: 255n,
    maxFeePerGas: 2n ** 64n,
    maxPriorityFeePerGas: 1n,
  },
  { type: 0, chainId: 31337, nonce: 0, to: TO, data: "0x", gasLimit: 21_000n, value: 0n, gasPrice: 0n },
  {
    type: 0,
    chainId: 1337,
    nonce: 300,
    to: TO,
    data: calldata(4_800),
    gasLimit: 15_080_000n,
    value: 0n,
    gasPrice: 875_000_000n,
  },
  {
    type: 0,
    chainId: 2 ** 40,
    nonce: 1,
    to: TO,
    data: calldata(1),
    gasLimit: 99_999n,
    value: 10n ** 18n,
    gasPrice: 1n,
  },
];

function describeTx(tx: OutboxTransaction): string {
  return `type ${tx.type}, chain ${tx.chainId}, nonce ${tx.nonce}, ${(tx.data.length - 2) / 2} bytes of data`;
}

describe("Transaction signing (native, without ethers' Transaction)", function () {
  // ethers' pure-JavaScript signing of the 150 kB vectors takes a while on a loaded machine.
  this.timeout(60_000);

  for (const fast of [false, true]) {
    describe(fast ? "with the WebAssembly Keccak registered" : "with ethers' own Keccak", function () {
      before(async function () {
        if (fast) await useFastKeccak();
      });

      for (const tx of TRANSACTIONS) {
        it(`gives the bytes and hash of ethers' wallet.signTransaction: ${describeTx(tx)}`, async function () {
          for (const key of KEYS) {
            const wallet = new Wallet(key);
            const expected = await wallet.signTransaction(tx);
            const signed = transactionSigner(key).sign(tx);
            expect(signed.rawTx).to.equal(expected);
            expect(signed.hash).to.equal(keccak256(expected));
            const parsed = Transaction.from(signed.rawTx);
            expect(parsed.from).to.equal(wallet.address);
            expect(parsed.hash).to.equal(signed.hash);
          }
        });
      }
    });
  }

  it("names the key's address", function () {
    expect(transactionSigner(KEYS[0]).address).to.equal(new Wallet(KEYS[0]).address);
  });

  it("refuses calldata that is not whole bytes of hex, and a bad recipient", function () {
    const signer = transactionSigner(KEYS[0]);
    const base = TRANSACTIONS[0];
    expect(() => signer.sign({ ...base, data: "0x123" })).to.throw(TypeError, /data must be 0x-prefixed hex/);
    expect(() => signer.sign({ ...base, data: "12" })).to.throw(TypeError, /data must be 0x-prefixed hex/);
    expect(() => signer.sign({ ...base, to: "0x1234" })).to.throw(/invalid address/);
    expect(() => signer.sign({ ...base, nonce: -1 })).to.throw(RangeError, /negative/);
  });
});
