import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { DAY, consentIdOf, deployConsentRegistry, signConsent, signWithdrawal, subjectRef, termsFor } from "./fixtures";

/**
 * Gas of the consent operations named in issue 2's gas section (gas is deterministic, so these are exact assertions,
 * not timings). Issue 2 aims for record <= 60,000, recordBatch per consent <= 35,000 and withdraw <= 35,000. The
 * batch meets its target with room, and its ceiling (below the target) pins what it achieves. record and withdraw do
 * not: each must ask the consortium who the caller acts for (a cold
 * account and two cold slots, about 6,800 gas before any code runs) and record must also learn whether the recipient
 * is active (one call to activeDepartmentOfAndIsActive answers both), on top of the ~52,600 of a one-slot record with
 * its event; withdraw's transaction, calldata, slot update and event alone come to about 30,600. The ceilings below pin what this
 * design achieves against ConsortiumMock (whose recipient here is another department than the recorder's, one more
 * cold slot), so that a regression fails; the figures on the real contracts are in docs/BENCHMARKS.md.
 */
// 62,500 until ConsentRecorded gained its ninth word (`afterWithdrawal`, issue 11): 256 gas more.
const RECORD_CEILING = 62_800n;
// 31,700 until ConsentRecorded gained its ninth word (`afterWithdrawal`, issue 11): 32 bytes of log data, 256 gas.
const BATCH_PER_CONSENT_CEILING = 32_000n;
const WITHDRAW_CEILING = 39_600n;

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  return receipt!.gasUsed;
}

describe("ConsentRegistry gas", function () {
  it("records, batches and withdraws within the measured ceilings", async function () {
    const { registry, civilOperator, socialOperator, outsider, citizen } = await loadFixture(deployConsentRegistry);
    const gas: Record<string, bigint> = {};

    const terms = await termsFor(subjectRef("gas-record"));
    gas["consent.record"] = await gasOf(registry.connect(civilOperator).record(terms, ethers.id("form")));
    gas["consent.record (superseding)"] = await gasOf(
      registry.connect(civilOperator).record(terms, ethers.id("form2")),
    );
    gas["consent.withdraw"] = await gasOf(registry.connect(socialOperator).withdraw(terms.key, ethers.id("request")));

    const inputs = [];
    for (let i = 0; i < 100; i++) {
      inputs.push({ terms: await termsFor(subjectRef(`gas-batch-${i}`)), evidenceHash: ethers.id(`form-${i}`) });
    }
    gas["consent.recordBatch.per100"] = (await gasOf(registry.connect(civilOperator).recordBatch(inputs))) / 100n;

    const signed = await termsFor(subjectRef("gas-signed"));
    const deadline = BigInt(await time.latest()) + DAY;
    const consentSignature = await signConsent(registry, citizen, signed, deadline);
    gas["consent.recordWithSignature (first nonce)"] = await gasOf(
      registry.connect(civilOperator).recordWithSignature(signed, citizen.address, deadline, consentSignature),
    );
    const withdrawalSignature = await signWithdrawal(registry, citizen, consentIdOf(signed.key, 1), deadline);
    gas["consent.withdrawWithSignature"] = await gasOf(
      registry.connect(outsider).withdrawWithSignature(signed.key, deadline, withdrawalSignature),
    );

    console.table(Object.fromEntries(Object.entries(gas).map(([k, v]) => [k, Number(v)])));

    // solidity-coverage instruments the bytecode, which inflates gas: the figures only mean something uninstrumented.
    if ((hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING) return;
    expect(gas["consent.recordBatch.per100"]).to.be.at.most(BATCH_PER_CONSENT_CEILING);
    expect(gas["consent.record"]).to.be.at.most(RECORD_CEILING);
    expect(gas["consent.withdraw"]).to.be.at.most(WITHDRAW_CEILING);
  });
});
