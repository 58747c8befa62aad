import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type {
  ConsortiumMock,
  DataCatalogMock,
  Grants,
  SharingAgreements,
  WorkingCalendar,
} from "../../typechain-types";
import type { ISharingAgreements } from "../../typechain-types/contracts/sharing/SharingAgreements";
import { SEAL_TYPES, eip712Domain } from "../../core/eip712";
import { testCalendarYears } from "../support/calendar";

export { SEAL_TYPES };

export const DAY = 24n * 3600n;

// Department ids: keccak256 of 18-character unified social credit codes.
export const PROVIDER = ethers.id("11440000MB2C12345X"); // provincial public security
export const CONSUMER = ethers.id("11440100MB2C67890Y"); // city civil affairs (lead consumer)
export const CO1 = ethers.id("11440000MB2C11111A"); // social security (co-consumer)
export const CO2 = ethers.id("11440000MB2C22222B"); // health (co-consumer)
export const OTHER = ethers.id("11440000MB2C33333C"); // an unrelated member
export const SUSPENDED = ethers.id("11440000MB2C44444D"); // a suspended member
export const UNKNOWN_DEPT = ethers.id("11440000MB2C55555E"); // never admitted

// `needed` values of unauthorized-caller errors (contracts/libraries/Roles.sol).
export const ROLE_MEMBER = ethers.id("kuajie.role.member");
export const ROLE_COUNCIL = ethers.id("kuajie.role.council");

export enum ShareType {
  Unconditional,
  Conditional,
  NotShareable,
}
export enum ResourceStatus {
  None,
  Active,
  Retired,
}
export enum LegalBasis {
  Consent,
  StatutoryDuty,
  Contract,
  PublicInterest,
}
export enum Period {
  None,
  Minute,
  Hour,
  Day,
}
export enum Status {
  Requested,
  Active,
  Rejected,
  Escalated,
  Suspended,
  Terminated,
  Expired,
}

export const RES_CONDITIONAL = ethers.id("resource:household-registration");
export const RES_UNCONDITIONAL = ethers.id("resource:public-notices");
export const RES_NOT_SHAREABLE = ethers.id("resource:case-files");
export const RES_RETIRED = ethers.id("resource:old-register");
export const RES_WIDE = ethers.id("resource:wide-256-items");
export const RES_UNKNOWN = ethers.id("resource:unknown");
export const RES_PERSONAL_OPEN = ethers.id("resource:open-personal"); // unconditional, personal
export const RES_CONSENT_ONLY = ethers.id("resource:consent-only"); // unconditional, personal, accepts consent only

/** The legal bases a catalog entry accepts, as its `acceptedBases` bitmask (bit i = LegalBasis i). */
const ALL_BASES = 0x0f;
export const LEGAL_REFERENCE = ethers.id("legal reference: Household Registration Regulations, Art. 12");

const PURPOSE = ethers.id("purpose:subsidy-eligibility");
const TERMS_HASH = ethers.id("terms: inter-departmental service contract v1");
export const REASON = ethers.id("reason: minutes of the provider's review");

function resourceOf(
  provider: string,
  shareType: ShareType,
  itemCount: number,
  opts: { personal?: boolean; status?: ResourceStatus; acceptedBases?: number } = {},
) {
  return {
    provider,
    shareType,
    openType: 1,
    securityLevel: 0,
    status: opts.status ?? ResourceStatus.Active,
    personal: opts.personal ?? false,
    sensitive: false,
    itemCount,
    version: 1,
    acceptedBases: opts.acceptedBases ?? ALL_BASES,
    metadataHash: ethers.id(`metadata:${provider}:${itemCount}`),
    legalBasis: shareType === ShareType.NotShareable ? ethers.id("legal basis") : ethers.ZeroHash,
  };
}

export async function deploySharing() {
  const [deployer, providerOp, consumerOp, co1Op, co2Op, otherOp, suspendedOp, stranger, grantee, relayer] =
    await ethers.getSigners();
  const consortium: ConsortiumMock = await ethers.deployContract("ConsortiumMock");
  const catalog: DataCatalogMock = await ethers.deployContract("DataCatalogMock");
  const calendar: WorkingCalendar = await ethers.deployContract("WorkingCalendar", [await consortium.getAddress()]);
  for (const { year, words } of testCalendarYears(await time.latest())) {
    const publish = calendar.interface.encodeFunctionData("publishYear", [year, words.firstWord, words.secondWord]);
    await consortium.councilCall(await calendar.getAddress(), publish);
  }
  const sharing: SharingAgreements = await ethers.deployContract("SharingAgreements", [
    await consortium.getAddress(),
    await catalog.getAddress(),
    await calendar.getAddress(),
  ]);
  const grants: Grants = await ethers.deployContract("Grants", [
    await consortium.getAddress(),
    await sharing.getAddress(),
  ]);

  for (const [dept, op] of [
    [PROVIDER, providerOp],
    [CONSUMER, consumerOp],
    [CO1, co1Op],
    [CO2, co2Op],
    [OTHER, otherOp],
    [SUSPENDED, suspendedOp],
  ] as const) {
    await consortium.setDepartment(dept, dept !== SUSPENDED, dept === PROVIDER);
    await consortium.setOperator(op.address, dept);
  }

  await catalog.setResource(RES_CONDITIONAL, resourceOf(PROVIDER, ShareType.Conditional, 8, { personal: true }));
  await catalog.setResource(RES_UNCONDITIONAL, resourceOf(PROVIDER, ShareType.Unconditional, 4));
  await catalog.setResource(RES_NOT_SHAREABLE, resourceOf(PROVIDER, ShareType.NotShareable, 4));
  await catalog.setResource(
    RES_RETIRED,
    resourceOf(PROVIDER, ShareType.Unconditional, 4, { status: ResourceStatus.Retired }),
  );
  await catalog.setResource(RES_WIDE, resourceOf(PROVIDER, ShareType.Unconditional, 256));
  await catalog.setResource(RES_PERSONAL_OPEN, resourceOf(PROVIDER, ShareType.Unconditional, 4, { personal: true }));
  await catalog.setResource(
    RES_CONSENT_ONLY,
    resourceOf(PROVIDER, ShareType.Unconditional, 4, { personal: true, acceptedBases: 1 << LegalBasis.Consent }),
  );

  const now = BigInt(await time.latest());
  const validUntil = now + 365n * DAY;

  /** A valid request; override any field. */
  function terms(
    overrides: Partial<ISharingAgreements.AgreementRequestStruct> = {},
  ): ISharingAgreements.AgreementRequestStruct {
    return {
      resourceId: RES_CONDITIONAL,
      coConsumers: [],
      fieldMask: 0b1011n,
      purpose: PURPOSE,
      legalBasis: LegalBasis.Consent,
      validFrom: now,
      validUntil,
      quota: { calls: 1000, per: Period.Day },
      termsHash: TERMS_HASH,
      ...overrides,
    };
  }

  return {
    deployer,
    providerOp,
    consumerOp,
    co1Op,
    co2Op,
    otherOp,
    suspendedOp,
    stranger,
    grantee,
    relayer,
    consortium,
    catalog,
    calendar,
    sharing,
    grants,
    now,
    validUntil,
    terms,
  };
}

/** The request's terms as the tuple an event or a getter returns them. */
export function termsTuple(t: ISharingAgreements.AgreementRequestStruct) {
  return [
    t.resourceId,
    t.coConsumers,
    t.fieldMask,
    t.purpose,
    t.legalBasis,
    t.validFrom,
    t.validUntil,
    [t.quota.calls, t.quota.per],
    t.termsHash,
  ];
}

/** `termsDigest` computed off chain: keccak256(abi.encode(provider, consumer, AgreementRequest)). */
export function termsDigestOf(provider: string, consumer: string, t: ISharingAgreements.AgreementRequestStruct) {
  return ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(
      [
        "bytes32",
        "bytes32",
        "tuple(bytes32 resourceId, bytes32[] coConsumers, uint256 fieldMask, bytes32 purpose, uint8 legalBasis, uint64 validFrom, uint64 validUntil, tuple(uint32 calls, uint8 per) quota, bytes32 termsHash)",
      ],
      [provider, consumer, termsTuple(t)],
    ),
  );
}

/** Signs a Seal for `department` with `signer`; every part of the message and domain can be overridden. */
export async function signSeal(
  sharing: SharingAgreements,
  signer: HardhatEthersSigner,
  agreementId: bigint,
  department: string,
  deadline: bigint,
  opts: { chainId?: bigint; nonce?: bigint; termsDigest?: string } = {},
): Promise<string> {
  const chainId = opts.chainId ?? (await ethers.provider.getNetwork()).chainId;
  const domain = eip712Domain("SharingAgreements", chainId, await sharing.getAddress());
  const message = {
    agreementId,
    department,
    termsDigest: opts.termsDigest ?? (await sharing.termsDigest(agreementId)),
    nonce: opts.nonce ?? (await sharing.nonces(signer.address)),
    deadline,
  };
  return signer.signTypedData(domain, SEAL_TYPES, message);
}
