/**
 * The synthetic part of the replay node's chain (issue 17): blocks of ConsentRecorded and GrantIssued logs as the
 * deployed ConsentRegistry and Grants emit them (their addresses, their topics, their ABI encoding), generated on
 * demand from a block number, so that 10^6 consents cost the replay node no memory. Every value is derived from the
 * consent's or grant's index with one SHA-256 each (distinct and deterministic; the gateway hashes none of them again).
 *
 * A consent's log is laid out by hand (every argument one word) and checked against ethers' encodeEventLog when the
 * chain is built (`verifyLayouts`), so the layout cannot drift from the ABI unnoticed.
 */
import { createHash } from "node:crypto";
import { getAddress, toQuantity } from "ethers";
import { ConsentRegistry__factory, Grants__factory } from "../../typechain-types";

const CONSENTS_PER_BLOCK = 525;
const DAY = 86_400;

const consentRegistry = ConsentRegistry__factory.createInterface();
const grants = Grants__factory.createInterface();
const CONSENT_RECORDED = consentRegistry.getEvent("ConsentRecorded");
const GRANT_ISSUED = grants.getEvent("GrantIssued");
// EventFragment.topicHash hashes the signature on every read: read once.
const CONSENT_RECORDED_TOPIC = CONSENT_RECORDED.topicHash;
const GRANT_ISSUED_TOPIC = GRANT_ISSUED.topicHash;

/** What the synthetic consents and grants refer to: the real deployment's contracts, departments and agreement. */
export interface ReplayChainSpec {
  consentRegistry: string;
  grants: string;
  /** Block number of the real chain's head: synthetic blocks follow it. */
  realHead: number;
  /** Timestamp of the real head: synthetic blocks follow it, one second apart. */
  realHeadTime: number;
  /**
   * Timestamp of the first synthetic block, when it must not be the real head's + 1: a live chain's clock keeps up
   * with the wall clock, which a replay that grows by blocks of one second does not (see scale-replay.ts).
   */
  firstSyntheticTime?: number;
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
const ZERO_WORD = word(0);
/** ConsentRegistry's evidence kind of a record's hash (1 is a signature). */
const RECORD_EVIDENCE_KIND = word(2);
const quantity = (n: number) => `0x${n.toString(16)}`;

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

  /** A synthetic block's timestamp: one second after the one before it. */
  blockTime(block: number): number {
    const first = this.spec.firstSyntheticTime ?? this.spec.realHeadTime + 1;
    return first + (block - this.spec.realHead - 1);
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
      timestamp: toQuantity(this.blockTime(block)),
      transactions: [],
      gasLimit: toQuantity(30_000_000),
      gasUsed: "0x0",
      baseFeePerGas: "0x1",
      miner: `0x${"0".repeat(40)}`,
      logsBloom: `0x${"0".repeat(512)}`,
      // What a client library such as ethers (the auditor's) requires of a block besides the above.
      difficulty: "0x0",
      extraData: "0x",
    };
  }

  /** Every log of a synthetic block, in log order: its consents, then its grants (two transactions). */
  logsOf(block: number): RawLog[] {
    const k = block - this.spec.realHead - 1;
    const blockNumber = quantity(block);
    const blockHash = this.blockHash(block);
    const transactions = [0, 1].map((t) => `0x${hex32(`replay tx ${block} ${t}`)}`);
    const logs: RawLog[] = [];
    const push = (address: string, log: { topics: string[]; data: string }, transactionIndex: number) =>
      logs.push({
        address,
        topics: log.topics,
        data: log.data,
        blockNumber,
        blockHash,
        transactionHash: transactions[transactionIndex],
        transactionIndex: quantity(transactionIndex),
        logIndex: quantity(logs.length),
        removed: false,
      });
    for (let j = 0; j < CONSENTS_PER_BLOCK; j++) {
      push(this.registry, this.consentTopicsAndData(k * CONSENTS_PER_BLOCK + j), 0);
    }
    for (let j = 0; j < this.grantsPerBlock; j++) {
      push(this.grantsAddress, this.grantTopicsAndData(k * this.grantsPerBlock + j), 1);
    }
    return logs;
  }

  /** A block's logs as the JSON text of their array's items (without the brackets), as an answer carries them. */
  /**
   * The block's logs as the JSON of an `eth_getLogs` answer, of `addresses` (null: any) matching `topics` (an
   * `eth_getLogs` filter's: a position null for any, one value, or a list of values).
   */
  logsJson(block: number, addresses: ReadonlySet<string> | null, topics: readonly unknown[] = []): string {
    const matches = (log: RawLog) =>
      topics.every((wanted, i) => {
        if (wanted === null || wanted === undefined) return true;
        const actual = log.topics[i]?.toLowerCase();
        const values = (Array.isArray(wanted) ? wanted : [wanted]).map((v) => String(v).toLowerCase());
        return actual !== undefined && values.includes(actual);
      });
    return this.logsOf(block)
      .filter((log) => (addresses === null || addresses.has(log.address.toLowerCase())) && matches(log))
      .map(
        (l) =>
          `{"address":"${l.address}","topics":["${l.topics.join('","')}"],"data":"${l.data}",` +
          `"blockNumber":"${l.blockNumber}","blockHash":"${l.blockHash}","transactionHash":"${l.transactionHash}",` +
          `"transactionIndex":"${l.transactionIndex}","logIndex":"${l.logIndex}","removed":false}`,
      )
      .join(",");
  }

  /** The i-th consent, as ConsentRegistry.recordBatch would emit it (evidence kind 2: a record's hash). */
  consentTopicsAndData(i: number): { topics: string[]; data: string } {
    const { departments, resourceId, purpose, realHeadTime } = this.spec;
    // One hash a consent: its subject; the consent id and the record's hash are rotations of it (as distinct).
    const h = hex32(`consent ${i}`);
    const topics = [
      CONSENT_RECORDED_TOPIC,
      `0x${h}`,
      `0x${h.slice(32)}${h.slice(0, 32)}`,
      departments[i % departments.length],
    ];
    const data = [
      resourceId.slice(2),
      purpose.slice(2),
      ZERO_WORD,
      word(realHeadTime - DAY),
      word(realHeadTime + 365 * DAY),
      RECORD_EVIDENCE_KIND,
      `${h.slice(16)}${h.slice(0, 16)}`,
      departments[(i + 1) % departments.length].slice(2),
      ZERO_WORD,
    ].join("");
    return { topics, data: `0x${data}` };
  }

  /** The i-th grant: a GrantIssued under the real agreement, to the real consumer, a day's quota of 10,000 calls. */
  grantTopicsAndData(i: number): { topics: string[]; data: string } {
    const id = this.spec.firstGrantId + BigInt(i);
    const topics = [
      GRANT_ISSUED_TOPIC,
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
