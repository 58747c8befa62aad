/**
 * Keccak-256 from WebAssembly (hash-wasm) for ethers' `keccak256`, which hashes in pure JavaScript by default. Every
 * receipt leaf, Merkle step, receipt id, address checksum and EIP-712 digest goes through ethers' `keccak256`;
 * registering a faster implementation there speeds all of them up at once without a second way to hash. Measured here
 * (2026-11-30): 1.1 µs for 64 bytes and 4.1 µs for 608 (a receipt leaf's preimage), against 8–10 µs for the `keccak`
 * package's native addon (an object per hash across the N-API boundary) and tens of µs for @noble/hashes.
 *
 * The WebAssembly module compiles asynchronously, so a process calls `useFastKeccak()` once when it starts (the
 * auditor's `run`, the gateway's creation); until it resolves, and wherever it is not called (tests, scripts),
 * ethers' own implementation runs. Both give the same bytes (test/core/crypto/keccak.test.ts).
 *
 * `keccak256Hex` is for the hot paths that hash hex they built themselves (receipt ids, leaves, Merkle steps): ethers'
 * `keccak256` turns hex into bytes one character pair at a time and its digest back into hex, which costs several
 * times the hash (24 µs against 2.4 for a 64-byte id, measured 2026-11-30); Node's Buffer does both natively. Anything
 * that is not plain even-length hex goes to ethers, so the digest, and the error for bad input, stay ethers'.
 */
import { createKeccak, type IHasher } from "hash-wasm";
import { getBytes, keccak256 } from "ethers";

let registered: Promise<void> | undefined;
let hasher: IHasher | undefined;

/** Registers the WebAssembly Keccak-256 with ethers, once per process (later calls return the same promise). */
export function useFastKeccak(): Promise<void> {
  registered ??= createKeccak(256).then((created) => {
    hasher = created;
    keccak256.register((data: Uint8Array) => created.init().update(data).digest("binary"));
  });
  return registered;
}

const EVEN_HEX = /^0x(?:[0-9a-fA-F]{2})*$/;

/** keccak256 of 0x-hex, as 0x-hex in lower case: what ethers' `keccak256(hex)` returns. */
export function keccak256Hex(hex: string): string {
  if (hasher === undefined || !EVEN_HEX.test(hex)) return keccak256(hex);
  return `0x${hasher
    .init()
    .update(Buffer.from(hex.slice(2), "hex"))
    .digest("hex")}`;
}

/** keccak256 of bytes, as 0x-hex in lower case: what ethers' `keccak256(bytes)` returns. */
export function keccak256Bytes(bytes: Uint8Array): string {
  if (hasher === undefined) return keccak256(bytes);
  return `0x${hasher.init().update(bytes).digest("hex")}`;
}

/** keccak256 of bytes, as its 32 bytes (for a digest hashed again, as a receipt's leaf is, with no hex between). */
export function keccak256Digest(bytes: Uint8Array): Uint8Array {
  if (hasher === undefined) return getBytes(keccak256(bytes));
  return hasher.init().update(bytes).digest("binary");
}
