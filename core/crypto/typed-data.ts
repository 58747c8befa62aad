/**
 * The EIP-712 digest ethers' `TypedDataEncoder.hash(domain, types, value)` computes, with the parts that never change
 * between two messages computed once: the encoder of a type list (its parsed types and type hashes) and the domain
 * separator of a domain. Caches are keyed by the objects themselves, so a domain or type list must not be mutated
 * after its first use (the exchange's are frozen). test/core/crypto/typed-data.test.ts checks the digests against
 * ethers'.
 */
import { concat, keccak256, TypedDataEncoder, type TypedDataDomain, type TypedDataField } from "ethers";

type Types = Record<string, TypedDataField[]>;

const encoders = new WeakMap<Types, TypedDataEncoder>();
const separators = new WeakMap<TypedDataDomain, string>();

function encoderOf(types: Types): TypedDataEncoder {
  let encoder = encoders.get(types);
  if (encoder === undefined) {
    encoder = TypedDataEncoder.from(types);
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

/** keccak256("\x19\x01" ‖ domainSeparator ‖ hashStruct(value)). */
export function typedDataDigest(domain: TypedDataDomain, types: Types, value: Record<string, unknown>): string {
  return keccak256(concat(["0x1901", separatorOf(domain), encoderOf(types).hash(value)]));
}
