/**
 * secp256k1 signatures of 32-byte digests, as Ethereum makes them: on libsecp256k1 (the `secp256k1` package's native
 * addon, loaded from the binaries it ships prebuilt) when it loads, on ethers' pure-JavaScript @noble/curves
 * otherwise. Either way the bytes are ethers': RFC 6979 deterministic nonces, low s, `v` = 27 + the recovery id, and
 * signatures parsed by ethers' own `Signature.from` rules before any curve arithmetic (test/core/crypto/ecdsa.test.ts
 * checks both against ethers on fixed vectors). Why not ethers alone: its @noble/curves takes milliseconds a
 * signature, and every exchange signs twice and recovers twice on the hot path.
 */
import {
  getAddress,
  getBytes,
  hexlify,
  recoverAddress,
  Signature,
  SigningKey,
  type BytesLike,
  type SignatureLike,
} from "ethers";
import type * as Secp256k1 from "secp256k1";
import { keccak256Bytes } from "./keccak";
import { remembered } from "../remembered";
import { isBytes32Hex } from "./hex";

type Native = typeof Secp256k1;

function loadNative(): Native | null {
  try {
    // The bindings entry, not the package's index: that one falls back to elliptic (pure JavaScript) silently.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("secp256k1/bindings") as Native;
  } catch {
    return null;
  }
}

const native = loadNative();

/** n, the order of secp256k1's group. */
const SECP256K1_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** Which implementation does the curve arithmetic in this process. @public */
export const ECDSA_IMPLEMENTATION: "libsecp256k1" | "noble" = native ? "libsecp256k1" : "noble";

/** A key that signs digests; the private key stays inside it. @public */
export interface DigestSigner {
  readonly address: string;
  /** The 65-byte signature of `digest` (0x-hex, r ‖ s ‖ v), byte for byte what ethers' `SigningKey.sign` gives. */
  sign(digest: BytesLike): string;
}

export function digestSigner(privateKey: BytesLike, implementation = ECDSA_IMPLEMENTATION): DigestSigner {
  const key = new SigningKey(privateKey);
  const address = getAddress(addressOf(getBytes(key.publicKey)));
  if (implementation === "noble" || native === null) {
    return { address, sign: (digest) => key.sign(digest).serialized };
  }
  const secret = getBytes(key.privateKey);
  const nativeSign = native.ecdsaSign;
  return {
    address,
    sign: (digest) => {
      const bytes = getBytes(digest);
      // RFC 6979 as ethers (noble) does it reduces the digest modulo n before deriving the nonce; this libsecp256k1
      // does not. Only a digest >= n (odds 2^-128 for a hash) tells them apart: that one is signed as ethers signs.
      if (bytes[0] === 0xff && BigInt(hexlify(bytes)) >= SECP256K1_ORDER) return key.sign(bytes).serialized;
      const { signature, recid } = nativeSign(bytes, secret);
      return `0x${Buffer.from(signature).toString("hex")}${(27 + recid).toString(16)}`;
    },
  };
}

/** The account that signed `digest` (checksummed); throws, as ethers' `recoverAddress` does, on a bad signature. */
export function recoverDigestSigner(
  digest: BytesLike,
  signature: SignatureLike,
  implementation = ECDSA_IMPLEMENTATION,
): string {
  if (implementation === "noble" || native === null) return recoverAddress(digest, signature);
  const plain = plainRecovery(digest, signature);
  if (plain) {
    const publicKey = native.ecdsaRecover(plain.compact, plain.recoveryId, plain.digest, false);
    return accountOfPublicKey(publicKey.subarray(1));
  }
  // ethers' parsing first (v, s's top bit, lengths): what it refuses is refused here too.
  const sig = Signature.from(signature);
  const compact = getBytes(`${sig.r}${sig.s.slice(2)}`);
  const publicKey = native.ecdsaRecover(compact, sig.yParity, getBytes(digest), false);
  return getAddress(addressOf(publicKey));
}

/** What libsecp256k1 is given to recover the signer of a plain signature of a 32-byte digest. */
export interface PlainRecovery {
  digest: Buffer;
  /** r ‖ s, 64 bytes. */
  compact: Buffer;
  recoveryId: number;
}

/**
 * The call `recoverDigestSigner` makes to libsecp256k1 for `signature` over `digest`, when it takes the plain path;
 * null when it takes another (ethers' parsing first) or the addon does not load. A caller that recovers elsewhere (the
 * auditor's child process) makes the same call and turns the key into the account with `accountOfPublicKey`; a
 * recovery that throws there is one that throws here.
 */
export function plainRecovery(digest: BytesLike, signature: SignatureLike): PlainRecovery | null {
  if (native === null || !isBytes32Hex(digest)) return null;
  const plain = plainSignature(signature);
  return plain && { digest: Buffer.from(digest.slice(2), "hex"), ...plain };
}

/**
 * `plainRecovery` written as 97 bytes at `at` of `out`: its digest ‖ compact ‖ recovery id, without a buffer or an
 * object of its own (the auditor sends 10,000 of these to its child); false, with nothing written, where
 * `plainRecovery` is null.
 */
export function writePlainRecovery(digest: BytesLike, signature: SignatureLike, out: Buffer, at: number): boolean {
  if (native === null || !isBytes32Hex(digest) || !isPlainSignature(signature)) return false;
  out.write(digest.slice(2), at, "hex");
  out.write(signature.slice(2, 130), at + 32, "hex");
  out[at + 96] = recoveryIdOf(signature);
  return true;
}

/** Where the native addon loads from (for a process of the caller's), or null where it does not load here. */
export function nativeBindingsPath(): string | null {
  return native ? require.resolve("secp256k1/bindings") : null;
}

/** r ‖ s ‖ v as hex, s in the lower half (its first digit below 8), v 27 or 28: what ethers' signers produce. */
const PLAIN_SIGNATURE = /^0x[0-9a-fA-F]{64}[0-7][0-9a-fA-F]{63}1[bcBC]$/;

/**
 * A signature in the one form every signer here writes, read without ethers' byte-by-byte parsing (most of a
 * recovery's cost around the native call); null for any other form, which `Signature.from` judges as before.
 */
function plainSignature(signature: SignatureLike): { compact: Buffer; recoveryId: number } | null {
  if (!isPlainSignature(signature)) return null;
  return { compact: Buffer.from(signature.slice(2, 130), "hex"), recoveryId: recoveryIdOf(signature) };
}

const isPlainSignature = (signature: SignatureLike): signature is string =>
  typeof signature === "string" && PLAIN_SIGNATURE.test(signature);

/** v 27 (0x1b) is recovery id 0, v 28 is 1. */
const recoveryIdOf = (plain: string) => (plain.slice(130).toLowerCase() === "1b" ? 0 : 1);

/**
 * An address checksummed as ethers' `getAddress` does, remembered (EIP-55 is a Keccak-256; an audit recovers the same
 * few signers, a gateway signs with the same few accounts on every fetch).
 */
export const checksummed: (address: string) => string = remembered(getAddress);

/**
 * The account of a public key's 64 bytes x ‖ y, checksummed: what `recoverDigestSigner` returns when the recovery
 * gave that key (for a caller that recovers keys elsewhere, such as the auditor's child process).
 */
export function accountOfPublicKey(xy: Uint8Array): string {
  return checksummed(`0x${keccak256Bytes(xy).slice(-40)}`);
}

/** The address of an uncompressed public key (0x04 ‖ x ‖ y): the last 20 bytes of keccak256(x ‖ y). */
function addressOf(uncompressed: Uint8Array): string {
  return `0x${keccak256Bytes(uncompressed.subarray(1)).slice(-40)}`;
}
