/**
 * Signs the outbox's transactions without ethers' `Transaction` object: the same bytes as `wallet.signTransaction`
 * (test/server/chain/tx-signing.test.ts compares them), laid out with @ethereumjs/rlp on Buffers, hashed with the
 * WebAssembly Keccak and signed on libsecp256k1 (core/crypto/ecdsa.ts). Why: a consent batch's transaction carries
 * up to 150 kB of calldata, and ethers turns it from hex to bytes and back a character pair at a time, several times
 * over (parsing, the unsigned form, the signed form, the hash): about 50 ms of the event loop for a batch of 300
 * consents, on the path between one batch being mined and the next being sent (docs/perf/consents-profile.md).
 */
import { RLP } from "@ethereumjs/rlp";
import { getAddress } from "ethers";
import { digestSigner, type DigestSigner } from "../../../core/crypto/ecdsa";
import { keccak256Bytes } from "../../../core/crypto/keccak";

/** What the key worker signs: a contract call with the fees the node suggested (legacy or EIP-1559). */
export type OutboxTransaction = {
  chainId: number;
  nonce: number;
  to: string;
  /** 0x-hex calldata. */
  data: string;
  gasLimit: bigint;
  value: bigint;
} & ({ type: 0; gasPrice: bigint } | { type: 2; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint });

interface SignedTransaction {
  /** The signed transaction as `eth_sendRawTransaction` takes it (0x-hex). */
  rawTx: string;
  /** Its hash, keccak256 of those bytes. */
  hash: string;
}

export interface TransactionSigner {
  readonly address: string;
  sign(tx: OutboxTransaction): SignedTransaction;
}

/** An integer as RLP wants it: big-endian, no leading zero bytes, zero as no bytes at all. */
function quantity(value: bigint | number): Buffer {
  const big = BigInt(value);
  if (big < 0n) throw new RangeError("a transaction field cannot be negative");
  if (big === 0n) return Buffer.alloc(0);
  const hex = big.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, "hex");
}

const HEX = /^0x(?:[0-9a-fA-F]{2})*$/;

function bytesOfHex(hex: string, what: string): Buffer {
  if (!HEX.test(hex)) throw new TypeError(`${what} must be 0x-prefixed hex of whole bytes`);
  return Buffer.from(hex.slice(2), "hex");
}

/** `0x`-hex of a typed transaction's envelope: its type byte, then the RLP list. */
function typed(type: number, fields: Buffer[] | (Buffer | Buffer[])[]): Buffer {
  const body = RLP.encode(fields);
  const out = Buffer.allocUnsafe(1 + body.length);
  out[0] = type;
  out.set(body, 1);
  return out;
}

/** The transaction signer of a private key. */
export function transactionSigner(privateKey: string): TransactionSigner {
  const key: DigestSigner = digestSigner(privateKey);
  return {
    address: key.address,
    sign(tx) {
      const common = {
        nonce: quantity(tx.nonce),
        gasLimit: quantity(tx.gasLimit),
        to: bytesOfHex(getAddress(tx.to), "to"),
        value: quantity(tx.value),
        data: bytesOfHex(tx.data, "data"),
      };
      let raw: Buffer;
      if (tx.type === 2) {
        const head = [
          quantity(tx.chainId),
          common.nonce,
          quantity(tx.maxPriorityFeePerGas),
          quantity(tx.maxFeePerGas),
          common.gasLimit,
          common.to,
          common.value,
          common.data,
        ];
        const accessList: Buffer[] = [];
        const signature = split(key.sign(keccak256Bytes(typed(2, [...head, accessList]))));
        raw = typed(2, [...head, accessList, quantity(signature.recoveryId), signature.r, signature.s]);
      } else {
        const head = [common.nonce, quantity(tx.gasPrice), common.gasLimit, common.to, common.value, common.data];
        // EIP-155: the chain id is signed in, and carried in v.
        const unsigned = Buffer.from(RLP.encode([...head, quantity(tx.chainId), quantity(0), quantity(0)]));
        const signature = split(key.sign(keccak256Bytes(unsigned)));
        const v = BigInt(tx.chainId) * 2n + 35n + BigInt(signature.recoveryId);
        raw = Buffer.from(RLP.encode([...head, quantity(v), signature.r, signature.s]));
      }
      return { rawTx: `0x${raw.toString("hex")}`, hash: keccak256Bytes(raw) };
    },
  };
}

/** r and s as RLP integers (no leading zeros) and the recovery id, from a 65-byte r ‖ s ‖ v signature. */
function split(signature: string): { r: Buffer; s: Buffer; recoveryId: number } {
  const v = Number.parseInt(signature.slice(130, 132), 16);
  return {
    r: quantity(BigInt(`0x${signature.slice(2, 66)}`)),
    s: quantity(BigInt(`0x${signature.slice(66, 130)}`)),
    recoveryId: v - 27,
  };
}
