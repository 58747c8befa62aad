import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { SimpleMerkleTree, StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import {
  RECEIPT_LEAF_FIELDS,
  RECEIPT_LEAF_TYPES,
  RECEIPT_RESULTS,
  ReceiptSchema,
  buildBatch,
  decodeReason,
  encodeReason,
  encodeReceipt,
  receiptId,
  receiptLeaf,
  leafOfParsedReceipt,
  parseReceipt,
  receiptLeafValues,
  verifyLeafProof,
  verifyProof,
  type MerkleSteps,
  type Receipt,
} from "../../../core/receipt";
import vectors from "../../../core/receipt/test-vectors.json";
import { toReceiptFields } from "../../audit/fixtures";

const receipts = vectors.receipts.map((v) => ReceiptSchema.parse(v.receipt));
const byId = new Map(receipts.map((r) => [r.id, r]));
const batchReceipts = vectors.batch.receiptIds.map((id) => byId.get(id)!);

describe("receipt format", function () {
  describe("published test vectors", function () {
    it("use the module's leaf fields, types and result encoding", function () {
      expect(vectors.leafFields).to.deep.equal([...RECEIPT_LEAF_FIELDS]);
      expect(vectors.leafTypes).to.deep.equal(RECEIPT_LEAF_TYPES);
      expect(vectors.results).to.deep.equal([...RECEIPT_RESULTS]);
    });

    it("reproduce every receipt's id, encoding and leaf", function () {
      for (const [i, vector] of vectors.receipts.entries()) {
        const receipt = receipts[i];
        expect(receiptId(receipt.department, receipt.sequence), vector.name).to.equal(receipt.id);
        expect(encodeReceipt(receipt), vector.name).to.equal(vector.encoded);
        expect(receiptLeaf(receipt), vector.name).to.equal(vector.leaf);
      }
    });

    it("agree with StandardMerkleTree's own leaf encoder", function () {
      for (const [i, vector] of vectors.receipts.entries()) {
        const values = receiptLeafValues(receipts[i]);
        expect(StandardMerkleTree.of([values], RECEIPT_LEAF_TYPES).leafHash(values)).to.equal(vector.leaf);
      }
    });

    it("give each receipt the id keccak256(abi.encode(bytes32, uint64)) of its department and number (property)", function () {
      const coder = ethers.AbiCoder.defaultAbiCoder();
      const department = fc.stringMatching(/^[0-9a-fA-F]{64}$/).map((h) => `0x${h}`);
      const sequence = fc.oneof(
        fc.constantFrom(0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      );
      fc.assert(
        fc.property(department, sequence, (d, n) => {
          expect(receiptId(d, n)).to.equal(ethers.keccak256(coder.encode(["bytes32", "uint64"], [d, n])));
        }),
        { numRuns: 500, seed: 20261201 },
      );
    });

    it("chain each department's receipts by the previous leaf", function () {
      expect(batchReceipts[0].prevHash).to.equal(ethers.ZeroHash);
      expect(batchReceipts[1].prevHash).to.equal(receiptLeaf(batchReceipts[0]));
      expect(batchReceipts[2].prevHash).to.equal(receiptLeaf(batchReceipts[1]));
    });

    it("reproduce the batch root and every proof", function () {
      const batch = buildBatch(batchReceipts);
      expect(batch.root).to.equal(vectors.batch.root);
      expect(batch.proofs).to.deep.equal(vectors.batch.proofs);
      expect(batch.department).to.equal(vectors.batch.department);
      expect([batch.receiptCount, batch.firstSequence, batch.lastSequence]).to.deep.equal([
        vectors.batch.receiptCount,
        vectors.batch.firstSequence,
        vectors.batch.lastSequence,
      ]);
      for (const receipt of batchReceipts) {
        const proof = vectors.batch.proofs[receipt.id as keyof typeof vectors.batch.proofs];
        expect(batch.leaves[receipt.id]).to.equal(receiptLeaf(receipt));
        expect(verifyProof(receipt, proof, vectors.batch.root)).to.equal(true);
        expect(
          StandardMerkleTree.verify(vectors.batch.root, RECEIPT_LEAF_TYPES, receiptLeafValues(receipt), proof),
        ).to.equal(true);
      }
    });

    describe("on chain", function () {
      async function anchoredVectorFixture() {
        const [, operator] = await ethers.getSigners();
        const consortium = await ethers.deployContract("ConsortiumMock");
        await consortium.setDepartment(vectors.batch.department, true, false);
        await consortium.setOperator(operator.address, vectors.batch.department);
        const ledger = await ethers.deployContract("AccessLedger", [await consortium.getAddress()]);
        const b = vectors.batch;
        await ledger
          .connect(operator)
          .anchor(b.batchSequence, b.root, b.receiptCount, b.firstSequence, b.lastSequence, b.previousRoot);
        return { ledger };
      }

      it("AccessLedger accepts the vector batch's leaves and proofs", async function () {
        const { ledger } = await loadFixture(anchoredVectorFixture);
        const { department, batchSequence, proofs } = vectors.batch;
        for (const receipt of batchReceipts) {
          const proof = proofs[receipt.id as keyof typeof proofs];
          expect(await ledger.verifyReceiptFields(department, batchSequence, toReceiptFields(receipt), proof)).to.equal(
            true,
          );
        }
      });

      it("AccessLedger computes every vector's leaf with Solidity's abi.encode", async function () {
        const { ledger } = await loadFixture(anchoredVectorFixture);
        for (const [i, vector] of vectors.receipts.entries()) {
          expect(await ledger.receiptLeaf(toReceiptFields(receipts[i])), vector.name).to.equal(vector.leaf);
        }
      });

      it("AccessLedger refuses a vector receipt with one changed field", async function () {
        const { ledger } = await loadFixture(anchoredVectorFixture);
        const { department, batchSequence, proofs } = vectors.batch;
        const tampered: Receipt = { ...batchReceipts[1], time: batchReceipts[1].time + 1 };
        const proof = proofs[tampered.id as keyof typeof proofs];
        expect(await ledger.verifyReceiptFields(department, batchSequence, toReceiptFields(tampered), proof)).to.equal(
          false,
        );
      });
    });
  });

  describe("ReceiptSchema", function () {
    const base = batchReceipts[1]; // denied, consent_withdrawn

    const invalid: [string, Partial<Record<keyof Receipt, unknown>> & Record<string, unknown>][] = [
      ["an id that is not receiptId(department, sequence)", { id: ethers.id("other") }],
      ["a sequence whose id does not match", { sequence: base.sequence + 1 }],
      ["sequence 0", { sequence: 0, id: receiptId(base.department, 0) }],
      ["a fractional time", { time: 1.5 }],
      ["a short bytes32", { purpose: "0x1234" }],
      ["an address with a wrong checksum", { account: base.account.replace(/[a-f]/, (c) => c.toUpperCase()) }],
      ["a grant id above uint256", { grantId: (2n ** 256n).toString() }],
      ["a grant id with a leading zero", { grantId: "01" }],
      ["a field mask of more than 256 bits", { fieldMask: "0x1" + "0".repeat(64) }],
      ["resource version 0", { resourceVersion: 0 }],
      ["an unknown result", { result: "maybe" }],
      ["an upper-case reason", { reason: "Consent_withdrawn" }],
      ["a reason longer than 31 characters", { reason: "a".repeat(32) }],
      ["a denial with reason ok", { reason: "ok" }],
      ["a delivery with another reason", { result: "delivered" }],
      ["an extra field", { note: "unauthenticated" }],
    ];
    for (const [name, change] of invalid) {
      it(`refuses ${name}`, function () {
        expect(ReceiptSchema.safeParse({ ...base, ...change }).success).to.equal(false);
        expect(parseReceipt({ ...base, ...change })).to.deep.equal(ReceiptSchema.safeParse({ ...base, ...change }));
        expect(() => receiptLeaf({ ...base, ...change } as Receipt)).to.throw();
      });
    }

    it("parseReceipt accepts what ReceiptSchema accepts, with the same fields, and refuses with zod's error (property)", function () {
      // Values at the edges of every field's form, put in place of any field (or added, or the field removed).
      const edgeValue = fc.constantFrom<unknown>(
        undefined,
        null,
        0,
        -0,
        1,
        1.5,
        -1,
        2 ** 32,
        0xffffffff,
        Number.MAX_SAFE_INTEGER,
        Number.MAX_SAFE_INTEGER + 1,
        Number.NaN,
        Infinity,
        10n,
        "",
        "0",
        "01",
        "1".repeat(77),
        "9".repeat(77),
        (2n ** 256n - 1n).toString(),
        (2n ** 256n).toString(),
        "0x",
        "0x1",
        "0x" + "f".repeat(64),
        "0x" + "F".repeat(64),
        "0x" + "f".repeat(65),
        "0X" + "a".repeat(64),
        ethers.ZeroHash,
        base.account.toLowerCase(),
        base.account.toUpperCase().replace("0X", "0x"),
        base.account.replace(/[a-f]/, (c) => c.toUpperCase()),
        "delivered",
        "denied",
        "ok",
        "consent_withdrawn",
        "a".repeat(31),
        "a".repeat(32),
        base.id.toUpperCase().replace("0X", "0x"),
        receiptId(base.department, 0),
        [],
        {},
      );
      const field = fc.constantFrom<string>(...RECEIPT_LEAF_FIELDS, "note");
      const changes = fc.array(fc.tuple(field, edgeValue, fc.boolean()), { maxLength: 3 });
      const from = fc.constantFrom(...receipts);
      fc.assert(
        fc.property(from, changes, (receipt, list) => {
          const value: Record<string, unknown> = { ...receipt };
          for (const [name, replacement, remove] of list) {
            if (remove) delete value[name];
            else value[name] = replacement;
          }
          const outcome = (parse: (v: unknown) => unknown) => {
            try {
              return parse(value);
            } catch (error) {
              return { threw: (error as Error).message };
            }
          };
          expect(outcome(parseReceipt)).to.deep.equal(outcome((v) => ReceiptSchema.safeParse(v)));
        }),
        { numRuns: 1_000 },
      );
      for (const receipt of receipts)
        expect(parseReceipt({ ...receipt })).to.deep.equal({ success: true, data: receipt });
      for (const value of [null, [], "receipt", Object.create({ id: base.id })])
        expect(parseReceipt(value)).to.deep.equal(ReceiptSchema.safeParse(value));
    });

    it("hashes the leaf written in place as the hex encoding's leaf, on every form a field takes (property)", function () {
      const hex = (digits: number) => fc.stringMatching(new RegExp(`^[0-9a-fA-F]{${digits}}$`));
      const uint = (max: bigint) => fc.bigInt({ min: 0n, max });
      const forms: Record<string, fc.Arbitrary<unknown>> = {
        sequence: fc.oneof(
          fc.constantFrom(1, 2 ** 32, 2 ** 32 - 1, Number.MAX_SAFE_INTEGER),
          fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        ),
        time: fc.oneof(fc.constantFrom(0, 2 ** 53 - 1), fc.nat()),
        resourceVersion: fc.constantFrom(1, 255, 256, 0xffffffff),
        grantId: uint(2n ** 256n - 1n).map(String),
        agreementId: fc.oneof(fc.constantFrom("0", (2n ** 256n - 1n).toString()), uint(2n ** 64n).map(String)),
        fieldMask: fc.integer({ min: 1, max: 64 }).chain((n) => hex(n).map((h) => `0x${h}`)),
        account: fc.constantFrom(
          base.account,
          base.account.toLowerCase(),
          base.account.toUpperCase().replace("0X", "0x"),
        ),
        consentId: hex(64).map((h) => `0x${h}`),
        subjectRef: hex(64).map((h) => `0x${h}`),
        requestHash: hex(64).map((h) => `0x${h}`),
        prevHash: fc.constantFrom(ethers.ZeroHash, `0x${"F".repeat(64)}`),
      };
      const outcome = fc.constantFrom(
        { result: "delivered", reason: "ok" },
        { result: "denied", reason: "consent_withdrawn" },
        { result: "failed", reason: "a".repeat(31) },
      );
      const changes = fc
        .tuple(fc.record(forms, { requiredKeys: [] }), fc.option(outcome))
        .map(([fields, result]) => ({ ...fields, ...result }));
      fc.assert(
        fc.property(fc.constantFrom(...receipts), changes, (receipt, changed) => {
          const r = { ...receipt, ...changed } as Receipt;
          r.id = receiptId(r.department, r.sequence);
          const fromHex = ethers.keccak256(ethers.keccak256(encodeReceipt(r)));
          expect(leafOfParsedReceipt(r)).to.equal(fromHex);
        }),
        { numRuns: 500, seed: 20261201 },
      );
      for (const [i, vector] of vectors.receipts.entries())
        expect(leafOfParsedReceipt(receipts[i])).to.equal(vector.leaf);
    });

    it("accepts lower-case and checksummed addresses alike, with the same leaf", function () {
      const lower = { ...base, account: base.account.toLowerCase() };
      expect(receiptLeaf(lower)).to.equal(receiptLeaf(base));
    });
  });

  describe("reason codes", function () {
    it("encode as a reversible bytes32 string", function () {
      for (const code of ["ok", "consent_withdrawn", "quota_exceeded", "upstream_error", "a".repeat(31)]) {
        expect(decodeReason(encodeReason(code))).to.equal(code);
      }
      expect(encodeReason("ok")).to.equal(ethers.encodeBytes32String("ok"));
      expect(receiptLeafValues(batchReceipts[1])[15]).to.equal(ethers.encodeBytes32String("consent_withdrawn"));
    });

    it("ReceiptSchema refuses an id that is not a number with a field error, and one past uint256 with its bound", function () {
      const base = receipts[0];
      for (const [field, value, message] of [
        ["grantId", "consent_withdrawn", "expected a decimal integer"],
        ["agreementId", "-1", "expected a decimal integer"],
        ["grantId", (2n ** 256n).toString(), "exceeds uint256"],
      ] as const) {
        const result = ReceiptSchema.safeParse({ ...base, [field]: value });
        expect(result.success, `${field} ${value}`).to.equal(false);
        const issues = result.error!.issues.filter((issue) => issue.path[0] === field);
        expect(issues.map((issue) => issue.message)).to.deep.equal([message]);
      }
    });

    it("refuse codes that are not lower snake case or do not fit", function () {
      for (const code of ["", "OK", "consent-withdrawn", "1st", "a".repeat(32)]) {
        expect(() => encodeReason(code), code).to.throw();
      }
      expect(() => decodeReason(ethers.encodeBytes32String("Not A Code"))).to.throw();
    });
  });

  describe("verifyProof", function () {
    const batch = buildBatch(batchReceipts);
    const receipt = batchReceipts[1];
    const proof = batch.proofs[receipt.id];

    const changes: Record<(typeof RECEIPT_LEAF_FIELDS)[number], Partial<Receipt>> = {
      id: { id: ethers.id("forged id") },
      sequence: { sequence: 9, id: receiptId(receipt.department, 9) },
      time: { time: receipt.time + 1 },
      department: { department: ethers.id("other"), id: receiptId(ethers.id("other"), receipt.sequence) },
      account: { account: ethers.getAddress("0x0000000000000000000000000000000000000001") },
      grantId: { grantId: "2" },
      agreementId: { agreementId: "2" },
      consentId: { consentId: ethers.ZeroHash },
      provider: { provider: ethers.id("other provider") },
      resourceId: { resourceId: ethers.id("other resource") },
      resourceVersion: { resourceVersion: 2 },
      fieldMask: { fieldMask: "0x8" },
      subjectRef: { subjectRef: ethers.id("other subject") },
      purpose: { purpose: ethers.encodeBytes32String("other purpose") },
      result: { result: "failed" },
      reason: { reason: "consent_missing" },
      requestHash: { requestHash: ethers.id("other request") },
      responseHash: { responseHash: ethers.id("other response") },
      prevHash: { prevHash: ethers.ZeroHash },
    };

    it("refuses the receipt with any one leaf field changed", function () {
      expect(verifyProof(receipt, proof, batch.root)).to.equal(true);
      for (const field of RECEIPT_LEAF_FIELDS) {
        expect(verifyProof({ ...receipt, ...changes[field] }, proof, batch.root), field).to.equal(false);
      }
    });

    it("refuses a forged proof, another root and malformed input", function () {
      expect(verifyProof(receipt, [ethers.id("forged"), ...proof.slice(1)], batch.root)).to.equal(false);
      expect(verifyProof(receipt, [], batch.root)).to.equal(false);
      expect(verifyProof(receipt, proof, ethers.id("another root"))).to.equal(false);
      expect(verifyProof(receipt, ["0x1234"], batch.root)).to.equal(false);
      expect(verifyProof(receipt, proof, "not a root")).to.equal(false);
      expect(verifyProof({ ...receipt, reason: "ok" }, proof, batch.root)).to.equal(false);
    });

    it("decides as when every node was checked first, on proofs with malformed, upper-case and forged nodes (property)", function () {
      // The function before nodes were checked as they are walked (each step it remembers is a well-formed pair's).
      const checkedFirst = (leaf: string, nodes: readonly string[], root: string, steps: MerkleSteps) => {
        const hex = /^0x[0-9a-fA-F]{64}$/;
        if (!hex.test(root) || !nodes.every((n) => hex.test(n))) return false;
        let hash = leaf.toLowerCase();
        for (const node of nodes) {
          const sibling = node.toLowerCase();
          const known = steps.get(hash);
          if (known !== undefined && known.sibling === sibling) hash = known.parent;
          else {
            const [a, b] = hash < sibling ? [hash, sibling] : [sibling, hash];
            const parent = ethers.keccak256(ethers.concat([a, b]));
            steps.set(hash, { sibling, parent });
            hash = parent;
          }
        }
        return hash === root.toLowerCase();
      };
      const leaves = Array.from({ length: 24 }, (_, i) => ethers.id(`proof property leaf ${i}`));
      const tree = SimpleMerkleTree.of(leaves);
      const change = fc.record({
        leaf: fc.nat(leaves.length - 1),
        node: fc.nat(5),
        at: fc.nat(65),
        to: fc.constantFrom("0", "a", "A", "f", "F", "x", "X", "g", " ", "\u0130", "\u212a"),
        how: fc.constantFrom("char", "upper", "0X", "drop", "extra", "none", "none"),
      });
      fc.assert(
        fc.property(fc.array(change, { minLength: 1, maxLength: 30 }), (changes) => {
          const [walked, reference]: [MerkleSteps, MerkleSteps] = [new Map(), new Map()];
          for (const { leaf, node, at, to, how } of changes) {
            const proof = [...tree.getProof(leaf)];
            const i = node % proof.length;
            if (how === "char") proof[i] = proof[i].slice(0, at) + to + proof[i].slice(at + 1);
            if (how === "upper") proof[i] = proof[i].toUpperCase();
            if (how === "0X") proof[i] = `0X${proof[i].slice(2)}`;
            if (how === "drop") proof.splice(i, 1);
            if (how === "extra") proof.push(leaves[node]);
            expect(verifyLeafProof(leaves[leaf], proof, tree.root, walked), JSON.stringify(proof)).to.equal(
              checkedFirst(leaves[leaf], proof, tree.root, reference),
            );
          }
        }),
        { numRuns: 300, seed: 20261201 },
      );
    });

    it("decides the same from the leaf, with remembered steps as without", function () {
      const steps: MerkleSteps = new Map();
      for (const r of batchReceipts) {
        const leaf = leafOfParsedReceipt(r);
        expect(leaf).to.equal(receiptLeaf(r));
        expect(verifyLeafProof(leaf, batch.proofs[r.id], batch.root, steps), r.id).to.equal(true);
      }
      // The receipts share their upper levels: fewer steps remembered than proof nodes walked.
      const walked = batchReceipts.reduce((n, r) => n + batch.proofs[r.id].length, 0);
      expect(steps.size).to.be.greaterThan(0).and.lessThan(walked);
      // With every true step remembered, a forged sibling, a forged leaf and another root are still refused.
      const leaf = leafOfParsedReceipt(receipt);
      expect(verifyLeafProof(leaf, [ethers.id("forged"), ...proof.slice(1)], batch.root, steps)).to.equal(false);
      expect(verifyLeafProof(ethers.id("forged leaf"), proof, batch.root, steps)).to.equal(false);
      expect(verifyLeafProof(leaf, proof, ethers.id("another root"), steps)).to.equal(false);
      expect(verifyLeafProof(leaf, [...proof, "0x1234"], batch.root, steps)).to.equal(false);
      expect(verifyLeafProof(leaf, proof, batch.root.toUpperCase().replace("0X", "0x"), steps)).to.equal(true);
    });
  });

  describe("buildBatch", function () {
    it("refuses an empty batch, another department's receipt, a gap and a wrong order", function () {
      const [r1, r2, r3] = batchReceipts;
      const other = receipts[3];
      expect(() => buildBatch([])).to.throw(/at least one/);
      expect(() => buildBatch([r1, other])).to.throw(/another department/);
      expect(() => buildBatch([r1, r3])).to.throw(/expected 2/);
      expect(() => buildBatch([r2, r1])).to.throw(/expected 3/);
    });

    it("parses each receipt unless told they were checked when made (the gateway's own, at anchoring)", function () {
      const [r1] = batchReceipts;
      const malformed = { ...r1, reason: "Not A Code" };
      expect(() => buildBatch([malformed])).to.throw(/lower snake case/);
      expect(buildBatch([r1], { checked: true })).to.deep.equal(buildBatch([r1]));
    });

    it("proves every receipt of any valid batch, matching StandardMerkleTree (property)", function () {
      const hex32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => ethers.hexlify(b));
      const uint256 = fc.bigInt({ min: 0n, max: 2n ** 256n - 1n });
      const fields = fc.record({
        time: fc.integer({ min: 0, max: 2 ** 40 }),
        account: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => ethers.getAddress(ethers.hexlify(b))),
        grantId: uint256.map(String),
        agreementId: uint256.map(String),
        consentId: hex32,
        provider: hex32,
        resourceId: hex32,
        resourceVersion: fc.integer({ min: 1, max: 0xffffffff }),
        fieldMask: uint256.map((v) => ethers.toBeHex(v)),
        subjectRef: hex32,
        purpose: hex32,
        outcome: fc.constantFrom(
          ["delivered", "ok"] as const,
          ["denied", "consent_withdrawn"] as const,
          ["failed", "upstream_error"] as const,
        ),
        requestHash: hex32,
        responseHash: hex32,
      });
      fc.assert(
        fc.property(
          hex32,
          fc.integer({ min: 1, max: 2 ** 50 }),
          fc.array(fields, { minLength: 1, maxLength: 24 }),
          (department, first, items) => {
            const batch: Receipt[] = [];
            for (const [i, { outcome, ...f }] of items.entries()) {
              const sequence = first + i;
              batch.push({
                ...f,
                id: receiptId(department, sequence),
                sequence,
                department,
                result: outcome[0],
                reason: outcome[1],
                prevHash: i === 0 ? ethers.ZeroHash : receiptLeaf(batch[i - 1]),
              });
            }
            const built = buildBatch(batch);
            expect(buildBatch(batch, { checked: true })).to.deep.equal(built);
            const reference = StandardMerkleTree.of(batch.map(receiptLeafValues), RECEIPT_LEAF_TYPES);
            expect(built.root).to.equal(reference.root);
            for (const [i, r] of batch.entries()) {
              const values = receiptLeafValues(r);
              expect(encodeReceipt(r)).to.equal(ethers.AbiCoder.defaultAbiCoder().encode(RECEIPT_LEAF_TYPES, values));
              expect(receiptLeaf(r)).to.equal(reference.leafHash(values));
              expect(built.proofs[r.id]).to.deep.equal(reference.getProof(i));
              expect(verifyProof(r, built.proofs[r.id], built.root)).to.equal(true);
            }
          },
        ),
        { numRuns: 40 },
      );
    });
  });
});
