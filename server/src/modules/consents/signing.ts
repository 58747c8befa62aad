/**
 * What a citizen signs, for outside clients: the EIP-712 domain and types of the ConsentRegistry (contracts/consent),
 * published in the OpenAPI document so that a wallet or e-ID app can sign without reading the Solidity. A test checks
 * these against the deployed contract's type hashes and domain, so they cannot drift from what it verifies.
 */

import { CONSENT_TYPES, EIP712_DOMAIN_NAMES, WITHDRAWAL_TYPES } from "../../../../core/eip712";

export { CONSENT_TYPES, WITHDRAWAL_TYPES };

/** The fixed part of the domain; `chainId` and `verifyingContract` are the chain and ConsentRegistry of GET /healthz. */
export const CONSENT_DOMAIN = { name: EIP712_DOMAIN_NAMES.ConsentRegistry, version: "1" } as const;

const DOMAIN_TEXT =
  `domain \`{name: "${CONSENT_DOMAIN.name}", version: "${CONSENT_DOMAIN.version}", chainId, verifyingContract}\` ` +
  "with `chainId` and `verifyingContract` = `contracts.ConsentRegistry` from `GET /healthz`";

const NONCE_TEXT =
  "`nonce` is the registry's count of signatures already used by the signer (0 for a new key; each recorded consent " +
  "and each withdrawal by signature uses one); `deadline` is Unix seconds by the chain's clock (the latest block's " +
  "timestamp), after which the registry refuses the signature";

/** For the OpenAPI description of `POST /v1/consents`. */
export const CONSENT_SIGNING_TEXT =
  `Signature evidence is the subject's EIP-712 signature (eth_signTypedData_v4) of primary type \`Consent\` under the ${DOMAIN_TEXT}. ` +
  "Type: `Consent(bytes32 subjectRef,bytes32 recipient,bytes32 resourceId,bytes32 purpose,bool separate," +
  "uint64 validFrom,uint64 validUntil,uint256 nonce,uint256 deadline)`. The message is this request's terms: " +
  "`subjectRef` (from `POST /v1/subjects/ref` when only the identity is known), `recipient`, `resourceId`; " +
  "`purpose` is `purpose.code` as UTF-8 bytes right-padded with zero bytes to 32 " +
  '(ethers `encodeBytes32String(code)`, viem `stringToHex(code, { size: 32 })`: "minimum-living-allowance" → ' +
  "`0x6d696e696d756d2d6c6976696e672d616c6c6f77616e63650000000000000000`); `separate`; `validFrom` and `validUntil` " +
  `in Unix seconds (\`validFrom\` 0 when the request omits it). ${NONCE_TEXT}. ` +
  'The schema\'s `x-kuajie-eip712` gives the domain and types as JSON; README "Signing as the citizen" has a worked example.';

/** For the OpenAPI description of `POST /v1/consents/{id}/withdraw`. */
export const WITHDRAWAL_SIGNING_TEXT =
  `Signature evidence is the EIP-712 signature of primary type \`Withdrawal\` under the ${DOMAIN_TEXT}, by the key ` +
  "that signed the consent. Type: `Withdrawal(bytes32 consentId,uint256 nonce,uint256 deadline)` with `consentId` " +
  `the consent's id (the path's \`id\`). ${NONCE_TEXT}.`;

/** Machine-readable copy for the schemas' `x-kuajie-eip712` extension. */
export function eip712Extension(primaryType: "Consent" | "Withdrawal") {
  return {
    primaryType,
    domain: {
      ...CONSENT_DOMAIN,
      chainId: "GET /healthz → chainId",
      verifyingContract: "GET /healthz → contracts.ConsentRegistry",
    },
    types: primaryType === "Consent" ? CONSENT_TYPES : WITHDRAWAL_TYPES,
  };
}
