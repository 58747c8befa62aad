/**
 * The consent service reads a department's membership (and the chain's latest indexed time) once per indexed block: a batch's consents all name the same
 * recorder and recipient, and a department's row changes only with a page of indexed events (which moves the indexed
 * block) or a reset of the index.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import type { KuajieChain } from "../../../../server/src/chain/adapter";
import type { ConsentBatcher } from "../../../../server/src/modules/consents/batcher";
import { RecipientInactiveError } from "../../../../server/src/modules/consents/errors";
import type { RecordConsentBody } from "../../../../server/src/modules/consents/schemas";
import { ConsentService } from "../../../../server/src/modules/consents/service";
import type { DepartmentService } from "../../../../server/src/modules/departments/service";
import type { ConsentStore } from "../../../../server/src/store/consents";
import type { DepartmentRow } from "../../../../server/src/store/departments";

const RECORDER_KEY = "gz-civil-affairs";
const RECORDER = ethers.id("recorder department");
const RECIPIENT = ethers.id("recipient department");

function member(id: string, status: string): DepartmentRow {
  return { id, status } as DepartmentRow;
}

describe("ConsentService: member departments read once per indexed block", function () {
  let block: number;
  let rows: Map<string, DepartmentRow>;
  let reads: string[];
  let latestBlockTime: number;
  let timeReads: number;
  let service: ConsentService;

  beforeEach(function () {
    block = 10;
    rows = new Map([
      [RECORDER, member(RECORDER, "active")],
      [RECIPIENT, member(RECIPIENT, "active")],
    ]);
    reads = [];
    latestBlockTime = 100;
    timeReads = 0;
    const departments = {
      idOf: (key: string) => (key === RECORDER_KEY ? RECORDER : null),
      get: (id: string) => {
        reads.push(id);
        return rows.get(id) ?? null;
      },
    } as unknown as DepartmentService;
    const batcher = {
      record: async () => ({
        consentId: ethers.id(`consent ${reads.length}`),
        txHash: ethers.ZeroHash,
        blockNumber: 99,
      }),
    } as unknown as ConsentBatcher;
    service = new ConsentService({
      chain: {} as Pick<KuajieChain, "write">,
      store: {
        latestBlockTime: () => {
          timeReads += 1;
          return latestBlockTime;
        },
        get: () => null,
      } as unknown as ConsentStore,
      departments,
      batcher,
      consortiumSecret: new Uint8Array(32),
      indexedBlock: () => block,
      now: () => 500_000,
    });
  });

  const body = (): RecordConsentBody =>
    ({
      subject: { subjectRef: ethers.id("a subject") },
      recipient: RECIPIENT,
      resourceId: ethers.id("a resource"),
      purpose: { code: "minimum-living-allowance" },
      validFrom: 0,
      validUntil: 2_000_000,
      separate: true,
      evidence: { type: "record", document: { form: "paper" } },
    }) as RecordConsentBody;

  it("reads the recorder and the recipient once for all the consents of one indexed block", async function () {
    await Promise.all([1, 2, 3].map(() => service.record(RECORDER_KEY, body())));
    expect(reads).to.deep.equal([RECORDER, RECIPIENT]);
  });

  it("sees a department suspended by the next indexed block", async function () {
    await service.record(RECORDER_KEY, body());
    rows.set(RECIPIENT, member(RECIPIENT, "suspended"));
    block = 11;
    let refusal: unknown;
    await service.record(RECORDER_KEY, body()).catch((e: unknown) => (refusal = e));
    expect(refusal).to.be.instanceOf(RecipientInactiveError);
    expect(reads).to.deep.equal([RECORDER, RECIPIENT, RECORDER, RECIPIENT]);
  });

  it("reads the chain's latest indexed time once per indexed block", async function () {
    expect(service.chainNow()).to.equal(500);
    latestBlockTime = 900_000;
    expect(service.chainNow()).to.equal(500); // the same indexed block: its time cannot have moved
    block = 11;
    expect(service.chainNow()).to.equal(900_000);
    expect(timeReads).to.equal(2);
  });

  it("reads them again after the index was reset, even at the same block number", async function () {
    await service.record(RECORDER_KEY, body());
    rows.set(RECIPIENT, member(RECIPIENT, "suspended"));
    service.forgetIndexedView();
    let refusal: unknown;
    await service.record(RECORDER_KEY, body()).catch((e: unknown) => (refusal = e));
    expect(refusal).to.be.instanceOf(RecipientInactiveError);
  });
});
