/**
 * The EIP-712 digest ethers' `TypedDataEncoder.hash(domain, types, value)` computes, with the parts that never change
 * between two messages computed once: the encoder of a type list (its parsed types and type hashes) and the domain
 * separator of a domain. Caches are keyed by the objects themselves, so a domain or type list must not be mutated
 * after its first use (the exchange's are frozen). test/core/crypto/typed-data.test.ts checks the digests against
 * ethers'.
 *
 * A struct whose fields are all one 32-byte word each (bytes32, uintN, bool: the exchange's two messages, the
 * consent, the seal) is encoded here, word by word from its hex and integers, and hashed once: ethers' encoder
 * converts every field through its byte arrays, which cost the gateways more than the hashing. Any value that is not
 * plainly in range (a number that is not a safe integer, a string for an integer, hex of another length) goes to
 * ethers' encoder instead, so the digest, and the error for a bad value, are always ethers'.
 */
import { keccak256, toUtf8Bytes, TypedDataEncoder, type TypedDataDomain, type TypedDataField } from "ethers";
import { isBytes32Hex } from "./hex";
import { keccak256Bytes } from "./keccak";

type Types = Record<string, TypedDataField[]>;

/** One field as the 64 hex digits of its word, or null when the value is for ethers' encoder to judge. */
type WordEncoder = (value: unknown) => string | null;

interface StructEncoder {
  ethers: TypedDataEncoder;
  /** The type hash as hex without 0x, and each field's name and word encoder; null when a field is not one word. */
  words: { typeHash: string; fields: { name: string; encode: WordEncoder }[] } | null;
}

const encoders = new WeakMap<Types, StructEncoder>();
const separators = new WeakMap<TypedDataDomain, string>();

const ZERO_WORD = "0".repeat(64);
const ONE_WORD = `${"0".repeat(63)}1`;

function wordEncoderOf(type: string): WordEncoder | null {
  if (type === "bytes32") return (value) => (isBytes32Hex(value) ? value.slice(2) : null);
  if (type === "bool") return (value) => (typeof value === "boolean" ? (value ? ONE_WORD : ZERO_WORD) : null);
  const uint = /^uint(\d+)$/.exec(type);
  if (uint) {
    const bits = Number(uint[1]);
    if (bits < 8 || bits > 256 || bits % 8 !== 0) return null;
    const limit = 1n << BigInt(bits);
    return (value) => {
      const n =
        typeof value === "bigint"
          ? value
          : typeof value === "number" && Number.isSafeInteger(value)
            ? BigInt(value)
            : null;
      return n === null || n < 0n || n >= limit ? null : n.toString(16).padStart(64, "0");
    };
  }
  return null;
}

function encoderOf(types: Types): StructEncoder {
  let encoder = encoders.get(types);
  if (encoder === undefined) {
    const ethers = TypedDataEncoder.from(types);
    const fields = types[ethers.primaryType].map(({ name, type }) => ({ name, encode: wordEncoderOf(type) }));
    const words = fields.every((f) => f.encode !== null)
      ? {
          typeHash: keccak256(toUtf8Bytes(ethers.encodeType(ethers.primaryType))).slice(2),
          fields: fields as { name: string; encode: WordEncoder }[],
        }
      : null;
    encoder = { ethers, words };
    encoders.set(types, encoder);
  }
  return encoder;
}

function separatorOf(domain: TypedDataDomain): string {
  let separator = separators.get(domain);
  if (separator === undefined) {
    separator = TypedDataEncoder.hashDomain(domain);
    separators.set(domain, separator);
  }
  return separator;
}

/** hashStruct(value) as hex without 0x. */
function structHash(encoder: StructEncoder, value: Record<string, unknown>): string {
  const { words } = encoder;
  if (words !== null) {
    let encoded = words.typeHash;
    for (const field of words.fields) {
      const word = field.encode(value[field.name]);
      if (word === null) return encoder.ethers.hash(value).slice(2);
      encoded += word;
    }
    return keccak256Bytes(Buffer.from(encoded, "hex")).slice(2);
  }
  return encoder.ethers.hash(value).slice(2);
}

/** keccak256("\x19\x01" ‖ domainSeparator ‖ hashStruct(value)). */
export function typedDataDigest(domain: TypedDataDomain, types: Types, value: Record<string, unknown>): string {
  const preimage = `1901${separatorOf(domain).slice(2)}${structHash(encoderOf(types), value)}`;
  return keccak256Bytes(Buffer.from(preimage, "hex"));
}
