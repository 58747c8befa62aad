/**
 * keccak256 on the `keccak` package's native addon (the binaries it ships prebuilt; the one Hardhat uses), plugged into
 * ethers through its own `keccak256.register` hook so that every hash ethers computes in the process (EIP-712
 * digests, addresses' checksums, receipt leaves) takes it. Why: ethers' @noble/hashes keccak is pure JavaScript, and
 * the exchange hashes a few dozen times a fetch. When the addon does not load, ethers keeps its own.
 */
import { keccak256 } from "ethers";

interface KeccakHash {
  update(data: Buffer): KeccakHash;
  digest(): Buffer;
}
type CreateKeccak = (algorithm: "keccak256") => KeccakHash;

function loadNative(): CreateKeccak | null {
  try {
    // The bindings entry, not the package's index: that one falls back to JavaScript silently.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("keccak/bindings") as CreateKeccak;
  } catch {
    return null;
  }
}

const native = loadNative();

/** keccak256 of `data` on the native addon; null when it did not load. */
export const nativeKeccak256: ((data: Uint8Array) => Uint8Array) | null =
  native === null
    ? null
    : (data) =>
        native("keccak256")
          .update(Buffer.from(data.buffer, data.byteOffset, data.byteLength))
          .digest();

/** Makes ethers hash with the native addon from now on, in this process; false when it did not load. */
export function useNativeKeccak(): boolean {
  if (nativeKeccak256 === null) return false;
  keccak256.register(nativeKeccak256);
  return true;
}
