/**
 * The one fold of Grants events into a grant's state, as the contract holds it: issued active, then paused, resumed
 * or revoked. Events are read by the argument names of `IGrants`, from the indexer's JSON or an ethers `Result`.
 */
import { QUOTA_PERIOD, type GrantStatus } from "../codes/enumerations";
import { agreementId, grantId, type AgreementId, type DepartmentId, type GrantId } from "../ids";
import type { EventArgs, Quota } from "./agreements";

export interface GrantState {
  id: GrantId;
  agreementId: AgreementId;
  consumer: DepartmentId;
  /** The account that may use the grant (lower-case address). */
  grantee: string;
  fieldMask: bigint;
  /** Unix seconds; the grant cannot be used from then on. */
  expiresAt: number;
  quota: Quota;
  status: GrantStatus;
}

const STATUS_AFTER: Readonly<Record<string, GrantStatus>> = {
  GrantPaused: "paused",
  GrantResumed: "active",
  GrantRevoked: "revoked",
};

/**
 * The grant's state after the event `name` with `args`; `state` is the state before (undefined before issuance).
 * Events of other names, and changes of a grant never issued, leave the state as it was.
 */
export function applyGrantEvent(state: GrantState | undefined, name: string, args: EventArgs): GrantState | undefined {
  if (name === "GrantIssued") {
    const quota = args.quota as EventArgs;
    return {
      id: grantId(args.grantId as string | bigint),
      agreementId: agreementId(args.agreementId as string | bigint),
      consumer: String(args.consumer).toLowerCase() as DepartmentId,
      grantee: String(args.grantee).toLowerCase(),
      fieldMask: BigInt(args.fieldMask as string | bigint),
      expiresAt: Number(args.expiresAt),
      quota: { calls: Number(quota.calls), per: QUOTA_PERIOD.fromIndex(quota.per as string | bigint) },
      status: "active",
    };
  }
  const status = STATUS_AFTER[name];
  if (state === undefined || status === undefined) return state;
  return { ...state, status };
}
