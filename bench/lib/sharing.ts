/**
 * Sharing state arranged directly on chain, for the parts that need no gateway (the auditor's benchmark) and for
 * the bulk "other" state of the growth runs: a consent-requiring personal resource of the public-security
 * department, an agreement of the city civil-affairs bureau for it, a grant, and consents.
 */
import { ZeroHash, id as keccakText, type HDNodeWallet, type JsonRpcProvider, type Wallet } from "ethers";
import { demoDepartment } from "../../scripts/lib/demo-departments";
import { canonicalJson } from "../../core/json/canonical-json";
import { HOUSEHOLD_REGISTRATION } from "../../backends/datasets";
import { BulkSender, devWallet, purposeBytes, wait, type System } from "./chain";

export const PURPOSE = "minimum-living-allowance";
const CONDITIONAL = 1;
const RESTRICTED = 1;
const IMPORTANT = 1;
const LEGAL_BASIS_CONSENT = 0;
const DAY = 24 * 3600;

export interface DirectSharing {
  provider: HDNodeWallet;
  consumer: HDNodeWallet;
  providerId: string;
  consumerId: string;
  resourceId: string;
  agreementId: bigint;
  grantId: bigint;
  purpose: string;
  fieldMask: bigint;
}

export function resourceTerms(itemCount: number) {
  return {
    shareType: CONDITIONAL,
    openType: RESTRICTED,
    securityLevel: IMPORTANT,
    personal: true,
    sensitive: false,
    itemCount,
    legalBasis: ZeroHash,
  };
}

export function resourceMetadata(code: string): string {
  const r = HOUSEHOLD_REGISTRATION;
  return canonicalJson({
    code,
    name: r.name,
    summary: r.summary,
    fields: r.fields.map((f) => ({ name: f.name, type: f.type, personal: f.personal })),
    updateCycle: r.updateCycle,
  });
}

export async function arrangeSharing(rpc: JsonRpcProvider, system: System, now: number): Promise<DirectSharing> {
  const provider = devWallet(demoDepartment("public-security").keyIndex).connect(rpc);
  const consumer = devWallet(demoDepartment("gz-civil-affairs").keyIndex).connect(rpc);
  const providerId = demoDepartment("public-security").id;
  const consumerId = demoDepartment("gz-civil-affairs").id;
  const code = HOUSEHOLD_REGISTRATION.code;
  await wait(
    system.catalog
      .connect(provider)
      .register(code, resourceTerms(HOUSEHOLD_REGISTRATION.fields.length), resourceMetadata(code)),
  );
  const resourceId = await system.catalog.resourceIdOf(providerId, code);
  const fieldMask = 0b11111n;
  const purpose = purposeBytes(PURPOSE);
  await wait(
    system.agreements.connect(consumer).request({
      resourceId,
      coConsumers: [],
      fieldMask,
      purpose,
      legalBasis: LEGAL_BASIS_CONSENT,
      validFrom: now - 60,
      validUntil: now + 365 * DAY,
      quota: { calls: 0, per: 0 },
      termsHash: keccakText("bench agreement terms"),
    }),
  );
  const agreementId = await system.agreements.agreementCount();
  await wait(system.agreements.connect(provider).approve(agreementId));
  await wait(system.grants.connect(consumer).issue(agreementId, consumer.address, fieldMask, 0, 0, 0));
  const grantId = await system.grants.grantCount();
  return { provider, consumer, providerId, consumerId, resourceId, agreementId, grantId, purpose, fieldMask };
}

export interface ConsentEntry {
  subjectRef: string;
  recipient: string;
  resourceId: string;
  purpose: string;
}

/** recordBatch calls of up to `perTx` consents each, queued on `bulk` (mined by its flush). */
export async function queueConsents(
  bulk: BulkSender,
  system: System,
  recorder: Wallet | HDNodeWallet,
  entries: readonly ConsentEntry[],
  validFrom: number,
  perTx = 450,
): Promise<number> {
  let txs = 0;
  const to = await system.consents.getAddress();
  for (let i = 0; i < entries.length; i += perTx) {
    const inputs = entries.slice(i, i + perTx).map((key, j) => ({
      terms: { key, separate: false, validFrom, validUntil: validFrom + 365 * DAY },
      evidenceHash: keccakText(`bench consent record ${i + j}`),
    }));
    const data = system.consents.interface.encodeFunctionData("recordBatch", [inputs]);
    await bulk.send(recorder, { to, data }, BigInt(Math.min(16_000_000, 100_000 + inputs.length * 34_000)));
    txs++;
  }
  return txs;
}
