import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { FunctionFragment } from "ethers";
import { RECEIPT_LEAF_TYPES, receiptLeafValues, type Receipt } from "../../core/receipt";
import { DEPT, MEMBER, deployLedger, makeReceipts, toReceiptFields } from "./fixtures";

const ZERO = ethers.ZeroHash;
const DEPARTMENT_ADMIN = ethers.id("kuajie.role.department-admin");

/** A StandardMerkleTree over the receipts, built here rather than with the receipt module's buildBatch. */
function treeOf(receipts: Receipt[]) {
  return StandardMerkleTree.of(receipts.map(receiptLeafValues), RECEIPT_LEAF_TYPES);
}

describe("AccessLedger", function () {
  async function anchoredFixture() {
    const base = await deployLedger();
    const { ledger, gzOperator } = base;
    const batch1 = makeReceipts(DEPT.gzCivilAffairs, 1, 3, gzOperator.address);
    const batch2 = makeReceipts(DEPT.gzCivilAffairs, 4, 5, gzOperator.address, batch1[2]);
    const tree1 = treeOf(batch1);
    const tree2 = treeOf(batch2);
    await ledger.connect(gzOperator).anchor(1, tree1.root, 3, 1, 3, ZERO);
    await ledger.connect(gzOperator).anchor(2, tree2.root, 5, 4, 8, tree1.root);
    return { ...base, batch1, batch2, tree1, tree2 };
  }

  describe("anchor", function () {
    it("anchors a department's first batch, stores it and emits BatchAnchored", async function () {
      const { ledger, gzOperator } = await loadFixture(deployLedger);
      const root = treeOf(makeReceipts(DEPT.gzCivilAffairs, 1, 3, gzOperator.address)).root;

      const tx = ledger.connect(gzOperator).anchor(1, root, 3, 1, 3, ZERO);
      await expect(tx)
        .to.emit(ledger, "BatchAnchored")
        .withArgs(DEPT.gzCivilAffairs, 1, root, 3, 1, 3, ZERO, gzOperator.address);

      const mined = await (await tx).wait();
      const stored = await ledger.batch(DEPT.gzCivilAffairs, 1);
      expect(stored.root).to.equal(root);
      expect(stored.receiptCount).to.equal(3);
      expect(stored.firstReceiptSequence).to.equal(1);
      expect(stored.lastReceiptSequence).to.equal(3);
      expect(stored.anchoredAt).to.equal(await time.latest());
      expect(stored.blockNumber).to.equal(mined!.blockNumber);
      expect([...(await ledger.head(DEPT.gzCivilAffairs))]).to.deep.equal([1n, 3n, root]);
    });

    it("chains the next batch to the previous root, from any operator of the department", async function () {
      const { ledger, gzOperator2, tree2 } = await loadFixture(anchoredFixture);
      const root = ethers.id("batch 3");

      await expect(ledger.connect(gzOperator2).anchor(3, root, 1, 9, 9, tree2.root))
        .to.emit(ledger, "BatchAnchored")
        .withArgs(DEPT.gzCivilAffairs, 3, root, 1, 9, 9, tree2.root, gzOperator2.address);
      expect([...(await ledger.head(DEPT.gzCivilAffairs))]).to.deep.equal([3n, 9n, root]);
      expect((await ledger.batch(DEPT.gzCivilAffairs, 2)).root).to.equal(tree2.root);
    });

    it("keeps each department's chain separate", async function () {
      const { ledger, hrssOperator, tree1 } = await loadFixture(anchoredFixture);

      expect([...(await ledger.head(DEPT.hrss))]).to.deep.equal([0n, 0n, ZERO]);
      await expect(ledger.connect(hrssOperator).anchor(1, tree1.root, 2, 1, 2, ZERO))
        .to.emit(ledger, "BatchAnchored")
        .withArgs(DEPT.hrss, 1, tree1.root, 2, 1, 2, ZERO, hrssOperator.address);
      expect([...(await ledger.head(DEPT.hrss))]).to.deep.equal([1n, 2n, tree1.root]);
      expect((await ledger.head(DEPT.gzCivilAffairs))[0]).to.equal(2n);
    });

    it("reads zeros for a department or batch never anchored", async function () {
      const { ledger } = await loadFixture(anchoredFixture);

      expect([...(await ledger.head(DEPT.publicSecurity))]).to.deep.equal([0n, 0n, ZERO]);
      const missing = await ledger.batch(DEPT.gzCivilAffairs, 3);
      expect([...missing]).to.deep.equal([ZERO, 0n, 0n, 0n, 0n, 0n]);
    });

    describe("refuses callers that do not act for an active department", function () {
      it("an account of no department", async function () {
        const { ledger, stranger } = await loadFixture(deployLedger);
        await expect(ledger.connect(stranger).anchor(1, ethers.id("root"), 1, 1, 1, ZERO))
          .to.be.revertedWithCustomError(ledger, "AccessLedgerUnauthorizedAccount")
          .withArgs(stranger.address, MEMBER);
      });

      it("an operator of a suspended department", async function () {
        const { ledger, suspendedOperator } = await loadFixture(deployLedger);
        await expect(ledger.connect(suspendedOperator).anchor(1, ethers.id("root"), 1, 1, 1, ZERO))
          .to.be.revertedWithCustomError(ledger, "AccessLedgerUnauthorizedAccount")
          .withArgs(suspendedOperator.address, MEMBER);
      });

      it("an operator whose department was suspended after it anchored", async function () {
        const { ledger, consortium, gzOperator, tree2 } = await loadFixture(anchoredFixture);
        await consortium.setDepartment(DEPT.gzCivilAffairs, false, false);
        await expect(ledger.connect(gzOperator).anchor(3, ethers.id("root"), 1, 9, 9, tree2.root))
          .to.be.revertedWithCustomError(ledger, "AccessLedgerUnauthorizedAccount")
          .withArgs(gzOperator.address, MEMBER);
      });
    });

    describe("refuses a batch out of sequence", function () {
      it("a first batch numbered other than 1", async function () {
        const { ledger, gzOperator } = await loadFixture(deployLedger);
        for (const given of [0, 2]) {
          await expect(ledger.connect(gzOperator).anchor(given, ethers.id("root"), 1, 1, 1, ZERO))
            .to.be.revertedWithCustomError(ledger, "AccessLedgerInvalidBatchSequence")
            .withArgs(DEPT.gzCivilAffairs, 1, given);
        }
      });

      it("a gap or a reused batch sequence", async function () {
        const { ledger, gzOperator, tree2 } = await loadFixture(anchoredFixture);
        for (const given of [1, 2, 4]) {
          await expect(ledger.connect(gzOperator).anchor(given, ethers.id("root"), 1, 9, 9, tree2.root))
            .to.be.revertedWithCustomError(ledger, "AccessLedgerInvalidBatchSequence")
            .withArgs(DEPT.gzCivilAffairs, 3, given);
        }
      });

      it("a first receipt sequence other than 1 in the first batch", async function () {
        const { ledger, gzOperator } = await loadFixture(deployLedger);
        await expect(ledger.connect(gzOperator).anchor(1, ethers.id("root"), 2, 2, 3, ZERO))
          .to.be.revertedWithCustomError(ledger, "AccessLedgerInvalidFirstReceiptSequence")
          .withArgs(DEPT.gzCivilAffairs, 1, 2);
      });

      it("a receipt gap or overlap with the previous batch", async function () {
        const { ledger, gzOperator, tree2 } = await loadFixture(anchoredFixture);
        for (const first of [8, 10]) {
          await expect(ledger.connect(gzOperator).anchor(3, ethers.id("root"), 1, first, first, tree2.root))
            .to.be.revertedWithCustomError(ledger, "AccessLedgerInvalidFirstReceiptSequence")
            .withArgs(DEPT.gzCivilAffairs, 9, first);
        }
      });
    });

    describe("refuses a malformed batch", function () {
      it("a zero root", async function () {
        const { ledger, gzOperator } = await loadFixture(deployLedger);
        await expect(ledger.connect(gzOperator).anchor(1, ZERO, 1, 1, 1, ZERO))
          .to.be.revertedWithCustomError(ledger, "AccessLedgerZeroRoot")
          .withArgs(DEPT.gzCivilAffairs, 1);
      });

      it("an empty batch", async function () {
        const { ledger, gzOperator } = await loadFixture(deployLedger);
        await expect(ledger.connect(gzOperator).anchor(1, ethers.id("root"), 0, 1, 0, ZERO))
          .to.be.revertedWithCustomError(ledger, "AccessLedgerEmptyBatch")
          .withArgs(DEPT.gzCivilAffairs, 1);
      });

      it("a receipt count that does not match the sequence range", async function () {
        const { ledger, gzOperator } = await loadFixture(deployLedger);
        const maxUint64 = 2n ** 64n - 1n;
        for (const [count, last] of [
          [3, 2n],
          [3, 4n],
          [1, 0n], // last below first
          [0xffffffff, maxUint64], // near the top of uint64: no wrap-around
        ] as const) {
          await expect(ledger.connect(gzOperator).anchor(1, ethers.id("root"), count, 1, last, ZERO))
            .to.be.revertedWithCustomError(ledger, "AccessLedgerReceiptCountMismatch")
            .withArgs(count, 1, last);
        }
      });

      it("a previous root that is not the last batch's", async function () {
        const { ledger, gzOperator, tree1, tree2 } = await loadFixture(anchoredFixture);
        for (const given of [ZERO, tree1.root, ethers.id("forged")]) {
          await expect(ledger.connect(gzOperator).anchor(3, ethers.id("root"), 1, 9, 9, given))
            .to.be.revertedWithCustomError(ledger, "AccessLedgerPreviousRootMismatch")
            .withArgs(DEPT.gzCivilAffairs, tree2.root, given);
        }
      });

      it("a non-zero previous root for the first batch", async function () {
        const { ledger, gzOperator } = await loadFixture(deployLedger);
        const given = ethers.id("imagined predecessor");
        await expect(ledger.connect(gzOperator).anchor(1, ethers.id("root"), 1, 1, 1, given))
          .to.be.revertedWithCustomError(ledger, "AccessLedgerPreviousRootMismatch")
          .withArgs(DEPT.gzCivilAffairs, ZERO, given);
      });
    });

    it("anchors a later 1,024-receipt batch for at most 100 gas per receipt", async function () {
      const { ledger, gzOperator, tree2 } = await loadFixture(anchoredFixture);
      const receipts = makeReceipts(DEPT.gzCivilAffairs, 9, 1024, gzOperator.address);
      const root = treeOf(receipts).root;

      const mined = await (await ledger.connect(gzOperator).anchor(3, root, 1024, 9, 1032, tree2.root)).wait();
      expect(mined!.gasUsed).to.be.at.most(1024n * 100n);
    });
  });

  describe("declareLoss", function () {
    const REASON = ethers.id("incident report 2026-17: the gateway's disk and its copies were lost");

    async function lossFixture() {
      const base = await anchoredFixture();
      await base.consortium.setAdmin(base.gzOperator.address, true);
      return base;
    }

    it("declares the batches from the first given through the last lost, and anchoring goes on", async function () {
      const { ledger, gzOperator, tree2 } = await loadFixture(lossFixture);

      await expect(ledger.connect(gzOperator).declareLoss(2, REASON))
        .to.emit(ledger, "ReceiptsDeclaredLost")
        .withArgs(DEPT.gzCivilAffairs, 2, 2, 4, 8, REASON, gzOperator.address);
      expect(await ledger.lostThrough(DEPT.gzCivilAffairs)).to.equal(2n);
      // The head and the batches are what they were: the next batch names the last (lost) root.
      expect([...(await ledger.head(DEPT.gzCivilAffairs))]).to.deep.equal([2n, 8n, tree2.root]);
      await expect(ledger.connect(gzOperator).anchor(3, ethers.id("batch 3"), 2, 9, 10, tree2.root)).to.emit(
        ledger,
        "BatchAnchored",
      );
    });

    it("declares every batch lost from the first, and again from a batch anchored after a declaration", async function () {
      const { ledger, gzOperator, tree2 } = await loadFixture(lossFixture);

      await expect(ledger.connect(gzOperator).declareLoss(1, REASON))
        .to.emit(ledger, "ReceiptsDeclaredLost")
        .withArgs(DEPT.gzCivilAffairs, 1, 2, 1, 8, REASON, gzOperator.address);
      const root3 = ethers.id("batch 3");
      await ledger.connect(gzOperator).anchor(3, root3, 2, 9, 10, tree2.root);
      await ledger.connect(gzOperator).anchor(4, ethers.id("batch 4"), 1, 11, 11, root3);
      await expect(ledger.connect(gzOperator).declareLoss(4, REASON))
        .to.emit(ledger, "ReceiptsDeclaredLost")
        .withArgs(DEPT.gzCivilAffairs, 4, 4, 11, 11, REASON, gzOperator.address);
      expect(await ledger.lostThrough(DEPT.gzCivilAffairs)).to.equal(4n);
    });

    it("leaves other departments' anchors and losses alone", async function () {
      const { ledger, gzOperator, hrssOperator, tree1 } = await loadFixture(lossFixture);
      await ledger.connect(hrssOperator).anchor(1, tree1.root, 2, 1, 2, ZERO);

      await ledger.connect(gzOperator).declareLoss(1, REASON);
      expect(await ledger.lostThrough(DEPT.hrss)).to.equal(0n);
      await expect(ledger.connect(hrssOperator).anchor(2, ethers.id("hrss 2"), 1, 3, 3, tree1.root)).to.emit(
        ledger,
        "BatchAnchored",
      );
    });

    describe("refuses callers that are not an admin operator of an active department", function () {
      it("an account of no department", async function () {
        const { ledger, stranger } = await loadFixture(lossFixture);
        await expect(ledger.connect(stranger).declareLoss(1, REASON))
          .to.be.revertedWithCustomError(ledger, "AccessLedgerUnauthorizedAccount")
          .withArgs(stranger.address, DEPARTMENT_ADMIN);
      });

      it("an operator of the department that is not its admin", async function () {
        const { ledger, gzOperator2 } = await loadFixture(lossFixture);
        await expect(ledger.connect(gzOperator2).declareLoss(1, REASON))
          .to.be.revertedWithCustomError(ledger, "AccessLedgerUnauthorizedAccount")
          .withArgs(gzOperator2.address, DEPARTMENT_ADMIN);
      });

      it("the admin of a suspended department", async function () {
        const { ledger, consortium, gzOperator } = await loadFixture(lossFixture);
        await consortium.setDepartment(DEPT.gzCivilAffairs, false, false);
        await expect(ledger.connect(gzOperator).declareLoss(1, REASON))
          .to.be.revertedWithCustomError(ledger, "AccessLedgerUnauthorizedAccount")
          .withArgs(gzOperator.address, DEPARTMENT_ADMIN);
        expect(await ledger.lostThrough(DEPT.gzCivilAffairs)).to.equal(0n);
      });
    });

    describe("refuses a range that is not anchored batches after the last loss", function () {
      it("batch 0", async function () {
        const { ledger, gzOperator } = await loadFixture(lossFixture);
        await expect(ledger.connect(gzOperator).declareLoss(0, REASON))
          .to.be.revertedWithCustomError(ledger, "AccessLedgerInvalidLossRange")
          .withArgs(DEPT.gzCivilAffairs, 0, 2, 0);
      });

      it("a batch not anchored yet, or a department with no batch", async function () {
        const { ledger, consortium, gzOperator, hrssOperator } = await loadFixture(lossFixture);
        await expect(ledger.connect(gzOperator).declareLoss(3, REASON))
          .to.be.revertedWithCustomError(ledger, "AccessLedgerInvalidLossRange")
          .withArgs(DEPT.gzCivilAffairs, 3, 2, 0);
        await consortium.setAdmin(hrssOperator.address, true);
        await expect(ledger.connect(hrssOperator).declareLoss(1, REASON))
          .to.be.revertedWithCustomError(ledger, "AccessLedgerInvalidLossRange")
          .withArgs(DEPT.hrss, 1, 0, 0);
      });

      it("a batch already declared lost, or a declaration with no batch anchored since the last", async function () {
        const { ledger, gzOperator } = await loadFixture(lossFixture);
        await ledger.connect(gzOperator).declareLoss(2, REASON);
        for (const first of [1, 2]) {
          await expect(ledger.connect(gzOperator).declareLoss(first, REASON))
            .to.be.revertedWithCustomError(ledger, "AccessLedgerInvalidLossRange")
            .withArgs(DEPT.gzCivilAffairs, first, 2, 2);
        }
      });
    });

    it("refuses a zero reason", async function () {
      const { ledger, gzOperator } = await loadFixture(lossFixture);
      await expect(ledger.connect(gzOperator).declareLoss(1, ZERO))
        .to.be.revertedWithCustomError(ledger, "AccessLedgerZeroLossReason")
        .withArgs(DEPT.gzCivilAffairs);
      expect(await ledger.lostThrough(DEPT.gzCivilAffairs)).to.equal(0n);
    });
  });

  describe("verifyReceiptFields", function () {
    it("offers no verification from a bare leaf, which an inner node with a shorter proof would pass", async function () {
      const { ledger, tree2 } = await loadFixture(anchoredFixture);
      const hashPair = (a: string, b: string) =>
        ethers.keccak256(ethers.concat(BigInt(a) < BigInt(b) ? [a, b] : [b, a]));
      // The inner node over leaf 0 and its sibling, with the rest of leaf 0's proof, reaches the anchored root: a
      // verifier that took the caller's "leaf" as is would accept this node as a receipt.
      const proof = tree2.getProof(0);
      const inner = hashPair(tree2.leafHash(tree2.at(0)!), proof[0]);
      expect(proof.slice(1).reduce(hashPair, inner)).to.equal(tree2.root);

      const proofTakers = ledger.interface.fragments
        .filter((f): f is FunctionFragment => f.type === "function")
        .filter((f) => f.inputs.some((input) => input.type === "bytes32[]"))
        .map((f) => f.name);
      expect(proofTakers).to.deep.equal(["verifyReceiptFields"]);
    });

    it("accepts every receipt of an anchored batch with its proof", async function () {
      const { ledger, batch1, batch2, tree1, tree2 } = await loadFixture(anchoredFixture);
      for (const [sequence, receipts, tree] of [
        [1, batch1, tree1],
        [2, batch2, tree2],
      ] as const) {
        for (const [i] of tree.entries()) {
          const proof = tree.getProof(i);
          expect(
            await ledger.verifyReceiptFields(DEPT.gzCivilAffairs, sequence, toReceiptFields(receipts[i]), proof),
          ).to.equal(true);
        }
      }
    });

    it("accepts the only receipt of a one-receipt batch with an empty proof", async function () {
      const { ledger, gzOperator, tree2 } = await loadFixture(anchoredFixture);
      const [receipt] = makeReceipts(DEPT.gzCivilAffairs, 9, 1, gzOperator.address);
      const tree = treeOf([receipt]);
      await ledger.connect(gzOperator).anchor(3, tree.root, 1, 9, 9, tree2.root);

      expect(await ledger.verifyReceiptFields(DEPT.gzCivilAffairs, 3, toReceiptFields(receipt), [])).to.equal(true);
    });

    it("refuses a tampered receipt", async function () {
      const { ledger, batch2, tree2 } = await loadFixture(anchoredFixture);
      const proof = tree2.getProof(1);
      const tampered: Receipt = { ...batch2[1], fieldMask: "0xff" };

      expect(await ledger.verifyReceiptFields(DEPT.gzCivilAffairs, 2, toReceiptFields(tampered), proof)).to.equal(
        false,
      );
    });

    it("refuses a forged proof", async function () {
      const { ledger, batch2, tree1, tree2 } = await loadFixture(anchoredFixture);
      const proof = tree2.getProof(0);
      const fields = toReceiptFields(batch2[0]);
      const forgeries = [
        [ethers.id("forged sibling"), ...proof.slice(1)],
        proof.slice(0, -1),
        [...proof, ethers.id("extra")],
        [],
        tree1.getProof(0),
      ];
      for (const forged of forgeries) {
        expect(await ledger.verifyReceiptFields(DEPT.gzCivilAffairs, 2, fields, forged)).to.equal(false);
      }
    });

    it("refuses a receipt against the wrong batch, an unanchored batch or another department", async function () {
      const { ledger, batch1, tree1 } = await loadFixture(anchoredFixture);
      const proof = tree1.getProof(0);
      const fields = toReceiptFields(batch1[0]);
      for (const [department, sequence] of [
        [DEPT.gzCivilAffairs, 2],
        [DEPT.gzCivilAffairs, 3],
        [DEPT.gzCivilAffairs, 0],
        [DEPT.hrss, 1],
      ] as const) {
        expect(await ledger.verifyReceiptFields(department, sequence, fields, proof)).to.equal(false);
      }
    });

    it("with the fields, refuses a receipt outside the batch's range or of another department", async function () {
      const { ledger, gzOperator, hrssOperator, tree2 } = await loadFixture(anchoredFixture);
      // A dishonest tree: receipts 9..11 plus an hrss receipt, anchored as the range 9..10.
      const own = makeReceipts(DEPT.gzCivilAffairs, 9, 3, gzOperator.address);
      const [foreign] = makeReceipts(DEPT.hrss, 1, 1, hrssOperator.address);
      const tree = treeOf([...own, foreign]);
      await ledger.connect(gzOperator).anchor(3, tree.root, 2, 9, 10, tree2.root);

      // Membership in the tree is not enough: the fields must also show the receipt belongs to the batch.
      expect(
        await ledger.verifyReceiptFields(DEPT.gzCivilAffairs, 3, toReceiptFields(own[1]), tree.getProof(1)),
      ).to.equal(true);
      expect(
        await ledger.verifyReceiptFields(DEPT.gzCivilAffairs, 3, toReceiptFields(own[2]), tree.getProof(2)),
      ).to.equal(false);
      expect(
        await ledger.verifyReceiptFields(DEPT.gzCivilAffairs, 3, toReceiptFields(foreign), tree.getProof(3)),
      ).to.equal(false);
      // A receipt sequence below the range.
      const [early] = makeReceipts(DEPT.gzCivilAffairs, 8, 1, gzOperator.address);
      const lowTree = treeOf([early]);
      await ledger.connect(gzOperator).anchor(4, lowTree.root, 1, 11, 11, tree.root);
      expect(await ledger.verifyReceiptFields(DEPT.gzCivilAffairs, 4, toReceiptFields(early), [])).to.equal(false);
    });

    it("computes the StandardMerkleTree leaf on chain", async function () {
      const { ledger, batch2, tree2 } = await loadFixture(anchoredFixture);
      for (const [i, values] of tree2.entries()) {
        expect(await ledger.receiptLeaf(toReceiptFields(batch2[i]))).to.equal(tree2.leafHash(values));
      }
    });
  });
});
