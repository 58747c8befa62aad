/**
 * The EIP-712 digest ethers' `TypedDataEncoder.hash(domain, types, value)` computes, with the parts that never change
 * between two messages computed once: the encoder of a type list (its parsed types and type hashes) and the domain
 * separator of a domain. Caches are keyed by the objects themselves, so a domain or type list must not be mutated
 * after its first use (the exchange's are frozen). test/core/crypto/typed-data.test.ts checks the digests against
 * ethers'.
 *
 * A struct whose fields are all one 32-byte word each (bytes32, uintN, bool: the exchange's two messages, the
 * consent, the seal) is encoded here, each word written in place as bytes, and hashed once: ethers' encoder
 * converts every field through its byte arrays, which cost the gateways more than the hashing. Any value that is not
 * plainly in range (a number that is not a safe integer, a string for an integer, hex of another length) goes to
 * ethers' encoder instead, so the digest, and the error for a bad value, are always ethers'.
 */
import { getBytes, keccak256, toUtf8Bytes, TypedDataEncoder, type TypedDataDomain, type TypedDataField } from "ethers";
import { isBytes32Hex } from "./hex";
import { keccak256Bytes, keccak256Digest } from "./keccak";

type Types = Record<string, TypedDataField[]>;

/** Writes one field's word at `at` of `out` (zeroed), or returns false when the value is for ethers' encoder to judge. */
type WordWriter = (value: unknown, out: Buffer, at: number) => boolean;

interface StructEncoder {
  ethers: TypedDataEncoder;
  /**
   * The type hash, and each field's name and word writer, with a buffer of the encoding's size (the type hash in its
   * first word); null when a field is not one word.
   */
  words: { encoding: Buffer; fields: { name: string; write: WordWriter }[] } | null;
}

const encoders = new WeakMap<Types, StructEncoder>();
const separators = new WeakMap<TypedDataDomain, Buffer>();

/** Writes `n` (0 <= n < 2^256) as the word at `at`. */
function writeUint(n: bigint, out: Buffer, at: number): void {
  if (n <= 0xffff_ffffn) {
    out.writeUInt32BE(Number(n), at + 28);
    return;
  }
  const hex = n.toString(16);
  out.write(hex.length % 2 ? `0${hex}` : hex, at + 32 - Math.ceil(hex.length / 2), "hex");
}

function wordWriterOf(type: string): WordWriter | null {
  if (type === "bytes32")
    return (value, out, at) => isBytes32Hex(value) && (out.write(value.slice(2), at, "hex"), true);
  if (type === "bool") return (value, out, at) => typeof value === "boolean" && ((out[at + 31] = value ? 1 : 0), true);
  const uint = /^uint(\d+)$/.exec(type);
  if (uint) {
    const bits = Number(uint[1]);
    if (bits < 8 || bits > 256 || bits % 8 !== 0) return null;
    const limit = 1n << BigInt(bits);
    return (value, out, at) => {
      const n =
        typeof value === "bigint"
          ? value
          : typeof value === "number" && Number.isSafeInteger(value)
            ? BigInt(value)
            : null;
      if (n === null || n < 0n || n >= limit) return false;
      writeUint(n, out, at);
      return true;
    };
  }
  return null;
}

function encoderOf(types: Types): StructEncoder {
  let encoder = encoders.get(types);
  if (encoder === undefined) {
    const ethers = TypedDataEncoder.from(types);
    const fields = types[ethers.primaryType].map(({ name, type }) => ({ name, write: wordWriterOf(type) }));
    let words: StructEncoder["words"] = null;
    if (fields.every((f) => f.write !== null)) {
      const encoding = Buffer.alloc(32 * (1 + fields.length));
      encoding.write(keccak256(toUtf8Bytes(ethers.encodeType(ethers.primaryType))).slice(2), 0, "hex");
      words = { encoding, fields: fields as { name: string; write: WordWriter }[] };
    }
    encoder = { ethers, words };
    encoders.set(types, encoder);
  }
  return encoder;
}

function separatorOf(domain: TypedDataDomain): Buffer {
  let separator = separators.get(domain);
  if (separator === undefined) {
    separator = Buffer.from(TypedDataEncoder.hashDomain(domain).slice(2), "hex");
    separators.set(domain, separator);
  }
  return separator;
}

/** hashStruct(value) as its 32 bytes. */
function structHash(encoder: StructEncoder, value: Record<string, unknown>): Uint8Array {
  const { words } = encoder;
  if (words !== null) {
    const { encoding, fields } = words;
    encoding.fill(0, 32);
    let at = 32;
    for (const field of fields) {
      if (!field.write(value[field.name], encoding, at)) return getBytes(encoder.ethers.hash(value));
      at += 32;
    }
    return keccak256Digest(encoding);
  }
  return getBytes(encoder.ethers.hash(value));
}

/** The digest's preimage, "\x19\x01" ‖ domainSeparator ‖ hashStruct, rewritten for each digest. */
const PREIMAGE = Buffer.from([0x19, 0x01, ...new Array<number>(64).fill(0)]);

/** keccak256("\x19\x01" ‖ domainSeparator ‖ hashStruct(value)). */
export function typedDataDigest(domain: TypedDataDomain, types: Types, value: Record<string, unknown>): string {
  const separator = separatorOf(domain);
  const struct = structHash(encoderOf(types), value);
  PREIMAGE.set(separator, 2);
  PREIMAGE.set(struct, 34);
  return keccak256Bytes(PREIMAGE);
}
