/**
 * The synthetic part of the replay node's chain (issue 17): blocks of ConsentRecorded and GrantIssued logs as the
 * deployed ConsentRegistry and Grants emit them (their addresses, their topics, their ABI encoding), generated on
 * demand from a block number, so that 10^6 consents cost the replay node no memory. Every value is derived from the
 * consent's or grant's index with SHA-256 (distinct and deterministic; the gateway hashes none of them again).
 *
 * A consent's log is laid out by hand (every argument one word) and checked against ethers' encodeEventLog when the
 * chain is built (`verifyLayouts`), so the layout cannot drift from the ABI unnoticed.
 */
import { createHash } from "node:crypto";
import { getAddress, toQuantity } from "ethers";
import { ConsentRegistry__factory, Grants__factory } from "../../typechain-types";

export const CONSENTS_PER_BLOCK = 525;
const DAY = 86_400;

const consentRegistry = ConsentRegistry__factory.createInterface();
const grants = Grants__factory.createInterface();
const CONSENT_RECORDED = consentRegistry.getEvent("ConsentRecorded");
const GRANT_ISSUED = grants.getEvent("GrantIssued");

/** What the synthetic consents and grants refer to: the real deployment's contracts, departments and agreement. */
export interface ReplayChainSpec {
  consentRegistry: string;
  grants: string;
  /** Block number of the real chain's head: synthetic blocks follow it. */
  realHead: number;
  /** Timestamp of the real head: synthetic blocks follow it, one second apart. */
  realHeadTime: number;
  /** Department ids (bytes32) recipients and recorders are drawn from. */
  departments: string[];
  resourceId: string;
  /** bytes32 purpose code. */
  purpose: string;
  /** The agreement the synthetic grants are issued under, and the department they are issued to. */
  agreementId: string;
  grantConsumer: string;
  /** Grants per consent (0.1: 10^5 grants with 10^6 consents). */
  grantsPerConsent: number;
  /** The first synthetic grant's id (above any grant of the real chain). */
  firstGrantId: bigint;
}

export interface RawLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  transactionIndex: string;
  logIndex: string;
  removed: false;
}

const hex32 = (label: string) => createHash("sha256").update(label).digest("hex");
const word = (n: number | bigint) => n.toString(16).padStart(64, "0");

export class ReplayChain {
  private readonly registry: string;
  private readonly grantsAddress: string;
  private readonly grantsPerBlock: number;

  constructor(readonly spec: ReplayChainSpec) {
    this.registry = getAddress(spec.consentRegistry);
    this.grantsAddress = getAddress(spec.grants);
    this.grantsPerBlock = Math.round(CONSENTS_PER_BLOCK * spec.grantsPerConsent);
  }

  /** Synthetic blocks that hold `consents` consents. */
  blocksFor(consents: number): number {
    return Math.ceil(consents / CONSENTS_PER_BLOCK);
  }

  /** Consents and grants in the first `blocks` synthetic blocks. */
  contentOf(blocks: number): { consents: number; grants: number } {
    return { consents: blocks * CONSENTS_PER_BLOCK, grants: blocks * this.grantsPerBlock };
  }

  isSynthetic(block: number): boolean {
    return block > this.spec.realHead;
  }

  blockHash(block: number): string {
    return `0x${hex32(`replay block ${block}`)}`;
  }

  block(block: number): Record<string, unknown> {
    const parent = block - 1;
    return {
      number: toQuantity(block),
      hash: this.blockHash(block),
      parentHash: this.isSynthetic(parent) ? this.blockHash(parent) : `0x${"0".repeat(64)}`,
      timestamp: toQuantity(this.spec.realHeadTime + (block - this.spec.realHead)),
      transactions: [],
      gasLimit: toQuantity(30_000_000),
      gasUsed: "0x0",
      baseFeePerGas: "0x1",
      miner: `0x${"0".repeat(40)}`,
      logsBloom: `0x${"0".repeat(512)}`,
    };
  }

  /** Every log of a synthetic block, in log order: its consents, then its grants (two transactions). */
  logsOf(block: number): RawLog[] {
    const k = block - this.spec.realHead - 1;
    const logs: RawLog[] = [];
    for (let j = 0; j < CONSENTS_PER_BLOCK; j++) {
      logs.push(this.consentLog(k * CONSENTS_PER_BLOCK + j, block, logs.length));
    }
    for (let j = 0; j < this.grantsPerBlock; j++) {
      logs.push(this.grantLog(k * this.grantsPerBlock + j, block, logs.length));
    }
    return logs;
  }

  /** The i-th consent, as ConsentRegistry.recordBatch would emit it (evidence kind 2: a record's hash). */
  consentTopicsAndData(i: number): { topics: string[]; data: string } {
    const { departments, resourceId, purpose, realHeadTime } = this.spec;
    const topics = [
      CONSENT_RECORDED.topicHash,
      `0x${hex32(`subject ${i}`)}`,
      `0x${hex32(`consent ${i}`)}`,
      departments[i % departments.length],
    ];
    const data = [
      resourceId.slice(2),
      purpose.slice(2),
      word(0),
      word(realHeadTime - DAY),
      word(realHeadTime + 365 * DAY),
      word(2),
      hex32(`record ${i}`),
      departments[(i + 1) % departments.length].slice(2),
      word(0),
    ].join("");
    return { topics, data: `0x${data}` };
  }

  private consentLog(i: number, block: number, logIndex: number): RawLog {
    const { topics, data } = this.consentTopicsAndData(i);
    return this.raw(this.registry, topics, data, block, 0, logIndex);
  }

  /** The i-th grant: a GrantIssued under the real agreement, to the real consumer, a day's quota of 10,000 calls. */
  grantTopicsAndData(i: number): { topics: string[]; data: string } {
    const id = this.spec.firstGrantId + BigInt(i);
    const topics = [
      GRANT_ISSUED.topicHash,
      `0x${word(id)}`,
      `0x${word(BigInt(this.spec.agreementId))}`,
      this.spec.grantConsumer,
    ];
    // grantee, fieldMask, expiresAt, quota (calls uint32, per uint8): all static, one word each.
    const grantee = hex32(`grantee ${i}`).slice(0, 40);
    const data = [
      grantee.padStart(64, "0"),
      word(0b11111n),
      word(this.spec.realHeadTime + 365 * DAY),
      word(10_000),
      word(1),
    ].join("");
    return { topics, data: `0x${data}` };
  }

  private grantLog(i: number, block: number, logIndex: number): RawLog {
    const { topics, data } = this.grantTopicsAndData(i);
    return this.raw(this.grantsAddress, topics, data, block, 1, logIndex);
  }

  private raw(
    address: string,
    topics: string[],
    data: string,
    block: number,
    transactionIndex: number,
    logIndex: number,
  ): RawLog {
    return {
      address,
      topics,
      data,
      blockNumber: toQuantity(block),
      blockHash: this.blockHash(block),
      transactionHash: `0x${hex32(`replay tx ${block} ${transactionIndex}`)}`,
      transactionIndex: toQuantity(transactionIndex),
      logIndex: toQuantity(logIndex),
      removed: false,
    };
  }

  /**
   * Throws unless the hand-laid logs are what ethers' encoder makes of the same arguments (decoded back from ours,
   * encoded again): the same topics, the same data, byte for byte.
   */
  verifyLayouts(samples = 50): void {
    const check = (
      iface: typeof consentRegistry,
      event: typeof CONSENT_RECORDED,
      log: { topics: string[]; data: string },
    ) => {
      const values = iface.decodeEventLog(event, log.data, log.topics);
      const again = iface.encodeEventLog(event, [...values]);
      if (JSON.stringify(again) !== JSON.stringify({ data: log.data, topics: log.topics })) {
        throw new Error(`replay chain: the ${event.name} layout differs from the ABI's encoding`);
      }
    };
    for (let i = 0; i < samples; i++) {
      check(consentRegistry, CONSENT_RECORDED, this.consentTopicsAndData(i * 7_919));
      check(grants as unknown as typeof consentRegistry, GRANT_ISSUED, this.grantTopicsAndData(i * 7_919));
    }
  }
}
