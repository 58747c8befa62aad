/**
 * What the clerks' forms and the council's cases need before the browser: a request with a co-requester under a
 * one-working-day reply deadline (so that the development chain's clock has only a little way to go past it), set up
 * over the API as `npm run demo` does; and the clock moved past that deadline, which only a Hardhat node allows.
 */
import { Interface, getAddress, id as keccakUtf8 } from "ethers";
import { z } from "zod";
import { chainTime, jsonRpc } from "../../../scripts/harness";
import type { Credentials } from "../../../scripts/lib/dev-files";
import { GatewayClient, idSchema } from "../../../scripts/lib/gateway-client";
import { makeOrganUscc } from "../../../core/identity/uscc";
import { COUNCIL, CONSUMER, department, indexedAt } from "./story";

export const CO_REQUESTER = "hrss";
export const CASE_PURPOSE = "disability-subsidy";
const CASE_PURPOSE_TEXT = "Eligibility check of a disability living subsidy (残疾人生活补贴)";
const DAY = 86_400;
const consortiumReads = new Interface(["function replyDeadline() view returns (uint64)"]);
const proposed = z.object({ proposalId: idSchema, status: z.string() }).loose();

async function replyDeadline(credentials: Credentials): Promise<number> {
  const data = (await jsonRpc(credentials.rpc, "eth_call", [
    { to: credentials.contracts.Consortium, data: consortiumReads.encodeFunctionData("replyDeadline") },
    "latest",
  ])) as string;
  return Number(consortiumReads.decodeFunctionResult("replyDeadline", data)[0]);
}

async function setReplyDeadline(credentials: Credentials, workingDays: number): Promise<void> {
  const council = department(credentials, COUNCIL);
  await new GatewayClient(council.gateway).post(
    "/v1/council/proposals",
    council.token,
    { action: "set_reply_deadline", workingDays },
    201,
    proposed,
  );
  const now = await replyDeadline(credentials);
  if (now !== workingDays) throw new Error(`the reply deadline is ${now} working days, not ${workingDays}`);
}

/**
 * Civil affairs requests one field of health's resource with human resources and social security as co-requester,
 * under a one-working-day reply deadline; the council's usual deadline is restored afterwards.
 */
export async function requestWithCoRequester(credentials: Credentials, resourceId: string): Promise<string> {
  const civil = department(credentials, CONSUMER);
  const coRequester = department(credentials, CO_REQUESTER);
  const usual = await replyDeadline(credentials);
  await setReplyDeadline(credentials, 1);
  try {
    const now = await chainTime(credentials.rpc);
    const requested = await new GatewayClient(civil.gateway).post(
      "/v1/agreements",
      civil.token,
      {
        resourceId,
        fields: ["bloodType"],
        purpose: { code: CASE_PURPOSE, text: CASE_PURPOSE_TEXT },
        legalBasis: "consent",
        coConsumers: [coRequester.id],
        validUntil: new Date((now + 365 * DAY) * 1000).toISOString(),
        terms: { text: "Only to check the applicant's disability record; deleted after the decision." },
      },
      201,
      z.object({ agreementId: idSchema, status: z.literal("requested") }),
    );
    return requested.agreementId;
  } finally {
    if (usual !== 1) await setReplyDeadline(credentials, usual);
    for (const key of [CONSUMER, CO_REQUESTER, "health", COUNCIL]) {
      await indexedAt(credentials, department(credentials, key));
    }
  }
}

/** The development chain's clock moved a minute past a deadline (the contract wants a block strictly after it). */
export async function movePast(credentials: Credentials, deadlineIso: string): Promise<void> {
  const client = String(await jsonRpc(credentials.rpc, "web3_clientVersion"));
  if (!/hardhat/i.test(client)) throw new Error(`the chain (${client}) is no Hardhat node: its clock cannot be moved`);
  const move = Math.max(0, Date.parse(deadlineIso) / 1000 - (await chainTime(credentials.rpc))) + 60;
  await jsonRpc(credentials.rpc, "evm_increaseTime", [move]);
  await jsonRpc(credentials.rpc, "evm_mine");
}

/**
 * A department to admit that this stack has not seen yet: a code and an admin account derived from how many
 * departments there are, so that a second run against the same stack proposes another one (never random).
 */
export function newDepartment(memberCount: number) {
  const serial = String(memberCount).padStart(4, "0");
  const code = makeOrganUscc("440100", `MB2C9${serial}`);
  return {
    name: `广州市残疾人联合会 ${serial}`,
    code,
    wrongCode: `${code.slice(0, 17)}${code[17] === "0" ? "1" : "0"}`,
    regionCode: "440100",
    admin: getAddress(`0x${keccakUtf8(`console admission ${serial}`).slice(-40)}`),
  };
}
