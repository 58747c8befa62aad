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
  keccak256,
  recoverAddress,
  Signature,
  SigningKey,
  type BytesLike,
  type SignatureLike,
} from "ethers";
import type * as Secp256k1 from "secp256k1";

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
  // ethers' parsing first (v, s's top bit, lengths): what it refuses is refused here too.
  const sig = Signature.from(signature);
  const compact = getBytes(`${sig.r}${sig.s.slice(2)}`);
  const publicKey = native.ecdsaRecover(compact, sig.yParity, getBytes(digest), false);
  return getAddress(addressOf(publicKey));
}

/** The address of an uncompressed public key (0x04 ‖ x ‖ y): the last 20 bytes of keccak256(x ‖ y). */
function addressOf(uncompressed: Uint8Array): string {
  return `0x${keccak256(uncompressed.subarray(1)).slice(-40)}`;
}
