import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { Signature, type TypedDataDomain } from "ethers";
import { canonicalJson } from "../../core/json/canonical-json";
import { CONSENT_TYPES, WITHDRAWAL_TYPES, signConsent } from "../consent/fixtures";
import { SEAL_TYPES, signSeal } from "../sharing/fixtures";
import { deploySystem, type System } from "../support/system";

/**
 * EIP-712 seals and consents beyond what test/sharing and test/consent already cover (replay, another chain id,
 * expiry, wrong signer): a signature made for another deployment on the same chain, the malleable twin of a valid
 * signature, a signature of one type presented as another, and a seal of one agreement presented for another.
 */

const SECP256K1_N = BigInt("0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");

/** The same signature with s replaced by n − s (and v flipped): valid for ecrecover, refused by OpenZeppelin's ECDSA. */
function malleate(signature: string): string {
  const sig = Signature.from(signature);
  const highS = SECP256K1_N - BigInt(sig.s);
  const v = sig.v === 27 ? 28 : 27;
  return ethers.concat([sig.r, ethers.toBeHex(highS, 32), ethers.toBeHex(v, 1)]);
}

async function requestedAgreement(s: System, code: string): Promise<bigint> {
  const metadata = canonicalJson({ code, fields: [{ name: "status", type: "string" }] });
  const terms = {
    shareType: 1,
    openType: 1,
    securityLevel: 1,
    personal: true,
    sensitive: false,
    itemCount: 1,
    legalBasis: ethers.ZeroHash,
  };
  await s.catalog.connect(s.operators.hrss).register(code, terms, metadata);
  const resourceId = await s.catalog.resourceIdOf(s.departments.hrss.id, code);
  const now = BigInt(await time.latest());
  // Statutory duty on a personal resource: the request names its legal reference.
  await s.agreements.connect(s.operators["gz-civil-affairs"]).requestWithLegalReference(
    {
      resourceId,
      coConsumers: [],
      fieldMask: 1n,
      purpose: ethers.encodeBytes32String("allowance"),
      legalBasis: 1,
      validFrom: now,
      validUntil: now + 100n * 24n * 3600n,
      quota: { calls: 10, per: 3 },
      termsHash: ethers.id("terms"),
    },
    ethers.id("legal reference"),
  );
  return s.agreements.agreementCount();
}

describe("Hostile signatures: EIP-712 seals and consents the contracts must refuse", function () {
  let a: System;
  let b: System;

  before(async function () {
    a = await deploySystem();
    b = await deploySystem(); // a second deployment on the same chain (say, staging next to production)
  });

  async function consentTerms(s: System, subject: string) {
    const now = BigInt(await time.latest());
    return {
      key: {
        subjectRef: ethers.id(subject),
        recipient: s.departments["gz-civil-affairs"].id,
        resourceId: ethers.id("resource"),
        purpose: ethers.encodeBytes32String("allowance"),
      },
      separate: false,
      validFrom: now,
      validUntil: now + 30n * 24n * 3600n,
    };
  }

  it("refuses a consent signed for another deployment's ConsentRegistry on the same chain", async function () {
    const citizen = ethers.Wallet.createRandom();
    const terms = await consentTerms(a, "cross-deployment");
    const deadline = BigInt(await time.latest()) + 3600n;
    const forB = await signConsent(b.consents, citizen, terms, deadline);
    await expect(
      a.consents.connect(a.operators["gz-civil-affairs"]).recordWithSignature(terms, citizen.address, deadline, forB),
    )
      .to.be.revertedWithCustomError(a.consents, "ConsentInvalidSignature")
      .withArgs(citizen.address);
    // The same signature is good where it was meant to go.
    await b.consents
      .connect(b.operators["gz-civil-affairs"])
      .recordWithSignature(terms, citizen.address, deadline, forB);
  });

  it("refuses the malleable (high-s) twin of a valid consent signature", async function () {
    const citizen = ethers.Wallet.createRandom();
    const terms = await consentTerms(a, "malleable");
    const deadline = BigInt(await time.latest()) + 3600n;
    const good = await signConsent(a.consents, citizen, terms, deadline);
    await expect(
      a.consents
        .connect(a.operators["gz-civil-affairs"])
        .recordWithSignature(terms, citizen.address, deadline, malleate(good)),
    )
      .to.be.revertedWithCustomError(a.consents, "ConsentInvalidSignature")
      .withArgs(citizen.address);
    expect(await a.consents.nonces(citizen.address)).to.equal(0n);
  });

  it("refuses a Withdrawal or a Seal signature presented as a Consent (type confusion)", async function () {
    const citizen = ethers.Wallet.createRandom();
    const terms = await consentTerms(a, "type confusion");
    const deadline = BigInt(await time.latest()) + 3600n;
    const domain: TypedDataDomain = {
      name: "Kuajie ConsentRegistry",
      version: "1",
      chainId: 31337n,
      verifyingContract: await a.consents.getAddress(),
    };
    const withdrawal = await citizen.signTypedData(domain, WITHDRAWAL_TYPES, {
      consentId: ethers.id("x"),
      nonce: 0n,
      deadline,
    });
    const seal = await citizen.signTypedData(domain, SEAL_TYPES, {
      agreementId: 1n,
      department: terms.key.recipient,
      termsDigest: ethers.ZeroHash,
      nonce: 0n,
      deadline,
    });
    for (const signature of [withdrawal, seal]) {
      await expect(
        a.consents
          .connect(a.operators["gz-civil-affairs"])
          .recordWithSignature(terms, citizen.address, deadline, signature),
      )
        .to.be.revertedWithCustomError(a.consents, "ConsentInvalidSignature")
        .withArgs(citizen.address);
    }
    // A correct Consent signature under the same domain passes: the refusals above were about the type.
    const ok = await citizen.signTypedData(domain, CONSENT_TYPES, { ...terms.key, ...terms, nonce: 0n, deadline });
    await a.consents.connect(a.operators["gz-civil-affairs"]).recordWithSignature(terms, citizen.address, deadline, ok);
  });

  it("refuses a provider's seal of one agreement presented for another, for another deployment, or malleated", async function () {
    const first = await requestedAgreement(a, "seal-one");
    const second = await requestedAgreement(a, "seal-two");
    const provider = a.operators.hrss;
    const hrss = a.departments.hrss.id;
    const deadline = BigInt(await time.latest()) + 3600n;
    const forFirst = await signSeal(a.agreements, provider, first, hrss, deadline);
    const relayer = a.operators.health;
    await expect(a.agreements.connect(relayer).approveWithSeal(second, provider.address, deadline, forFirst))
      .to.be.revertedWithCustomError(a.agreements, "SharingInvalidSignature")
      .withArgs(provider.address);
    const otherDeployment = await requestedAgreement(b, "seal-one");
    const forB = await signSeal(b.agreements, b.operators.hrss, otherDeployment, hrss, deadline);
    await expect(a.agreements.connect(relayer).approveWithSeal(first, provider.address, deadline, forB))
      .to.be.revertedWithCustomError(a.agreements, "SharingInvalidSignature")
      .withArgs(provider.address);
    await expect(a.agreements.connect(relayer).approveWithSeal(first, provider.address, deadline, malleate(forFirst)))
      .to.be.reverted;
    // The genuine seal still works after all that (no nonce was burnt by the refusals).
    await a.agreements.connect(relayer).approveWithSeal(first, provider.address, deadline, forFirst);
    expect(await a.agreements.agreementStatus(first)).to.equal(1n);
  });
});
