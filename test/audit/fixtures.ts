import { ethers } from "hardhat";
import type { IAccessLedger } from "../../typechain-types";
import { RECEIPT_LEAF_FIELDS, receiptId, receiptLeaf, receiptLeafValues, type Receipt } from "../../core/receipt";

export const MEMBER = ethers.id("kuajie.role.member");

/** Demo departments: keccak256 of an 18-character unified social credit code. */
export const DEPT = {
  gzCivilAffairs: ethers.id("11440100007502345K"),
  hrss: ethers.id("11440000MB2C23456A"),
  publicSecurity: ethers.id("11440000006940123P"),
  suspended: ethers.id("11440300MB2E45678C"),
} as const;

/** `count` chained receipts of `department` from sequence `first`, alternating delivered and denied. */
export function makeReceipts(
  department: string,
  first: number,
  count: number,
  account: string,
  prev: Receipt | null = null,
): Receipt[] {
  const receipts: Receipt[] = [];
  for (let sequence = first; sequence < first + count; sequence++) {
    const delivered = sequence % 2 === 1;
    const receipt: Receipt = {
      id: receiptId(department, sequence),
      sequence,
      time: 1_767_225_600 + sequence,
      department,
      account,
      grantId: String(1 + (sequence % 3)),
      agreementId: "7",
      consentId: ethers.ZeroHash,
      provider: DEPT.publicSecurity,
      resourceId: ethers.id("resource:household-registration"),
      resourceVersion: 2,
      fieldMask: delivered ? "0x5" : "0x0",
      subjectRef: ethers.id(`subject:${sequence}`),
      purpose: ethers.encodeBytes32String("minimum-living-allowance"),
      result: delivered ? "delivered" : "denied",
      reason: delivered ? "ok" : "quota_exceeded",
      requestHash: ethers.id(`request:${department}:${sequence}`),
      responseHash: delivered ? ethers.id(`response:${sequence}`) : ethers.ZeroHash,
      prevHash: prev ? receiptLeaf(prev) : ethers.ZeroHash,
    };
    receipts.push(receipt);
    prev = receipt;
  }
  return receipts;
}

/** A receipt as the contract's `ReceiptFields` struct. */
export function toReceiptFields(receipt: Receipt): IAccessLedger.ReceiptFieldsStruct {
  const values = receiptLeafValues(receipt);
  return Object.fromEntries(
    RECEIPT_LEAF_FIELDS.map((field, i) => [field, values[i]]),
  ) as IAccessLedger.ReceiptFieldsStruct;
}

export async function deployLedger() {
  const [, gzOperator, gzOperator2, hrssOperator, suspendedOperator, stranger] = await ethers.getSigners();
  const consortium = await ethers.deployContract("ConsortiumMock");
  for (const id of [DEPT.gzCivilAffairs, DEPT.hrss, DEPT.publicSecurity])
    await consortium.setDepartment(id, true, false);
  await consortium.setDepartment(DEPT.suspended, false, false);
  await consortium.setOperator(gzOperator.address, DEPT.gzCivilAffairs);
  await consortium.setOperator(gzOperator2.address, DEPT.gzCivilAffairs);
  await consortium.setOperator(hrssOperator.address, DEPT.hrss);
  await consortium.setOperator(suspendedOperator.address, DEPT.suspended);
  const ledger = await ethers.deployContract("AccessLedger", [await consortium.getAddress()]);
  return { consortium, ledger, gzOperator, gzOperator2, hrssOperator, suspendedOperator, stranger };
}
