/**
 * How many consents one `recordBatch` transaction may carry, and the gas it is sent with: a batch's gas is known in
 * advance to within a few percent, so the gateway gives it a gas limit instead of asking the node to estimate it
 * (`eth_estimateGas` executes the whole batch once more on the node, a second execution of the costliest call the
 * gateway sends).
 */

/**
 * EIP-7825 (the Osaka hard fork, which Hardhat 2.29's development chain runs): no transaction may ask for more than
 * 2^24 gas, whatever the block's gas limit. Chains without the cap lose nothing by the gateway keeping to it.
 */
export const TRANSACTION_GAS_CAP = 16_777_216n;

/**
 * A batch's gas besides its consents: the transaction (21,000), the recorder's check (a cold call to the Consortium
 * and two cold slots, about 7,500), the ABI head and the returned array: about 30,000, given with room.
 */
const BATCH_BASE_GAS = 40_000n;

/**
 * One consent's gas at most, the costliest case: a fresh key (its slot's cold read and first write, 22,100), the
 * ConsentRecorded event (four topics, nine words, about 4,200), 256 bytes of calldata (at most 4,096), a recipient
 * other than the previous item's (the call to the Consortium and the recipient's cold status slot, about 3,000) and
 * the registry's own code (about 2,500): about 36,000. A batch of fresh keys of one recipient averages 31,500 a
 * consent (docs/BENCHMARKS.md); test/server/modules/consents/batch-gas.test.ts holds the bound against the chain.
 */
export const CONSENT_ITEM_GAS = 40_000n;

/** Share of the budget the gateway uses: room for a contract change that makes a consent a little dearer. */
const BUDGET_PERCENT = 90n;

/** The gas limit a batch of `items` consents is sent with. */
export function batchGasLimit(items: number): bigint {
  return BATCH_BASE_GAS + CONSENT_ITEM_GAS * BigInt(items);
}

/**
 * The most consents whose batch fits the smaller of the block's gas limit and the transaction gas cap, with margin
 * (at least one: a single consent goes through `record` anyway).
 */
export function maxBatchItems(blockGasLimit: bigint | null = null): number {
  const limit = blockGasLimit !== null && blockGasLimit < TRANSACTION_GAS_CAP ? blockGasLimit : TRANSACTION_GAS_CAP;
  const budget = (limit * BUDGET_PERCENT) / 100n;
  return Math.max(1, Number((budget - BATCH_BASE_GAS) / CONSENT_ITEM_GAS));
}
