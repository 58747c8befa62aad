import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { registerPersonal } from "./personal-resource";
import type { System } from "./system";

/** What `grantInsuranceToCivilAffairs` left on chain, and the values a suite builds further objects with. */
export interface InsuranceGrant {
  resourceId: string;
  agreementId: bigint;
  grantId: bigint;
  /** The request the approved agreement was made with, for suites that need a second (still requested) one. */
  agreementRequest: Parameters<System["agreements"]["request"]>[0];
  purpose: string;
  now: bigint;
  /** A year after `now`. */
  future: bigint;
  civil: HardhatEthersSigner;
}

/**
 * hrss registers a two-field personal resource ("insurance", see `registerPersonal`); civil affairs requests an
 * agreement on it, hrss approves it, and civil affairs issues its own operator a grant under it.
 */
export async function grantInsuranceToCivilAffairs(s: System): Promise<InsuranceGrant> {
  const resourceId = await registerPersonal(s, "hrss", "insurance", ["idNumber", "status"]);
  const now = BigInt(await time.latest());
  const future = now + 365n * 24n * 3600n;
  const purpose = ethers.encodeBytes32String("allowance");
  const civil = s.operators["gz-civil-affairs"];
  const agreementRequest = {
    resourceId,
    coConsumers: [],
    fieldMask: 0b11n,
    purpose,
    legalBasis: 0,
    validFrom: now,
    validUntil: future,
    quota: { calls: 100, per: 3 },
    termsHash: ethers.id("terms"),
  };
  await s.agreements.connect(civil).request(agreementRequest);
  const agreementId = await s.agreements.agreementCount();
  await s.agreements.connect(s.operators.hrss).approve(agreementId);
  await s.grants.connect(civil).issue(agreementId, civil.address, 0b01n, 0, 10, 3);
  const grantId = await s.grants.grantCount();
  return { resourceId, agreementId, grantId, agreementRequest, purpose, now, future, civil };
}
