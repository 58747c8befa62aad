import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer, TypedDataDomain, TypedDataField } from "ethers";
import type { ConsentRegistry, ConsortiumMock } from "../../typechain-types";
import { CONSENT_TYPES, KEY_ROTATION_TYPES, WITHDRAWAL_TYPES, eip712Domain } from "../../core/eip712";

export { CONSENT_TYPES, WITHDRAWAL_TYPES };

export const DAY = 24n * 3600n;

/** Department ids of the demo: keccak256 of an 18-character unified social credit code. */
export const CIVIL_AFFAIRS = ethers.id("11440100MB2C00001X"); // records consents at its counter
export const SOCIAL_SECURITY = ethers.id("11440000MB2C12345X"); // the usual recipient
export const HEALTH = ethers.id("11440000MB2C67890Y"); // another active department
export const SUSPENDED = ethers.id("11440000MB2C99999Z"); // a suspended department

export const RESOURCE = ethers.id("resource:pension-status");
export const PURPOSE = ethers.encodeBytes32String("dpv:ServiceProvision");

export type ConsentTerms = {
  key: { subjectRef: string; recipient: string; resourceId: string; purpose: string };
  separate: boolean;
  validFrom: bigint;
  validUntil: bigint;
};

/** A subject reference as the gateway computes it: HMAC-SHA256 of the normalised identity under the consortium key. */
export function subjectRef(n: number | string): string {
  return ethers.computeHmac("sha256", ethers.toUtf8Bytes("consortium-secret"), ethers.toUtf8Bytes(`ID:${n}`));
}

function keyHash(key: ConsentTerms["key"]): string {
  return ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(
      ["bytes32", "bytes32", "bytes32", "bytes32"],
      [key.subjectRef, key.recipient, key.resourceId, key.purpose],
    ),
  );
}

export function consentIdOf(key: ConsentTerms["key"], serial: number | bigint): string {
  return ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "uint32"], [keyHash(key), serial]));
}

export async function termsFor(
  subject: string,
  overrides: Partial<ConsentTerms["key"]> & Partial<Omit<ConsentTerms, "key">> = {},
): Promise<ConsentTerms> {
  const now = BigInt(await time.latest());
  return {
    key: {
      subjectRef: subject,
      recipient: overrides.recipient ?? SOCIAL_SECURITY,
      resourceId: overrides.resourceId ?? RESOURCE,
      purpose: overrides.purpose ?? PURPOSE,
    },
    separate: overrides.separate ?? true,
    validFrom: overrides.validFrom ?? now,
    validUntil: overrides.validUntil ?? now + 365n * DAY,
  };
}

async function domainOf(registry: ConsentRegistry, chainId?: bigint): Promise<TypedDataDomain> {
  return eip712Domain(
    "ConsentRegistry",
    chainId ?? (await ethers.provider.getNetwork()).chainId,
    await registry.getAddress(),
  );
}

/** Signs `message` with the signer's next nonce (or `opts.nonce`) under the registry's domain (or `opts.chainId`'s). */
async function signWithNonce(
  registry: ConsentRegistry,
  signer: Signer,
  types: Record<string, TypedDataField[]>,
  message: Record<string, unknown>,
  opts: { nonce?: bigint; chainId?: bigint },
): Promise<string> {
  const nonce = opts.nonce ?? (await registry.nonces(await signer.getAddress()));
  return signer.signTypedData(await domainOf(registry, opts.chainId), types, { ...message, nonce });
}

export async function signConsent(
  registry: ConsentRegistry,
  signer: Signer,
  terms: ConsentTerms,
  deadline: bigint,
  opts: { nonce?: bigint; chainId?: bigint } = {},
): Promise<string> {
  const { key, separate, validFrom, validUntil } = terms;
  return signWithNonce(registry, signer, CONSENT_TYPES, { ...key, separate, validFrom, validUntil, deadline }, opts);
}

export async function signWithdrawal(
  registry: ConsentRegistry,
  signer: Signer,
  consentId: string,
  deadline: bigint,
  opts: { nonce?: bigint; chainId?: bigint } = {},
): Promise<string> {
  return signWithNonce(registry, signer, WITHDRAWAL_TYPES, { consentId, deadline }, opts);
}

export async function signKeyRotation(
  registry: ConsentRegistry,
  signer: Signer,
  subject: string,
  newKey: string,
  deadline: bigint,
  opts: { nonce?: bigint } = {},
): Promise<string> {
  return signWithNonce(registry, signer, KEY_ROTATION_TYPES, { subjectRef: subject, newKey, deadline }, opts);
}

/**
 * A registry wired to a ConsortiumMock with three active departments (civil affairs with a council seat) and one
 * suspended department, each with an operator; plus a citizen's wallet and an account of no department.
 */
export async function deployConsentRegistry() {
  const [deployer, civilOperator, socialOperator, healthOperator, suspendedOperator, outsider, citizen, otherCitizen] =
    await ethers.getSigners();
  const consortium: ConsortiumMock = await ethers.deployContract("ConsortiumMock");
  await consortium.setDepartment(CIVIL_AFFAIRS, true, true);
  await consortium.setDepartment(SOCIAL_SECURITY, true, false);
  await consortium.setDepartment(HEALTH, true, false);
  await consortium.setDepartment(SUSPENDED, false, false);
  await consortium.setOperator(civilOperator.address, CIVIL_AFFAIRS);
  await consortium.setOperator(socialOperator.address, SOCIAL_SECURITY);
  await consortium.setOperator(healthOperator.address, HEALTH);
  await consortium.setOperator(suspendedOperator.address, SUSPENDED);
  const registry: ConsentRegistry = await ethers.deployContract("ConsentRegistry", [await consortium.getAddress()]);
  return {
    registry,
    consortium,
    deployer,
    civilOperator,
    socialOperator,
    healthOperator,
    suspendedOperator,
    outsider,
    citizen,
    otherCitizen,
  };
}
