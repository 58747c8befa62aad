import { expect } from "chai";
import { ethers } from "ethers";
import { openDatabase, type Db } from "../../../../server/src/common/db";
import { ReceiptRecorder } from "../../../../server/src/modules/receipts/recorder";
import { IntentStore, type OpenIntent } from "../../../../server/src/store/intents";
import { ReceiptStore } from "../../../../server/src/store/receipts";
import { deniedDraft as draft, DRAFT_DEPARTMENT as DEPARTMENT, rejection } from "../../support/receipt-drafts";

function intent(name: string): OpenIntent {
  return {
    requestId: ethers.id(name),
    departmentKey: "gz-civil-affairs",
    request: { requestId: ethers.id(name) },
    signature: "0x" + "00".repeat(65),
    provider: DEPARTMENT,
    context: {},
    params: null,
    createdMs: 1_700_000_000_000,
  };
}

/** A receipt store that counts its transactions. */
class CountingStore extends ReceiptStore {
  transactions: { receipts: number; changes: number }[] = [];

  override insertMany(...args: Parameters<ReceiptStore["insertMany"]>): ReturnType<ReceiptStore["insertMany"]> {
    this.transactions.push({ receipts: args[0].length, changes: args[1]?.length ?? 0 });
    return super.insertMany(...args);
  }
}

const openIds = (intents: IntentStore) => intents.listOpen().map((i) => i.requestId);

describe("Receipts: group commit of receipts and the intents written beside them", function () {
  let db: Db;
  let store: CountingStore;
  let intents: IntentStore;
  let recorder: ReceiptRecorder;
  beforeEach(() => {
    db = openDatabase(":memory:");
    store = new CountingStore(db);
    intents = new IntentStore(db);
    recorder = new ReceiptRecorder(store);
  });
  afterEach(() => db.close());

  it("commits what concurrent fetches wrote in one turn of the event loop in one transaction", async function () {
    const written = await Promise.all([
      recorder.record(draft()),
      recorder.write(() => intents.open(intent("a"))),
      recorder.record(draft()),
      recorder.write(() => intents.open(intent("b"))),
    ]);
    expect(store.transactions).to.deep.equal([{ receipts: 2, changes: 2 }]);
    expect(openIds(intents)).to.have.members([ethers.id("a"), ethers.id("b")]);
    expect(written[2]).to.have.nested.property("receipt.sequence", 2);
  });

  it("resolves a write only once it is committed, not when it is queued", async function () {
    const opened = recorder.write(() => intents.open(intent("a")));
    expect(openIds(intents)).to.deep.equal([]);
    await opened;
    expect(openIds(intents)).to.deep.equal([ethers.id("a")]);
  });

  it("undoes a change that throws alone: the receipts and the other changes of the group commit", async function () {
    const failing = recorder.write(() => {
      intents.open(intent("undone"));
      throw new Error("disk says no");
    });
    const receipt = recorder.record(draft());
    const other = recorder.write(() => intents.open(intent("kept")));
    expect((await rejection(failing)).message).to.equal("disk says no");
    await other;
    expect((await receipt).receipt.sequence).to.equal(1);
    expect(openIds(intents)).to.deep.equal([ethers.id("kept")]);
    expect(store.transactions).to.have.length(1);
  });

  it("rejects every receipt and change of a group that cannot commit, and keeps none of them", async function () {
    const receipt = recorder.record(draft(), null, () => {
      throw new Error("alongside failed");
    });
    const change = recorder.write(() => intents.open(intent("lost")));
    expect((await rejection(receipt)).message).to.equal("alongside failed");
    expect((await rejection(change)).message).to.equal("alongside failed");
    expect(openIds(intents)).to.deep.equal([]);
    expect(store.head(DEPARTMENT.toLowerCase())).to.equal(null);
    // The next receipt continues from what is stored.
    expect((await recorder.record(draft())).receipt.sequence).to.equal(1);
  });

  it("closes an intent in its receipt's own transaction, and keeps nothing of it", async function () {
    await recorder.write(() => intents.open(intent("a")));
    await recorder.write(() => intents.open(intent("b")));
    let closed: boolean | undefined;
    const recorded = recorder.record(draft(), null, () => {
      closed = intents.close(ethers.id("a"));
    });
    expect(openIds(intents)).to.have.members([ethers.id("a"), ethers.id("b")]);
    await recorded;
    expect(closed).to.equal(true);
    expect(openIds(intents)).to.deep.equal([ethers.id("b")]);
    expect(db.prepare("SELECT COUNT(*) AS n FROM exchange_intents").get()).to.deep.equal({ n: 1 });
    expect(intents.close(ethers.id("a"))).to.equal(false);
  });

  it("leaves the intent open when its receipt's group cannot commit", async function () {
    await recorder.write(() => intents.open(intent("a")));
    const failed = recorder.record(draft(), null, () => {
      intents.close(ethers.id("a"));
      throw new Error("disk says no");
    });
    expect((await rejection(failed)).message).to.equal("disk says no");
    expect(openIds(intents)).to.deep.equal([ethers.id("a")]);
  });
});
