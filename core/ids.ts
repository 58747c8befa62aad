/**
 * One branded type per kind of id, after Uniswap v4's user-defined value types (`type PoolId is bytes32`): an
 * agreement id and a grant id are both uint256 on chain, and a department id and a resource id are both bytes32,
 * but the compiler now refuses to pass one for the other. Each type has one text form, the one the indexer, the
 * receipts and the API already use, and a constructor that brings any other form to it:
 * - uint256 ids (agreement, grant): decimal string without leading zeros ("7");
 * - bytes32 ids (department, resource, consent, receipt): 0x and 64 lower-case hex digits.
 * The constructors check the form and throw a RangeError on anything else; they never hash or guess.
 */

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type DepartmentId = Brand<string, "DepartmentId">;
export type ResourceId = Brand<string, "ResourceId">;
export type AgreementId = Brand<string, "AgreementId">;
export type GrantId = Brand<string, "GrantId">;
export type ConsentId = Brand<string, "ConsentId">;
export type ReceiptId = Brand<string, "ReceiptId">;
export type DemandId = Brand<string, "DemandId">;
export type ObjectionId = Brand<string, "ObjectionId">;

const MAX_UINT256 = (1n << 256n) - 1n;

function uint256Text(value: bigint | number | string, what: string): string {
  let n: bigint;
  try {
    n = BigInt(value);
  } catch {
    throw new RangeError(`${what} ${String(value)} is not an integer`);
  }
  if (n < 0n || n > MAX_UINT256) throw new RangeError(`${what} ${String(value)} is not a uint256`);
  return n.toString(10);
}

function bytes32Text(value: string, what: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new RangeError(`${what} ${value} is not 0x and 64 hex digits`);
  return value.toLowerCase();
}

export const departmentId = (value: string): DepartmentId => bytes32Text(value, "department id") as DepartmentId;
export const consentId = (value: string): ConsentId => bytes32Text(value, "consent id") as ConsentId;
export const receiptIdOf = (value: string): ReceiptId => bytes32Text(value, "receipt id") as ReceiptId;
export const agreementId = (value: bigint | number | string): AgreementId =>
  uint256Text(value, "agreement id") as AgreementId;
export const grantId = (value: bigint | number | string): GrantId => uint256Text(value, "grant id") as GrantId;
export const demandId = (value: bigint | number | string): DemandId => uint256Text(value, "demand id") as DemandId;
export const objectionId = (value: bigint | number | string): ObjectionId =>
  uint256Text(value, "objection id") as ObjectionId;
