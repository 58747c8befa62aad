/**
 * The Kuajie access-receipt format: the fields of a receipt, how a receipt becomes a Merkle leaf, and how a batch of
 * receipts becomes the root anchored on the AccessLedger contract.
 *
 * The gateway writes receipts with this module and the auditor checks them with it; neither depends on anything else
 * of the other. It is pure: no I/O, no provider, no database. `test-vectors.json` beside it freezes the encoding, and
 * any change that alters a vector is a breaking change of the format.
 *
 * Encoding (the contract's `IAccessLedger.ReceiptFields` has the same fields in the same order):
 * - leaf = keccak256(keccak256(abi.encode(RECEIPT_LEAF_TYPES, receiptLeafValues(receipt)))), the
 *   `@openzeppelin/merkle-tree` StandardMerkleTree leaf; inner nodes are keccak256 of the sorted pair (OpenZeppelin
 *   `MerkleProof`), so `AccessLedger.verifyReceiptFields` accepts the proofs of `buildBatch`.
 * - `id` = keccak256(abi.encode(bytes32 department, uint64 sequence)): one id per department and sequence number.
 * - `result` = uint8: 0 delivered, 1 denied, 2 failed (the index in RECEIPT_RESULTS).
 * - `reason` = bytes32 holding the reason code as a UTF-8 string (`ethers.encodeBytes32String`, reversible with
 *   `decodeReason`): codes are lower snake case, at most 31 characters. A delivered receipt has reason "ok", and only
 *   a delivered one; refusals use the gateway's stable codes (`consent_withdrawn`, `quota_exceeded`, ...), failures
 *   theirs (`upstream_error`, ...).
 * - `prevHash` = the leaf of the same department's previous receipt (zero for its first), so receipts form a chain.
 * - Optional references (`consentId`, `subjectRef`, `responseHash`) are the zero hash when absent.
 */
import { decodeBytes32String, encodeBytes32String, isAddress } from "ethers";
import { z } from "zod";
import { keccak256Bytes, keccak256Digest, keccak256Hex } from "../crypto/keccak";
import { remembered } from "../remembered";
import { isBytes32Hex } from "../crypto/hex";

/** Outcomes of a fetch decision; a receipt's `result` is encoded as its index here (uint8). */
export const RECEIPT_RESULTS = ["delivered", "denied", "failed"] as const;
export type ReceiptResult = (typeof RECEIPT_RESULTS)[number];

/** The reason of every delivered receipt (and of no other). */
export const DELIVERED_REASON = "ok";

const MAX_UINT256 = (1n << 256n) - 1n;

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const bytes32 = z.string().regex(BYTES32, "expected 0x and 64 hex digits");
const address = z.string().refine((v) => /^0x[0-9a-fA-F]{40}$/.test(v) && isKnownAddress(v), "expected an address");
/**
 * Addresses found well-formed (a mixed-case address is checked against its EIP-55 checksum, a Keccak-256), remembered:
 * a department's receipts name the same few accounts over and over.
 */
const isKnownAddress = remembered((value) => isAddress(value));

const DECIMAL = /^(0|[1-9][0-9]*)$/;
// zod runs every check of a string even after one failed: the bound is judged only where BigInt can read the value
// (a non-number is the regex's error, not a SyntaxError thrown out of safeParse).
const uint256Decimal = z
  .string()
  .regex(DECIMAL, "expected a decimal integer")
  .refine((v) => !DECIMAL.test(v) || BigInt(v) <= MAX_UINT256, "exceeds uint256");
const uint256Hex = z.string().regex(/^0x[0-9a-fA-F]{1,64}$/, "expected 0x and 1 to 64 hex digits");
const uint64 = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/** A reason code: lower snake case, 1 to 31 characters, so that it fits in a bytes32. */
const ReasonCodeSchema = z.string().regex(/^[a-z][a-z0-9_]{0,30}$/, "expected a lower snake case code");

/** A receipt as the gateway stores and serves it and the auditor reads it. Extra fields are refused. */
export const ReceiptSchema = z
  .strictObject({
    id: bytes32,
    sequence: uint64.min(1),
    time: uint64,
    department: bytes32,
    account: address,
    grantId: uint256Decimal,
    agreementId: uint256Decimal,
    consentId: bytes32,
    provider: bytes32,
    resourceId: bytes32,
    resourceVersion: z.int().min(1).max(0xffffffff),
    fieldMask: uint256Hex,
    subjectRef: bytes32,
    purpose: bytes32,
    result: z.enum(RECEIPT_RESULTS),
    reason: ReasonCodeSchema,
    requestHash: bytes32,
    responseHash: bytes32,
    prevHash: bytes32,
  })
  .superRefine((r, ctx) => {
    if (r.id.toLowerCase() !== receiptId(r.department, r.sequence)) {
      ctx.addIssue({ code: "custom", path: ["id"], message: "id is not receiptId(department, sequence)" });
    }
    if ((r.result === "delivered") !== (r.reason === DELIVERED_REASON)) {
      ctx.addIssue({ code: "custom", path: ["reason"], message: `reason is "ok" exactly when result is "delivered"` });
    }
  });

export type Receipt = z.infer<typeof ReceiptSchema>;

/**
 * `ReceiptSchema.safeParse`, with a receipt as the gateway writes it (every field present, of its type and form, and
 * nothing else) checked field by field here first: zod's walk over the schema cost the auditor more than hashing the
 * receipt. Anything else, well-formed or not, is parsed by `ReceiptSchema`, so every error is zod's; the test
 * "accepts what ReceiptSchema accepts, with the same fields" holds the two together.
 */
export function parseReceipt(value: unknown): ReturnType<typeof ReceiptSchema.safeParse> {
  const plain = plainReceipt(value);
  return plain ? { success: true, data: plain } : ReceiptSchema.safeParse(value);
}

const RECEIPT_FIELD_COUNT = 19;
const HEX_BYTES20 = /^0x[0-9a-fA-F]{40}$/;
/** At most 77 digits: below 2^256 (78 digits), so no BigInt is needed to bound it. */
const PLAIN_UINT256_DECIMAL = /^(0|[1-9][0-9]{0,76})$/;
const UINT_HEX = /^0x[0-9a-fA-F]{1,64}$/;
const REASON_CODE = /^[a-z][a-z0-9_]{0,30}$/;

const isBytes32 = isBytes32Hex;
const isUint = (v: unknown, min: number, max: number): v is number =>
  Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;

/** The receipt as ReceiptSchema would return it, when it is plainly well-formed; undefined otherwise. */
function plainReceipt(value: unknown): Receipt | undefined {
  if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== Object.prototype)
    return undefined;
  const r = value as Record<string, unknown>;
  if (Object.keys(r).length !== RECEIPT_FIELD_COUNT) return undefined;
  const { id, sequence, time, department, account, grantId, agreementId, consentId, provider, resourceId } = r;
  const { resourceVersion, fieldMask, subjectRef, purpose, result, reason, requestHash, responseHash, prevHash } = r;
  const wellFormed =
    isBytes32(id) &&
    isUint(sequence, 1, Number.MAX_SAFE_INTEGER) &&
    isUint(time, 0, Number.MAX_SAFE_INTEGER) &&
    isBytes32(department) &&
    typeof account === "string" &&
    HEX_BYTES20.test(account) &&
    isKnownAddress(account) &&
    typeof grantId === "string" &&
    PLAIN_UINT256_DECIMAL.test(grantId) &&
    typeof agreementId === "string" &&
    PLAIN_UINT256_DECIMAL.test(agreementId) &&
    isBytes32(consentId) &&
    isBytes32(provider) &&
    isBytes32(resourceId) &&
    isUint(resourceVersion, 1, 0xffffffff) &&
    typeof fieldMask === "string" &&
    UINT_HEX.test(fieldMask) &&
    isBytes32(subjectRef) &&
    isBytes32(purpose) &&
    (result === "delivered" || result === "denied" || result === "failed") &&
    typeof reason === "string" &&
    REASON_CODE.test(reason) &&
    isBytes32(requestHash) &&
    isBytes32(responseHash) &&
    isBytes32(prevHash) &&
    (result === "delivered") === (reason === DELIVERED_REASON) &&
    id.toLowerCase() === receiptId(department, sequence);
  if (!wellFormed) return undefined;
  return {
    id,
    sequence,
    time,
    department,
    account,
    grantId,
    agreementId,
    consentId,
    provider,
    resourceId,
    resourceVersion,
    fieldMask,
    subjectRef,
    purpose,
    result,
    reason,
    requestHash,
    responseHash,
    prevHash,
  };
}

/** The leaf fields in encoding order (the names of RECEIPT_LEAF_TYPES). */
export const RECEIPT_LEAF_FIELDS = [
  "id",
  "sequence",
  "time",
  "department",
  "account",
  "grantId",
  "agreementId",
  "consentId",
  "provider",
  "resourceId",
  "resourceVersion",
  "fieldMask",
  "subjectRef",
  "purpose",
  "result",
  "reason",
  "requestHash",
  "responseHash",
  "prevHash",
] as const satisfies readonly (keyof Receipt)[];

/** The Solidity types of the leaf, for StandardMerkleTree and abi.encode, in RECEIPT_LEAF_FIELDS order. */
export const RECEIPT_LEAF_TYPES = [
  "bytes32",
  "uint64",
  "uint64",
  "bytes32",
  "address",
  "uint256",
  "uint256",
  "bytes32",
  "bytes32",
  "bytes32",
  "uint32",
  "uint256",
  "bytes32",
  "bytes32",
  "uint8",
  "bytes32",
  "bytes32",
  "bytes32",
  "bytes32",
];

/** The values of a leaf, in RECEIPT_LEAF_TYPES order; JSON-safe (uint256 as strings) so a tree dump serialises. */
export type ReceiptLeafValues = [
  id: string,
  sequence: number,
  time: number,
  department: string,
  account: string,
  grantId: string,
  agreementId: string,
  consentId: string,
  provider: string,
  resourceId: string,
  resourceVersion: number,
  fieldMask: string,
  subjectRef: string,
  purpose: string,
  result: number,
  reason: string,
  requestHash: string,
  responseHash: string,
  prevHash: string,
];

// Every leaf type is static, so abi.encode is the concatenation of one 32-byte word per value. Writing the words
// directly is many times faster than a general ABI coder (the auditor hashes every receipt it is given); the test
// vectors and tests pin it to ethers' AbiCoder, StandardMerkleTree and Solidity's abi.encode.
function word(value: string | number | bigint): string {
  if (typeof value === "string") return value.slice(2).toLowerCase().padStart(64, "0"); // bytes32, address, 0x uint
  return value.toString(16).padStart(64, "0");
}

const RECEIPT_ID_PREIMAGE = Buffer.alloc(64);

/** The id of a department's receipt number `sequence`: keccak256(abi.encode(bytes32, uint64)). */
export function receiptId(department: string, sequence: number): string {
  // Written in place for a department of 0x and 64 hex digits and a safe sequence number (the auditor checks the id of
  // every receipt it reads); any other value is encoded as hex, as it always was.
  if (isBytes32Hex(department) && Number.isSafeInteger(sequence) && sequence >= 0) {
    const out = RECEIPT_ID_PREIMAGE.fill(0, 32);
    out.write(department.slice(2), 0, "hex");
    out.writeUInt32BE(Math.floor(sequence / 0x1_0000_0000), 56);
    out.writeUInt32BE(sequence >>> 0, 60);
    return keccak256Bytes(out);
  }
  return keccak256Hex("0x" + word(department) + word(sequence));
}

/** A reason code as the bytes32 of the leaf. */
export function encodeReason(code: string): string {
  return encodeBytes32String(ReasonCodeSchema.parse(code));
}

/** The reason code held in a leaf's bytes32. */
export function decodeReason(encoded: string): string {
  return ReasonCodeSchema.parse(decodeBytes32String(encoded));
}

/** The leaf values of a receipt. Throws a ZodError when the receipt is malformed. */
export function receiptLeafValues(receipt: Receipt): ReceiptLeafValues {
  return leafValuesOf(ReceiptSchema.parse(receipt));
}

function leafValuesOf(r: Receipt): ReceiptLeafValues {
  return [
    r.id,
    r.sequence,
    r.time,
    r.department,
    r.account,
    r.grantId,
    r.agreementId,
    r.consentId,
    r.provider,
    r.resourceId,
    r.resourceVersion,
    r.fieldMask,
    r.subjectRef,
    r.purpose,
    RECEIPT_RESULTS.indexOf(r.result),
    reasonWord(r.reason),
    r.requestHash,
    r.responseHash,
    r.prevHash,
  ];
}

/** Reasons already encoded: a file of receipts repeats a handful of codes (ethers' encoder costs 3 µs a call). */
const reasonWord = remembered(encodeBytes32String);

/** abi.encode of the leaf values: the preimage of the leaf's inner hash (published in the test vectors). */
export function encodeReceipt(receipt: Receipt): string {
  return encodeLeafValues(receiptLeafValues(receipt));
}

function encodeLeafValues(values: ReceiptLeafValues): string {
  return "0x" + values.map((v, i) => word(RECEIPT_LEAF_TYPES[i] === "uint256" ? BigInt(v) : v)).join("");
}

/** The StandardMerkleTree leaf of a receipt (also its successor's `prevHash`). Throws when malformed. */
export function receiptLeaf(receipt: Receipt): string {
  return leafOfParsed(ReceiptSchema.parse(receipt));
}

function leafOfParsed(receipt: Receipt): string {
  const values = leafValuesOf(receipt);
  const preimage = leafPreimage(values);
  return preimage
    ? keccak256Bytes(keccak256Digest(preimage))
    : keccak256Hex(keccak256Bytes(bytesOf(encodeLeafValues(values))));
}

/** The leaf's preimage, rewritten for each receipt (hashed at once, never handed out). */
const LEAF_PREIMAGE = Buffer.alloc(RECEIPT_LEAF_TYPES.length * 32);

/**
 * `encodeLeafValues` as bytes, each word written in place (the hex string of 1,216 digits it builds, and decodes
 * again, cost more than the two hashes), for the values of a receipt ReceiptSchema accepted: its bytes32 fields 0x and
 * 64 hex digits, its address 0x and 40, its integers safe ones, its uint256 below 2^256 (the lengths and ranges are
 * checked again here; anything else is undefined, for `encodeLeafValues` to encode as it always has).
 * test/core/receipt/receipt.test.ts compares the two on every form a field of a valid receipt takes.
 */
function leafPreimage(values: ReceiptLeafValues): Buffer | undefined {
  const out = LEAF_PREIMAGE.fill(0);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    const at = i * 32;
    const type = RECEIPT_LEAF_TYPES[i];
    if (typeof value === "number") {
      if (!Number.isSafeInteger(value) || value < 0) return undefined;
      out.writeUInt32BE(Math.floor(value / 0x1_0000_0000), at + 24);
      out.writeUInt32BE(value >>> 0, at + 28);
    } else if (type === "uint256") {
      const n = BigInt(value);
      if (n < 0n || n > MAX_UINT256) return undefined;
      const hex = n.toString(16);
      out.write(hex.length % 2 ? `0${hex}` : hex, at + 32 - Math.ceil(hex.length / 2), "hex");
    } else if (type === "address") {
      if (value.length !== 42) return undefined;
      out.write(value.slice(2), at + 12, "hex");
    } else {
      if (value.length !== 66) return undefined;
      out.write(value.slice(2), at, "hex");
    }
  }
  return out;
}

/** 0x-hex to bytes with Node's decoder: ethers' own (one byte at a time) costs more than the hash on the hot path. */
function bytesOf(hex: string): Uint8Array {
  return Buffer.from(hex.slice(2), "hex");
}

/** A batch ready to anchor: `AccessLedger.anchor(batchSequence, root, receiptCount, first, last, previousRoot)`. */
export interface ReceiptBatch {
  root: string;
  department: string;
  receiptCount: number;
  firstSequence: number;
  lastSequence: number;
  /** Leaf of each receipt, by receipt id. */
  leaves: Record<string, string>;
  /** Merkle proof of each receipt, by receipt id. */
  proofs: Record<string, string[]>;
}

/**
 * Builds the Merkle tree of a batch. The receipts must be of one department, in sequence order with no gap (the
 * contract anchors a batch as a range of sequence numbers). Throws on an empty, mixed or gapped batch, and on a
 * malformed receipt unless `checked`: receipts that passed `ReceiptSchema` when they were made (the gateway's own,
 * read back from its store) are not parsed a second time at anchoring; their leaves are still computed from them.
 */
export function buildBatch(receipts: readonly Receipt[], options: { checked?: boolean } = {}): ReceiptBatch {
  if (receipts.length === 0) throw new Error("a batch needs at least one receipt");
  const first = receipts[0];
  receipts.forEach((r, i) => {
    if (r.department.toLowerCase() !== first.department.toLowerCase()) {
      throw new Error(`receipt ${r.id} is of another department than receipt ${first.id}`);
    }
    if (r.sequence !== first.sequence + i) {
      throw new Error(`receipt ${r.id} has sequence ${r.sequence}, expected ${first.sequence + i}`);
    }
  });
  const leafList = receipts.map((r) => leafOfParsed(options.checked === true ? r : ReceiptSchema.parse(r)));
  const nodes = merkleTree(leafList);
  const leaves: Record<string, string> = {};
  const proofs: Record<string, string[]> = {};
  receipts.forEach((r, i) => {
    let node = nodes.index.get(leafList[i])!;
    leaves[r.id] = leafList[i];
    const proof: string[] = [];
    for (; node > 0; node = (node - 1) >> 1) proof.push(nodes.tree[node % 2 === 1 ? node + 1 : node - 1]);
    proofs[r.id] = proof;
  });
  return {
    root: nodes.tree[0],
    department: first.department,
    receiptCount: receipts.length,
    firstSequence: first.sequence,
    lastSequence: first.sequence + receipts.length - 1,
    leaves,
    proofs,
  };
}

/**
 * OpenZeppelin's SimpleMerkleTree over distinct 0x-hex leaves (the StandardMerkleTree of the receipts, as the test
 * vectors pin it): the leaves sorted, stored from the end of the array, the children of node i at 2i+1 and 2i+2, each
 * inner node keccak256 of its two children in sorted order. Built here rather than with `SimpleMerkleTree.of`, which
 * ABI-encodes every leaf again and constructs an Error object per leaf on the way (a tenth of a second for a batch of
 * 300 receipts, on the gateway's event loop at every anchoring). Lower-case hex of equal length sorts as its bytes do.
 */
function merkleTree(leafList: readonly string[]): { tree: string[]; index: Map<string, number> } {
  const sorted = leafList.map((leaf) => leaf.toLowerCase()).sort();
  const tree = new Array<string>(2 * sorted.length - 1);
  const index = new Map<string, number>();
  sorted.forEach((leaf, i) => {
    tree[tree.length - 1 - i] = leaf;
    index.set(leaf, tree.length - 1 - i);
  });
  for (let i = tree.length - 1 - sorted.length; i >= 0; i--) {
    const [left, right] = [tree[2 * i + 1], tree[2 * i + 2]];
    tree[i] = keccak256Bytes(bytesOf(left < right ? left + right.slice(2) : right + left.slice(2)));
  }
  return { tree, index };
}

/**
 * Whether `proof` shows the receipt is a leaf of the tree with `root`, as OpenZeppelin's `MerkleProof.verify` and
 * `StandardMerkleTree.verify` decide it (each step hashes the sorted pair). False for a malformed receipt or proof.
 */
export function verifyProof(receipt: Receipt, proof: readonly string[], root: string): boolean {
  const parsed = ReceiptSchema.safeParse(receipt);
  return parsed.success && verifyLeafProof(leafOfParsed(parsed.data), proof, root);
}

/**
 * The leaf of a receipt already parsed with `ReceiptSchema` (the auditor parses each receipt once, then needs its
 * leaf): `receiptLeaf` without parsing it again.
 */
export function leafOfParsedReceipt(receipt: Receipt): string {
  return leafOfParsed(receipt);
}

/**
 * Merkle steps already hashed, by the lower node of each step: its sibling and their parent. A node of a tree has one
 * sibling, so the receipts of a batch, whose paths share their upper levels, find each shared step here; a step with
 * another sibling (a forged proof) is hashed, never taken from here.
 */
export type MerkleSteps = Map<string, { sibling: string; parent: string }>;

/**
 * `verifyProof` from the leaf. `steps`, when given, remembers each step hashed: the receipts of one batch share the
 * upper levels of their paths, so a caller verifying many receipts of a batch hashes each inner node about once
 * instead of once per receipt below it. The caller bounds its size.
 */
export function verifyLeafProof(leaf: string, proof: readonly string[], root: string, steps?: MerkleSteps): boolean {
  if (!isBytes32Hex(root)) return false;
  let hash = leaf.toLowerCase();
  for (const node of proof) {
    // A node that is a remembered sibling in either case (with its "0x": only A-F lower-case to a-f) is well-formed as
    // that sibling was when remembered; any other is checked here. A malformed node makes the proof false wherever it
    // is, as when every node was checked before the first step (the steps remembered until then are the hashes of
    // well-formed pairs, as true for any other proof).
    const sibling = node.toLowerCase();
    const known = steps?.get(hash);
    if (known !== undefined && known.sibling === sibling && node.charCodeAt(1) === 0x78) {
      hash = known.parent;
      continue;
    }
    if (!isBytes32Hex(node)) return false;
    const parent = keccak256Bytes(bytesOf(hash < sibling ? hash + sibling.slice(2) : sibling + hash.slice(2)));
    steps?.set(hash, { sibling, parent });
    hash = parent;
  }
  return hash === root.toLowerCase();
}
