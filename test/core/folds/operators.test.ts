import { expect } from "chai";
import { applyOperatorEvent, OPERATOR_EVENTS } from "../../../core/folds/operators";

const ALICE = "0x00000000000000000000000000000000000000A1";
const BOB = "0x00000000000000000000000000000000000000b2";

describe("core/folds/operators", function () {
  it("adds operators as lower-case addresses and removes them again", function () {
    const one = applyOperatorEvent(new Set(), "OperatorAdded", ALICE);
    const two = applyOperatorEvent(one, "OperatorAdded", BOB);
    expect([...two]).to.deep.equal([ALICE.toLowerCase(), BOB.toLowerCase()]);
    expect([...applyOperatorEvent(two, "OperatorRemoved", ALICE.toLowerCase())]).to.deep.equal([BOB.toLowerCase()]);
  });

  it("never changes the set it is given", function () {
    const before = new Set([ALICE.toLowerCase()]);
    applyOperatorEvent(before, "OperatorAdded", BOB);
    applyOperatorEvent(before, "OperatorRemoved", ALICE);
    expect([...before]).to.deep.equal([ALICE.toLowerCase()]);
  });

  it("ignores other events, a second addition and the removal of an account that is not an operator", function () {
    const one = applyOperatorEvent(new Set(), "OperatorAdded", ALICE);
    expect(applyOperatorEvent(one, "NodeRegistered", BOB)).to.equal(one);
    expect(applyOperatorEvent(one, "OperatorAdded", ALICE)).to.equal(one);
    expect(applyOperatorEvent(one, "OperatorRemoved", BOB)).to.equal(one);
  });

  it("names the Consortium events that change the operators", function () {
    expect(OPERATOR_EVENTS).to.deep.equal(["OperatorAdded", "OperatorRemoved"]);
  });
});
