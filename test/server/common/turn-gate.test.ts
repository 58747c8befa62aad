import { expect } from "chai";
import { TurnGate } from "../../../server/src/common/turn-gate";

/** The end of this turn of the event loop: every immediate armed before it, and their promise reactions, have run. */
const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Calls `admit` `n` times in this turn; `admitted` lists, in order, the callers let through so far. */
function burst(gate: TurnGate, n: number, admitted: number[], first = 0): void {
  for (let i = first; i < first + n; i++) {
    const admission = gate.admit();
    if (admission === null) admitted.push(i);
    else void admission.then(() => admitted.push(i));
  }
}

describe("TurnGate (a few new requests a turn of the event loop)", function () {
  it("lets perTurn callers through at once and the rest a slice a turn, in their order", async function () {
    const gate = new TurnGate(2);
    const admitted: number[] = [];
    burst(gate, 5, admitted);
    expect(admitted).to.deep.equal([0, 1]);
    expect(gate.queued).to.equal(3);
    await endOfTurn();
    expect(admitted).to.deep.equal([0, 1, 2, 3]);
    await endOfTurn();
    expect(admitted).to.deep.equal([0, 1, 2, 3, 4]);
    expect(gate.queued).to.equal(0);
  });

  it("counts the callers let through at the start of a turn against that turn's room", async function () {
    const gate = new TurnGate(2);
    const admitted: number[] = [];
    burst(gate, 3, admitted);
    await endOfTurn(); // caller 2 is let through; this turn has room for one more, but nobody waits now
    burst(gate, 1, admitted, 3);
    expect(admitted).to.deep.equal([0, 1, 2, 3]);
    burst(gate, 3, admitted, 4); // the room is used: all three wait, then go two and one
    expect(admitted).to.deep.equal([0, 1, 2, 3]);
    await endOfTurn();
    expect(admitted).to.deep.equal([0, 1, 2, 3, 4, 5]);
    await endOfTurn();
    expect(admitted).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
  });

  it("starts each turn with room again, whether or not anyone waited", async function () {
    const gate = new TurnGate(1);
    const admitted: number[] = [];
    burst(gate, 1, admitted);
    await endOfTurn();
    burst(gate, 1, admitted, 1);
    expect(admitted).to.deep.equal([0, 1]);
    await endOfTurn();
    await endOfTurn();
    burst(gate, 1, admitted, 2);
    expect(admitted).to.deep.equal([0, 1, 2]);
  });

  it("lets everyone through at once when perTurn is 0, and refuses a negative or fractional perTurn", function () {
    const gate = new TurnGate(0);
    const admitted: number[] = [];
    burst(gate, 1000, admitted);
    expect(admitted).to.have.length(1000);
    expect(gate.queued).to.equal(0);
    expect(() => new TurnGate(-1)).to.throw(RangeError, /perTurn/);
    expect(() => new TurnGate(1.5)).to.throw(RangeError, /perTurn/);
  });
});
