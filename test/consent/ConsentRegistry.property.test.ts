import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import {
  CIVIL_AFFAIRS,
  HEALTH,
  PURPOSE,
  RESOURCE,
  SOCIAL_SECURITY,
  consentIdOf,
  deployConsentRegistry,
  subjectRef,
} from "./fixtures";

/**
 * Random sequences of record / withdraw / revoke / council revoke / time advance, checked against a tiny model of the
 * consent state machine: every call succeeds or fails exactly as the model says, the views agree with the model, and
 * independently of the model no stored status ever leaves Withdrawn or Revoked except by a new record (a new serial).
 *
 * Time moves in units of U seconds; each step mines a block at a unit boundary and then sends its transaction (one
 * second later), while validity windows start and end at half units, so no outcome depends on which of those two
 * timestamps a call or an estimate runs at.
 */
const U = 1000n;

enum Status {
  None,
  Active,
  Withdrawn,
  Revoked,
  Expired,
}

const KEYS = [
  { subjectRef: subjectRef("p-1"), recipient: SOCIAL_SECURITY, resourceId: RESOURCE, purpose: PURPOSE },
  { subjectRef: subjectRef("p-1"), recipient: HEALTH, resourceId: RESOURCE, purpose: PURPOSE },
  { subjectRef: subjectRef("p-2"), recipient: SOCIAL_SECURITY, resourceId: RESOURCE, purpose: PURPOSE },
];
const RECORDERS = [CIVIL_AFFAIRS, HEALTH];

type Op =
  | { kind: "record"; key: number; recorder: number; from: number; units: number }
  | { kind: "withdraw"; key: number; by: number }
  | { kind: "revoke"; key: number; by: number }
  | { kind: "councilRevoke"; key: number }
  | { kind: "advance"; units: number };

const key = fc.integer({ min: 0, max: KEYS.length - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("record" as const),
    key,
    recorder: fc.integer({ min: 0, max: 1 }),
    from: fc.integer({ min: -3, max: 2 }),
    units: fc.integer({ min: -1, max: 4 }),
  }),
  fc.record({ kind: fc.constant("withdraw" as const), key, by: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant("revoke" as const), key, by: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ kind: fc.constant("councilRevoke" as const), key }),
  fc.record({ kind: fc.constant("advance" as const), units: fc.integer({ min: 1, max: 3 }) }),
);

interface ModelConsent {
  serial: number;
  stored: Status;
  validFrom: bigint;
  validUntil: bigint;
  recorder: string;
}

function statusAt(c: ModelConsent, now: bigint): Status {
  if (c.serial === 0) return Status.None;
  return c.stored === Status.Active && now >= c.validUntil ? Status.Expired : c.stored;
}

describe("ConsentRegistry state machine (property)", function () {
  it("never reaches an illegal transition and always agrees with the model", async function () {
    this.timeout(600_000);
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
        const f = await loadFixture(deployConsentRegistry);
        const { registry, consortium } = f;
        const operators = [f.civilOperator, f.socialOperator, f.healthOperator];
        const recorderOperators = [f.civilOperator, f.healthOperator];
        const model: ModelConsent[] = KEYS.map(() => ({
          serial: 0,
          stored: Status.None,
          validFrom: 0n,
          validUntil: 0n,
          recorder: ethers.ZeroHash,
        }));
        // What the chain showed for each key at the previous check, to check transitions without the model.
        const seen = KEYS.map(() => ({ serial: 0, stored: Status.None }));
        const base = ((BigInt(await time.latest()) + 2n * U) / U) * U;
        let step = 0n;

        for (const o of ops) {
          step += o.kind === "advance" ? BigInt(o.units) : 1n;
          const now = base + step * U;
          await time.increaseTo(now);
          if (o.kind === "advance") {
            await checkViews(now);
            continue;
          }
          const c = model[o.key];
          const k = KEYS[o.key];
          const id = consentIdOf(k, c.serial);
          const status = statusAt(c, now);

          if (o.kind === "record") {
            const validFrom = now + BigInt(o.from) * U + U / 2n;
            const validUntil = validFrom + BigInt(o.units) * U;
            const terms = { key: k, separate: true, validFrom, validUntil };
            const tx = registry.connect(recorderOperators[o.recorder]).record(terms, ethers.id("form"));
            if (validUntil <= validFrom) {
              await expect(tx)
                .to.be.revertedWithCustomError(registry, "ConsentInvalidValidity")
                .withArgs(validFrom, validUntil);
            } else if (validUntil <= now) {
              await expect(tx).to.be.revertedWithCustomError(registry, "ConsentValidityEnded").withArgs(validUntil);
            } else {
              const newId = consentIdOf(k, c.serial + 1);
              if (status === Status.Active) {
                await expect(tx).to.emit(registry, "ConsentSuperseded").withArgs(k.subjectRef, id, newId);
              } else {
                await expect(tx).to.emit(registry, "ConsentRecorded").and.not.to.emit(registry, "ConsentSuperseded");
              }
              Object.assign(c, {
                serial: c.serial + 1,
                stored: Status.Active,
                validFrom,
                validUntil,
                recorder: RECORDERS[o.recorder],
              });
            }
          } else {
            let tx;
            let unauthorized: [string, string] | undefined;
            if (o.kind === "withdraw") {
              tx = registry.connect(operators[o.by]).withdraw(k, ethers.id("request"));
            } else if (o.kind === "revoke") {
              const caller = recorderOperators[o.by];
              tx = registry.connect(caller).revoke(k);
              if (c.serial !== 0 && RECORDERS[o.by] !== c.recorder) {
                unauthorized = [caller.address, ethers.toBeHex(BigInt(c.recorder) & ((1n << 96n) - 1n), 32)];
              }
            } else {
              const data = registry.interface.encodeFunctionData("revokeByCouncil", [k]);
              tx = consortium.councilCall(await registry.getAddress(), data);
            }
            if (c.serial === 0) {
              await expect(tx)
                .to.be.revertedWithCustomError(registry, "ConsentUnknown")
                .withArgs(k.subjectRef, k.recipient, k.resourceId, k.purpose);
            } else if (unauthorized) {
              await expect(tx)
                .to.be.revertedWithCustomError(registry, "ConsentUnauthorizedAccount")
                .withArgs(...unauthorized);
            } else if (status !== Status.Active) {
              await expect(tx).to.be.revertedWithCustomError(registry, "ConsentNotActive").withArgs(id, status);
            } else {
              await expect(tx).to.emit(registry, o.kind === "withdraw" ? "ConsentWithdrawn" : "ConsentRevoked");
              c.stored = o.kind === "withdraw" ? Status.Withdrawn : Status.Revoked;
            }
          }
          await checkViews(now);
        }

        // The views at `now` (the latest block) agree with the model, and the stored transitions are legal.
        async function checkViews(now: bigint) {
          for (const [i, k] of KEYS.entries()) {
            const c = model[i];
            const [stored, status, consentId] = await registry.consent(
              k.subjectRef,
              k.recipient,
              k.resourceId,
              k.purpose,
            );
            const [active, activeId] = await registry.activeConsent(k.subjectRef, k.recipient, k.resourceId, k.purpose);
            expect(Number(stored.serial)).to.equal(c.serial);
            expect(Number(stored.status)).to.equal(c.stored);
            expect(Number(status)).to.equal(statusAt(c, now));
            const expectedId = c.serial === 0 ? ethers.ZeroHash : consentIdOf(k, c.serial);
            expect([consentId, activeId]).to.deep.equal([expectedId, expectedId]);
            expect(active).to.equal(statusAt(c, now) === Status.Active && c.validFrom <= now);
            checkTransition(i, Number(stored.serial), Number(stored.status));
          }
        }

        function checkTransition(i: number, serial: number, stored: Status) {
          const before = seen[i];
          if (serial === before.serial) {
            // The same consent: only Active may change, and only to Withdrawn or Revoked.
            const legal =
              stored === before.stored ||
              (before.stored === Status.Active && (stored === Status.Withdrawn || stored === Status.Revoked));
            expect(legal, `illegal transition ${Status[before.stored]} -> ${Status[stored]}`).to.equal(true);
          } else {
            // A new record: exactly the next serial, active.
            expect([serial, stored]).to.deep.equal([before.serial + 1, Status.Active]);
          }
          seen[i] = { serial, stored };
        }
      }),
      { numRuns: 40 },
    );
  });
});
