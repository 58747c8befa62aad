/**
 * The world the auditor tests audit: the real contracts deployed on the in-process network (Ignition, the data
 * bureau founding the council, the other demo departments admitted by proposals), a personal resource of public
 * security shared with the Guangzhou civil-affairs bureau on the basis of consent, a grant, a citizen's consent, and
 * receipts built with the receipt module and anchored on AccessLedger by the requester's operator.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { buildBatch, receiptId, receiptLeaf, type Receipt } from "../../../core/receipt";
import { canonicalJson } from "../../../core/json/canonical-json";
import { run } from "../../../scripts/audit/cli";
import type { SignerRecoveryOptions } from "../../../scripts/audit/signer-recovery";
import { deploySystem, type System } from "../../support/system";

const CONDITIONAL = 1;
export const CONSENT_BASIS = 0;
export const PERIOD_DAY = 3;
export const PURPOSE = ethers.encodeBytes32String("minimum-living-allowance");
export const SUBJECT = ethers.id("hmac of a synthetic resident id");
const HOUSEHOLD_FIELDS = ["idNumber", "name", "address"];

/** A receipt file entry as `GET /v1/receipts/:id` returns it. */
export interface ReceiptEntry {
  receipt: Receipt;
  leaf: string;
  status: "pending" | "anchored" | "lost";
  batch?: { sequence: number; root: string; txHash: string; blockNumber: number };
  proof?: string[];
}

export interface World {
  s: System;
  civil: HardhatEthersSigner;
  civilId: string;
  household: string;
  agreementId: bigint;
  grantId: bigint;
  consentKey: { subjectRef: string; recipient: string; resourceId: string; purpose: string };
  consentId: string;
  /** Fresh for each test (the fixture's chain is reverted, so sequences start again at 1). */
  receipts: ReceiptWriter;
  /** A fresh directory for each test, holding the deployment file. */
  dir: string;
  deploymentFile: string;
}

export async function registerPersonal(s: System, provider: string, code: string, fields: string[]): Promise<string> {
  const metadata = canonicalJson({ code, fields: fields.map((name) => ({ name, type: "string" })) });
  const terms = {
    shareType: CONDITIONAL,
    openType: 1,
    securityLevel: 1,
    personal: true,
    sensitive: false,
    itemCount: fields.length,
    legalBasis: ethers.ZeroHash,
  };
  await s.catalog.connect(s.operators[provider]).register(code, terms, metadata);
  return s.catalog.resourceIdOf(s.departments[provider].id, code);
}

export async function requestAgreement(
  s: System,
  consumer: string,
  resourceId: string,
  legalBasis: number,
  fieldMask: bigint,
): Promise<bigint> {
  const now = await time.latest();
  const request = {
    resourceId,
    coConsumers: [],
    fieldMask,
    purpose: PURPOSE,
    legalBasis,
    validFrom: now,
    validUntil: now + 365 * 24 * 3600,
    quota: { calls: 1000, per: PERIOD_DAY },
    termsHash: ethers.id("service contract text"),
  };
  // Personal data on a basis other than consent: the request names the legal reference it relies on.
  const agreements = s.agreements.connect(s.operators[consumer]);
  if (legalBasis === CONSENT_BASIS) await agreements.request(request);
  else await agreements.requestWithLegalReference(request, ethers.id("legal reference"));
  return s.agreements.agreementCount();
}

/** Writes a department's receipts in sequence, each linked to the previous one's leaf. */
export class ReceiptWriter {
  private sequence = 0;
  private prevHash = ethers.ZeroHash;

  constructor(
    private readonly world: { department: string; account: string; provider: string; resourceId: string },
    private readonly defaults: Partial<Receipt>,
  ) {}

  async next(fields: Partial<Receipt> = {}): Promise<Receipt> {
    const sequence = ++this.sequence;
    const { department, account, provider, resourceId } = this.world;
    const delivered = (fields.result ?? "delivered") === "delivered";
    const receipt: Receipt = {
      id: receiptId(department, sequence),
      sequence,
      time: await time.latest(),
      department,
      account,
      grantId: "1",
      agreementId: "1",
      consentId: ethers.ZeroHash,
      provider,
      resourceId,
      resourceVersion: 1,
      fieldMask: delivered ? "0x1" : "0x0",
      subjectRef: SUBJECT,
      purpose: PURPOSE,
      result: "delivered",
      reason: "ok",
      requestHash: ethers.id(`request ${sequence}`),
      responseHash: delivered ? ethers.id(`response ${sequence}`) : ethers.ZeroHash,
      prevHash: this.prevHash,
      ...this.defaults,
      ...fields,
    };
    this.prevHash = receiptLeaf(receipt);
    return receipt;
  }
}

/**
 * Anchors the receipts as the department's next batch (the requester's, unless `by` names another department and
 * its operator) and returns them as the gateway would serve them.
 */
export async function anchor(
  w: World,
  receipts: Receipt[],
  by: { department: string; operator: HardhatEthersSigner } = { department: w.civilId, operator: w.civil },
): Promise<ReceiptEntry[]> {
  const batch = buildBatch(receipts);
  const [lastBatch, , lastRoot] = await w.s.ledger.head(by.department);
  const sequence = lastBatch + 1n;
  // The anchor's block follows the chain's clock, not the wall clock: a fixture restored long after it was taken
  // (a loaded machine) must not make a prompt anchoring look late.
  await time.setNextBlockTimestamp((await time.latest()) + 1);
  const tx = await w.s.ledger
    .connect(by.operator)
    .anchor(sequence, batch.root, batch.receiptCount, batch.firstSequence, batch.lastSequence, lastRoot);
  const mined = (await tx.wait())!;
  return receipts.map((receipt) => ({
    receipt,
    leaf: batch.leaves[receipt.id],
    status: "anchored",
    batch: { sequence: Number(sequence), root: batch.root, txHash: mined.hash, blockNumber: mined.blockNumber },
    proof: batch.proofs[receipt.id],
  }));
}

export function pending(receipt: Receipt): ReceiptEntry {
  return { receipt, leaf: receiptLeaf(receipt), status: "pending" };
}

async function worldFixture() {
  const s = await deploySystem();
  const civil = s.operators["gz-civil-affairs"];
  const civilId = s.departments["gz-civil-affairs"].id;
  const household = await registerPersonal(s, "public-security", "household-registration", HOUSEHOLD_FIELDS);
  const agreementId = await requestAgreement(s, "gz-civil-affairs", household, CONSENT_BASIS, 0b011n);
  await s.agreements.connect(s.operators["public-security"]).approve(agreementId);
  await s.grants.connect(civil).issue(agreementId, civil.address, 0b001n, 0, 100, PERIOD_DAY);
  const grantId = await s.grants.grantCount();
  const consentKey = { subjectRef: SUBJECT, recipient: civilId, resourceId: household, purpose: PURPOSE };
  const now = await time.latest();
  await s.consents
    .connect(civil)
    .record(
      { key: consentKey, separate: true, validFrom: now, validUntil: now + 180 * 24 * 3600 },
      ethers.id("consent record #1"),
    );
  const [, consentId] = await s.consents.activeConsent(SUBJECT, civilId, household, PURPOSE);
  return { s, civil, civilId, household, agreementId, grantId, consentKey, consentId };
}

/** The world at the fixture's snapshot, with a fresh receipt writer and deployment file. */
export async function loadWorld(): Promise<World> {
  const base = await loadFixture(worldFixture);
  // A restored snapshot keeps its old clock, and the next block jumps to the wall clock: mine that jump now, so that
  // the receipts a test writes next are not dated before it (a loaded machine would make them look anchored late).
  await mine();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-audit-"));
  const deploymentFile = path.join(dir, "deployment.json");
  fs.writeFileSync(deploymentFile, JSON.stringify(base.s.deployment));
  const receipts = new ReceiptWriter(
    {
      department: base.civilId,
      account: base.civil.address,
      provider: base.s.departments["public-security"].id,
      resourceId: base.household,
    },
    { grantId: String(base.grantId), agreementId: String(base.agreementId), consentId: base.consentId },
  );
  return { ...base, receipts, dir, deploymentFile };
}

export interface AuditOutcome {
  code: number;
  stdout: string;
  stderr: string;
  /** The `--json` report, when asked for. */
  json: {
    verdict: string;
    violations: { rule: string; receiptId?: string; detail: string }[];
    summary: Record<string, unknown>;
    data: Record<string, unknown>;
  };
}

/** Runs the auditor in-process against the in-process network, with `--json` unless told otherwise. */
export async function audit(
  w: World,
  args: string[],
  { json = true, signerRecovery }: { json?: boolean; signerRecovery?: SignerRecoveryOptions } = {},
): Promise<AuditOutcome> {
  let stdout = "";
  let stderr = "";
  const code = await run([...args, "--deployment", w.deploymentFile, ...(json ? ["--json"] : [])], {
    provider: ethers.provider,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    signerRecovery,
  });
  return { code, stdout, stderr, json: json && stdout.startsWith("{") ? JSON.parse(stdout) : undefined! };
}

export function writeReceipts(
  w: World,
  name: string,
  entries: ReceiptEntry[],
  format: "array" | "lines" = "array",
): string {
  const file = path.join(w.dir, name);
  fs.writeFileSync(
    file,
    format === "array" ? JSON.stringify(entries, null, 2) : entries.map((e) => JSON.stringify(e)).join("\n") + "\n",
  );
  return file;
}
