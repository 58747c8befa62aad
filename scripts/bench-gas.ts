/**
 * `npm run bench:gas`: the gas benchmark of issue 2. Deploys the real contracts with the Ignition module on the
 * in-process network (founded by the data bureau; the other demo departments admitted by council proposals), performs
 * each operation once in a realistic state, writes `bench/results/gas.json` (operation name -> gas used by the
 * transaction, intrinsic 21,000 and calldata included) and prints the figures as a table.
 *
 * Every operation runs after at least one earlier operation of its kind, so that a counter slot created by the very
 * first call of a contract (proposal, agreement and grant ids, a signer's nonce, a department's ledger head) is not
 * counted; where the first call is measured too, its key says so (`.first`, `.firstNonce`). Each transaction is mined
 * in its own block, so every storage slot and account it touches starts cold, as on a real chain.
 */
import fs from "node:fs";
import path from "node:path";
import hre, { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse, Signer, TypedDataDomain } from "ethers";
import { CONTRACT_NAMES, deployKuajie, type ContractName } from "./lib/deployment";
import { DEMO_DEPARTMENTS, demoDepartment } from "./lib/demo-departments";
import { canonicalJson } from "../core/json/canonical-json";
import { CONSENT_TYPES, KEY_ROTATION_TYPES, WITHDRAWAL_TYPES, eip712Domain } from "../core/eip712";
import { ADMIT, CALL, admitPayload, publishYearPayload } from "./lib/consortium-proposals";
import { weekdaysOnlyYearWords } from "../core/calendar/working-days";
import { buildBatch, receiptId, receiptLeaf, type Receipt } from "../core/receipt";
import type {
  AccessLedger,
  ConsentRegistry,
  Consortium,
  DataCatalog,
  DemandRegistry,
  Grants,
  Objections,
  SharingAgreements,
  WorkingCalendar,
} from "../typechain-types";
import { encodeCallPayload, encodeWorkingDaysPayload } from "../core/council/proposals";
import { PROPOSAL_ACTION } from "../core/codes/enumerations";

/** The targets of issue 2's gas section. */
export const TARGETS: Record<string, number> = {
  "consent.record": 60_000,
  "consent.recordBatch.per100": 35_000,
  "consent.withdraw": 35_000,
  "ledger.anchor.perReceipt.1024": 100,
};

const CONDITIONAL = 1;
const UNCONDITIONAL = 0;
const RESTRICTED = 1;
const GENERAL = 0;
const IMPORTANT = 1;
const CONSENT = 0;
const STATUTORY_DUTY = 1;
const PERIOD_DAY = 3;
const DAY = 24 * 3600;
/**
 * The chain starts at this fixed time and every timestamp the benchmark sends is computed from it, so that every run
 * sends the same calldata and signs the same messages (calldata gas depends on how many bytes are zero).
 */
const START = 2_000_000_000; // 2033-05-18

const gas: Record<string, number> = {};
const notes: Record<string, string> = {};

async function measure(
  name: string,
  tx: Promise<ContractTransactionResponse>,
  note?: string,
  divideBy = 1,
): Promise<number> {
  const receipt = await (await tx).wait();
  if (!receipt || receipt.status !== 1) throw new Error(`${name}: transaction failed`);
  const used = Number(receipt.gasUsed);
  gas[name] = Math.round(used / divideBy);
  if (note) notes[name] = note;
  return used;
}

function subjectRefOf(identity: string): string {
  return ethers.computeHmac("sha256", ethers.toUtf8Bytes("bench consortium secret"), ethers.toUtf8Bytes(identity));
}

interface Key {
  subjectRef: string;
  recipient: string;
  resourceId: string;
  purpose: string;
}
interface Terms {
  key: Key;
  separate: boolean;
  validFrom: number;
  validUntil: number;
}

async function main() {
  const signers = await ethers.getSigners();
  const op: Record<string, HardhatEthersSigner> = {};
  for (const d of DEMO_DEPARTMENTS) op[d.key] = signers[d.keyIndex];
  const id = (key: string) => demoDepartment(key).id;
  const extra = signers.slice(DEMO_DEPARTMENTS.length + 1);
  const now = Math.max(START, (await time.latest()) + 1);
  await time.increaseTo(now);

  // ---------------------------------------------------------------- deployment
  const deployment = await deployKuajie(hre, (d) => signers[d.keyIndex].address);
  const at = <T>(name: ContractName) => ethers.getContractAt(name, deployment.contracts[name]) as Promise<T>;
  const consortium = await at<Consortium>("Consortium");
  const catalog = await at<DataCatalog>("DataCatalog");
  const agreements = await at<SharingAgreements>("SharingAgreements");
  const grants = await at<Grants>("Grants");
  const consents = await at<ConsentRegistry>("ConsentRegistry");
  const ledger = await at<AccessLedger>("AccessLedger");
  const calendar = await at<WorkingCalendar>("WorkingCalendar");

  // Ignition hands back no receipts: read the deployment's blocks for the creations and the founding call.
  const sizes: Record<string, number> = {};
  const byAddress = new Map(CONTRACT_NAMES.map((n) => [deployment.contracts[n].toLowerCase(), n]));
  const latest = await ethers.provider.getBlockNumber();
  for (let n = deployment.deploymentBlock; n <= latest; n++) {
    const block = await ethers.provider.getBlock(n);
    for (const hash of block!.transactions) {
      const receipt = (await ethers.provider.getTransactionReceipt(hash))!;
      const created = receipt.contractAddress && byAddress.get(receipt.contractAddress.toLowerCase());
      if (created) {
        gas[`deploy.${created}`] = Number(receipt.gasUsed);
        sizes[created] = ethers.getBytes(await ethers.provider.getCode(receipt.contractAddress!)).length;
      } else if (receipt.to?.toLowerCase() === deployment.contracts.Consortium.toLowerCase()) {
        gas["consortium.found"] = Number(receipt.gasUsed);
        notes["consortium.found"] =
          "one founding department (the data bureau) and six modules (the calendar, the demand registry and the objections among them)";
      }
    }
  }

  // ---------------------------------------------------------------- consortium
  // The data bureau holds the only seat, so each of its proposals executes in the same transaction.
  const bureau = consortium.connect(op["data-bureau"]);
  const admitted = DEMO_DEPARTMENTS.filter((d) => !d.council);
  for (const [i, d] of admitted.entries()) {
    const tx = bureau.propose(ADMIT, admitPayload(d, op[d.key].address));
    if (i === 1) {
      await measure(
        "consortium.propose.admit+execute",
        tx,
        `admits ${d.key} (one seat: executes at once); proposal #2, the payload (${ethers.dataLength(admitPayload(d, op[d.key].address))} bytes) is stored`,
      );
    } else await (await tx).wait();
  }
  await measure(
    "consortium.addOperator",
    consortium.connect(op["gz-civil-affairs"]).addOperator(extra[0].address, false),
    "an admin operator adds a second (non-admin) operator to its department",
  );
  await measure(
    "consortium.registerNode",
    consortium.connect(op["data-bureau"]).registerNode(`enode://${"ab".repeat(64)}@10.0.0.1:30303`),
    "a department's admin registers its node's enode URL (151 bytes: six fresh slots), the source of Besu's nodes allowlist",
  );
  const endpoint = "https://kuajie.gdzwfw.gov.cn/gateway/hrss";
  await measure(
    "consortium.setGatewayEndpoint",
    consortium.connect(op.hrss).setGatewayEndpoint(endpoint),
    `a department's admin publishes its gateway's exchange endpoint (${Buffer.byteLength(endpoint)} bytes: three fresh slots)`,
  );
  await measure(
    "consortium.clearGatewayEndpoint",
    consortium.connect(op.hrss).clearGatewayEndpoint(),
    "the same admin withdraws it (three slots zeroed, refunded in part)",
  );

  // ---------------------------------------------------------------- calendar
  // The benchmark's chain lives in 2033, a year no official schedule exists for: a Monday-to-Friday calendar (the
  // gas of publishing and counting does not depend on which days are set).
  const year = new Date((now + 8 * 3600) * 1000).getUTCFullYear();
  await (
    await bureau.propose(
      CALL,
      publishYearPayload(deployment.contracts.WorkingCalendar, year, weekdaysOnlyYearWords(year)),
    )
  ).wait();
  await measure(
    "calendar.publishYear",
    bureau.propose(
      CALL,
      publishYearPayload(deployment.contracts.WorkingCalendar, year + 1, weekdaysOnlyYearWords(year + 1)),
    ),
    "a council Call proposal (one seat: executes at once) publishing a year: two fresh slots, the event with both words",
  );
  gas["calendar.deadlineAfter.10"] = Number(await calendar.deadlineAfter.estimateGas(now, 10));
  notes["calendar.deadlineAfter.10"] =
    "the view as a transaction would pay it (21,000 included): ten working days, two cold words, popcounts";
  gas["calendar.deadlineAfter.250"] = Number(await calendar.deadlineAfter.estimateGas(now, 250));
  notes["calendar.deadlineAfter.250"] = "a year's worth of working days: crosses into the next year (four cold words)";

  // ---------------------------------------------------------------- catalog
  const register = (provider: string, code: string, fields: string[], shareType: number, personal: boolean) => {
    const metadata = canonicalJson({
      code,
      name: code,
      summary: `${code} of ${provider}`,
      fields: fields.map((name) => ({ name, type: "string" })),
      updateCycle: "daily",
    });
    const terms = {
      shareType,
      openType: RESTRICTED,
      securityLevel: personal ? IMPORTANT : GENERAL,
      personal,
      sensitive: false,
      itemCount: fields.length,
      legalBasis: ethers.ZeroHash,
    };
    return { tx: catalog.connect(op[provider]).register(code, terms, metadata), metadata, terms };
  };
  await (
    await register("hrss", "social-insurance-status", ["idNumber", "status", "monthlyBase"], CONDITIONAL, true).tx
  ).wait();
  const household = register(
    "public-security",
    "household-registration",
    ["idNumber", "name", "address"],
    CONDITIONAL,
    true,
  );
  await measure(
    "catalog.register",
    household.tx,
    `conditional personal resource, 3 items, ${Buffer.byteLength(household.metadata)}-byte metadata JSON in the event`,
  );
  await (await register("health", "hospital-directory", ["name", "address"], UNCONDITIONAL, false).tx).wait();
  const insuranceId = await catalog.resourceIdOf(id("hrss"), "social-insurance-status");
  const householdId = await catalog.resourceIdOf(id("public-security"), "household-registration");
  const directoryId = await catalog.resourceIdOf(id("health"), "hospital-directory");
  await measure(
    "catalog.update",
    catalog
      .connect(op["public-security"])
      .update(householdId, household.terms, household.metadata.replace("daily", "weekly")),
    "same terms, new metadata (version 2)",
  );
  await measure(
    "catalog.setAcceptedLegalBases",
    catalog.connect(op.health).setAcceptedLegalBases(directoryId, 0b0011),
    "the provider narrows the legal bases it accepts (consent, statutory duty); packed in the resource's second slot",
  );

  // ---------------------------------------------------------------- agreements
  const civil = op["gz-civil-affairs"];
  const purpose = ethers.encodeBytes32String("minimum-living-allowance");
  const requestOf = async (resourceId: string, legalBasis: number, coConsumers: string[] = []) => {
    return {
      resourceId,
      coConsumers,
      fieldMask: 0b011n,
      purpose,
      legalBasis,
      validFrom: now,
      validUntil: now + 365 * DAY,
      quota: { calls: 1000, per: PERIOD_DAY },
      termsHash: ethers.id("service contract text"),
    };
  };
  // Agreement #1 (creates the agreement counter; not measured): insurance status under a statutory duty, which on
  // personal data names its legal reference and waits for the provider.
  await (
    await agreements
      .connect(civil)
      .requestWithLegalReference(await requestOf(insuranceId, STATUTORY_DUTY), ethers.id("legal reference"))
  ).wait();
  await (await agreements.connect(op.hrss).approve(1)).wait();
  // Agreement #2: household registration on the basis of consent (conditional, personal: requires consent).
  await measure(
    "agreement.request.conditional",
    agreements.connect(civil).request(await requestOf(householdId, CONSENT)),
    "agreement #2, no co-consumer; stays Requested until the provider answers (reply deadline counted on the calendar)",
  );
  await measure(
    "agreement.approve",
    agreements.connect(op["public-security"]).approve(2),
    "the provider's operator approves; no co-consumer, so it becomes Active",
  );
  // Agreement #3: with one co-consumer, who seals after the provider's approval.
  await measure(
    "agreement.request.conditional.coConsumer",
    agreements.connect(civil).request(await requestOf(householdId, CONSENT, [id("hrss")])),
    "agreement #3, one co-consumer (one more slot)",
  );
  await (await agreements.connect(op["public-security"]).approve(3)).wait();
  await measure(
    "agreement.seal",
    agreements.connect(op.hrss).seal(3),
    "the co-consumer's operator seals after the provider approved: the last seal, it becomes Active",
  );
  await measure(
    "agreement.request.unconditional",
    agreements.connect(civil).request(await requestOf(directoryId, STATUTORY_DUTY)),
    "agreement #4, unconditional resource: Active at once",
  );
  await measure(
    "agreement.requestWithLegalReference",
    agreements
      .connect(civil)
      .requestWithLegalReference(await requestOf(insuranceId, STATUTORY_DUTY), ethers.id("legal reference")),
    "agreement #5, statutory duty on personal data: Requested with a reply deadline, the reference in its own event",
  );
  // Returned data (回流): the data bureau's conditional resource, returned to the city department below it.
  await (
    await register("data-bureau", "returned-register", ["idNumber", "name", "address"], CONDITIONAL, true).tx
  ).wait();
  const returnedId = await catalog.resourceIdOf(id("data-bureau"), "returned-register");
  await measure(
    "catalog.setReturned",
    catalog.connect(op["data-bureau"]).setReturned(returnedId, true),
    "the provider marks a resource returned (回流): one fresh slot",
  );
  await measure(
    "agreement.request.returned",
    agreements.connect(civil).request(await requestOf(returnedId, CONSENT)),
    "agreement #6, the city department below the provider: Active at once (reads both departments and one parent link)",
  );
  await measure(
    "agreement.terminate",
    agreements.connect(op.health).terminate(4, ethers.id("reason: the directory is withdrawn")),
    "the provider terminates agreement #4 with a reason hash",
  );

  // ---------------------------------------------------------------- grants
  // Fixed keys, so that every run sends the same bytes (calldata gas depends on them).
  const system = new ethers.Wallet(ethers.id("bench: civil-affairs system account")).address;
  // Grant #1 (creates the grant counter; not measured).
  await (await grants.connect(civil).issue(1, system, 0b001n, 0, 100, PERIOD_DAY)).wait();
  await measure(
    "grant.issue",
    grants.connect(civil).issue(2, system, 0b011n, 0, 100, PERIOD_DAY),
    "grant #2 under agreement #2; reads the agreement from SharingAgreements",
  );
  await measure("grant.pause", grants.connect(op["public-security"]).pause(2), "by the provider's operator");
  await measure("grant.resume", grants.connect(op["public-security"]).resume(2), "by the provider's operator");

  // ---------------------------------------------------------------- consents
  // The civil-affairs bureau records, at its counter, a citizen's consent to its own use of household data.
  const civilId = id("gz-civil-affairs");
  const termsOf = async (identity: string, recipient = civilId, resourceId = householdId): Promise<Terms> => {
    return {
      key: { subjectRef: subjectRefOf(identity), recipient, resourceId, purpose },
      separate: true,
      validFrom: now,
      validUntil: now + 180 * DAY,
    };
  };
  const recorded = await termsOf("citizen-1");
  await measure(
    "consent.record",
    consents.connect(civil).record(recorded, ethers.id("ISO/IEC 27560 consent record #1")),
    "new key; the recording department is the recipient (the scenario's counter)",
  );
  const forOther = await termsOf("citizen-2", id("hrss"), insuranceId);
  await measure(
    "consent.record.otherRecipient",
    consents.connect(civil).record(forOther, ethers.id("ISO/IEC 27560 consent record #2")),
    "new key; the recipient is another department (one more cold department slot)",
  );
  await measure(
    "consent.record.superseding",
    consents.connect(civil).record(recorded, ethers.id("ISO/IEC 27560 consent record #1, renewed")),
    "same key again: the active consent is superseded (slot rewritten, two events)",
  );
  const batch = [];
  for (let i = 0; i < 100; i++) {
    batch.push({
      terms: await termsOf(`counter-form-${i}`),
      evidenceHash: ethers.id(`ISO/IEC 27560 consent record, paper form ${i}`),
    });
  }
  await measure(
    "consent.recordBatch.per100",
    consents.connect(civil).recordBatch(batch),
    "100 new keys of one recipient in one call, divided by 100",
    100,
  );
  await measure(
    "consent.withdraw",
    consents.connect(civil).withdraw(recorded.key, ethers.id("withdrawal request form #7")),
    "department path: an operator acts on the subject's request, with the request's hash",
  );
  const toRevoke = batch[0].terms;
  await measure("consent.revoke", consents.connect(civil).revoke(toRevoke.key), "by the recording department");

  const domain: TypedDataDomain = eip712Domain(
    "ConsentRegistry",
    (await ethers.provider.getNetwork()).chainId,
    await consents.getAddress(),
  );
  const citizen: Signer = new ethers.Wallet(ethers.id("bench: a citizen's key"));
  const citizenAddress = await citizen.getAddress();
  const signConsent = async (terms: Terms, deadline: number) =>
    citizen.signTypedData(domain, CONSENT_TYPES, {
      ...terms.key,
      separate: terms.separate,
      validFrom: terms.validFrom,
      validUntil: terms.validUntil,
      nonce: await consents.nonces(citizenAddress),
      deadline,
    });
  const deadline = now + DAY;
  const signedFirst = await termsOf("citizen-3");
  await measure(
    "consent.recordWithSignature.firstNonce",
    consents
      .connect(civil)
      .recordWithSignature(signedFirst, citizenAddress, deadline, await signConsent(signedFirst, deadline)),
    "the signer's first signature: its nonce slot is created",
  );
  const signed = await termsOf("citizen-3", civilId, insuranceId);
  await measure(
    "consent.recordWithSignature",
    consents.connect(civil).recordWithSignature(signed, citizenAddress, deadline, await signConsent(signed, deadline)),
    "the signer's second signature for the same subject (nonce slot exists, the subject's key already bound)",
  );
  const [, signedId] = await consents.activeConsent(
    signed.key.subjectRef,
    signed.key.recipient,
    signed.key.resourceId,
    signed.key.purpose,
  );
  const withdrawal = await citizen.signTypedData(domain, WITHDRAWAL_TYPES, {
    consentId: signedId,
    nonce: await consents.nonces(citizenAddress),
    deadline,
  });
  await measure(
    "consent.withdrawWithSignature",
    consents.connect(civil).withdrawWithSignature(signed.key, deadline, withdrawal),
    "the subject's signature, submitted by a department's gateway",
  );

  const rotation = await citizen.signTypedData(domain, KEY_ROTATION_TYPES, {
    subjectRef: signed.key.subjectRef,
    newKey: ethers.computeAddress(ethers.id("bench: the citizen's new key")),
    nonce: await consents.nonces(citizenAddress),
    deadline,
  });
  await measure(
    "consent.rotateSubjectKey",
    consents
      .connect(civil)
      .rotateSubjectKey(
        signed.key.subjectRef,
        ethers.computeAddress(ethers.id("bench: the citizen's new key")),
        deadline,
        rotation,
      ),
    "the subject's old key signs the rotation to its new key, submitted by a department's gateway",
  );

  // ---------------------------------------------------------------- access ledger
  const receipts: Receipt[] = [];
  const receiptsUpTo = (last: number): Receipt[] => {
    for (let sequence = receipts.length + 1; sequence <= last; sequence++) {
      const delivered = sequence % 10 !== 0;
      const r: Receipt = {
        id: receiptId(civilId, sequence),
        sequence,
        time: 1_760_000_000 + sequence,
        department: civilId,
        account: system,
        grantId: "2",
        agreementId: "2",
        consentId: signedId,
        provider: id("public-security"),
        resourceId: householdId,
        resourceVersion: 2,
        fieldMask: "0x3",
        subjectRef: subjectRefOf(`citizen-${sequence}`),
        purpose,
        result: delivered ? "delivered" : "denied",
        reason: delivered ? "ok" : "consent_withdrawn",
        requestHash: ethers.id(`request ${sequence}`),
        responseHash: delivered ? ethers.id(`response ${sequence}`) : ethers.ZeroHash,
        prevHash: receipts.length === 0 ? ethers.ZeroHash : receiptLeaf(receipts[receipts.length - 1]),
      };
      receipts.push(r);
    }
    return receipts.slice(0, last);
  };
  let previousRoot = ethers.ZeroHash;
  let batchSequence = 0;
  const anchorBatch = async (name: string, count: number, note: string, divideBy = 1) => {
    const first = receipts.length + 1;
    const built = buildBatch(receiptsUpTo(first + count - 1).slice(first - 1));
    batchSequence += 1;
    const tx = ledger
      .connect(civil)
      .anchor(batchSequence, built.root, built.receiptCount, built.firstSequence, built.lastSequence, previousRoot);
    const used = await measure(name, tx, note, divideBy);
    previousRoot = built.root;
    return used;
  };
  await anchorBatch(
    "ledger.anchor.first",
    16,
    "the department's FIRST batch (16 receipts): also creates its head slot",
  );
  await anchorBatch("ledger.anchor", 64, "the department's second batch (64 receipts)");
  const big = await anchorBatch(
    "ledger.anchor.perReceipt.1024",
    1024,
    "third batch, 1,024 receipts built with buildBatch; the anchor's gas divided by 1,024",
    1024,
  );
  gas["ledger.anchor.1024"] = big;
  notes["ledger.anchor.1024"] = "the same third batch, whole: anchoring costs the same whatever the receipt count";
  await measure(
    "ledger.declareLoss",
    ledger.connect(civil).declareLoss(2, ethers.id("bench: incident report of a lost gateway disk")),
    "the department's admin declares its batches 2 and 3 lost (one fresh slot; the event names the receipt range)",
  );

  // ---------------------------------------------------------------- demands, responsibilities, objections
  const demands = await at<DemandRegistry>("DemandRegistry");
  const objections = await at<Objections>("Objections");
  const demandJson = canonicalJson({
    description: "Pension insurance status of minimum-living-allowance applicants, as a monthly list",
    dataItems: [
      { name: "insuranceType", type: "string" },
      { name: "status", type: "string" },
    ],
    purpose: "means test for the minimum living allowance",
    legalBasis: "statutory_duty",
    whyNotExisting: "The catalog has the status one citizen at a time, not as a monthly list.",
  });
  const councilCall = (target: ContractName, data: string) =>
    bureau.propose(CALL, encodeCallPayload(deployment.contracts[target], data));
  // Demand #1 creates the counter (not measured).
  await (await demands.connect(civil).publish(demandJson)).wait();
  await measure(
    "demand.publish",
    demands.connect(civil).publish(demandJson),
    `the second demand: a ${demandJson.length}-byte demand JSON in the event, its hash and the requester stored`,
  );
  await measure(
    "demand.answer",
    demands.connect(op["public-security"]).answer(2, householdId),
    "a provider links its active resource (one catalog read)",
  );
  await measure(
    "demand.assign+execute",
    councilCall("DemandRegistry", demands.interface.encodeFunctionData("assign", [1, id("hrss"), 10])),
    "a council Call proposal (one seat: executes at once); the due date counted on the calendar (ten working days)",
  );
  await measure(
    "demand.fulfil",
    demands.connect(op.hrss).fulfil(1, insuranceId),
    "the responsible department links its active resource",
  );
  const objectionText = "Addresses of a demolished street are still listed for 37 households";
  // Objection #1 creates the counter (not measured).
  await (await objections.connect(civil).raise(householdId, 0b100n, objectionText, ethers.id("evidence #1"))).wait();
  await measure(
    "objection.raise",
    objections.connect(civil).raise(householdId, 0b100n, objectionText, ethers.id("evidence #2")),
    `the second objection: a ${objectionText.length}-byte description in the event; the answer deadline (ten working days) from the calendar`,
  );
  await measure(
    "objection.correct",
    objections.connect(op["public-security"]).correct(1, ethers.id("correction note")),
    "the provider answers with a correction note's hash",
  );
  await measure(
    "objection.dispute",
    objections.connect(op["public-security"]).dispute(2, ethers.id("dispute reason")),
    "the provider answers with a reason hash",
  );
  await measure("objection.escalate", objections.connect(civil).escalate(2), "the consumer, after the dispute");
  await measure(
    "objection.councilDecide+execute",
    councilCall("Objections", objections.interface.encodeFunctionData("councilDecide", [2, false, ethers.id("no")])),
    "a council Call proposal (one seat: executes at once) dismissing it with a reason hash",
  );
  await measure(
    "consortium.propose.setObjectionAnswerDeadline+execute",
    bureau.propose(PROPOSAL_ACTION.toIndex("set_objection_answer_deadline"), encodeWorkingDaysPayload(15)),
    "a council proposal (one seat: executes at once) setting the objection answer deadline to 15 working days",
  );

  // ---------------------------------------------------------------- output
  const order = Object.keys(gas).sort((a, b) => a.localeCompare(b));
  const sorted = Object.fromEntries(order.map((k) => [k, gas[k]]));
  const file = path.join(hre.config.paths.root, "bench", "results", "gas.json");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(sorted, null, 2) + "\n");

  const fmt = (n: number) => n.toLocaleString("en-US");
  console.table(
    order.map((k) => ({
      operation: k,
      gas: fmt(gas[k]),
      target: TARGETS[k] === undefined ? "" : `<= ${fmt(TARGETS[k])}`,
      met: TARGETS[k] === undefined ? "" : gas[k] <= TARGETS[k] ? "yes" : "NO",
    })),
  );
  console.table(
    CONTRACT_NAMES.map((n) => ({
      contract: n,
      "deployed bytes": fmt(sizes[n]),
      "of 24,576": `${Math.round((100 * sizes[n]) / 24_576)}%`,
    })),
  );
  console.log("Notes:");
  for (const k of order) if (notes[k]) console.log(`  ${k}: ${notes[k]}`);
  console.log(
    `\nGas used by each transaction (21,000 intrinsic and calldata included), network ${hre.network.name} ` +
      `(hardfork ${hre.config.networks.hardhat.hardfork}); every transaction in its own block, so all storage starts ` +
      `cold. First calls that create a counter slot (proposal #1, agreement #1, grant #1) are not measured; ` +
      `the keys ending in .first / .firstNonce are such first calls, labelled.\nwritten to ${path.relative(process.cwd(), file)}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
