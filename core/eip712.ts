/**
 * The EIP-712 messages the contracts verify (`*_TYPEHASH` in ConsentRegistry and SharingAgreements) and their
 * domains. A subject's wallet signs a Consent or a Withdrawal; a department's operator signs a Seal.
 * The type lists are in the contracts' field order: reordering one changes the type hash and every signature fails.
 */
import type { TypedDataDomain, TypedDataField } from "ethers";

/** `ConsentRegistry.CONSENT_TYPEHASH`. */
export const CONSENT_TYPES: Record<string, TypedDataField[]> = {
  Consent: [
    { name: "subjectRef", type: "bytes32" },
    { name: "recipient", type: "bytes32" },
    { name: "resourceId", type: "bytes32" },
    { name: "purpose", type: "bytes32" },
    { name: "separate", type: "bool" },
    { name: "validFrom", type: "uint64" },
    { name: "validUntil", type: "uint64" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** `ConsentRegistry.WITHDRAWAL_TYPEHASH`. */
export const WITHDRAWAL_TYPES: Record<string, TypedDataField[]> = {
  Withdrawal: [
    { name: "consentId", type: "bytes32" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** `ConsentRegistry.KEY_ROTATION_TYPEHASH`: the subject's current key signs the key that replaces it. */
export const KEY_ROTATION_TYPES: Record<string, TypedDataField[]> = {
  SubjectKeyRotation: [
    { name: "subjectRef", type: "bytes32" },
    { name: "newKey", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** `SharingAgreements.SEAL_TYPEHASH`. */
export const SEAL_TYPES: Record<string, TypedDataField[]> = {
  Seal: [
    { name: "agreementId", type: "uint256" },
    { name: "department", type: "bytes32" },
    { name: "termsDigest", type: "bytes32" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** The EIP-712 domain names of the contracts that verify signatures (their `EIP712(name, "1")` constructors). */
export const EIP712_DOMAIN_NAMES = {
  ConsentRegistry: "Kuajie ConsentRegistry",
  SharingAgreements: "Kuajie SharingAgreements",
} as const;

/** The domain of one deployed contract on one chain. */
export function eip712Domain(
  contract: keyof typeof EIP712_DOMAIN_NAMES,
  chainId: bigint | number,
  verifyingContract: string,
): TypedDataDomain {
  return { name: EIP712_DOMAIN_NAMES[contract], version: "1", chainId, verifyingContract };
}
