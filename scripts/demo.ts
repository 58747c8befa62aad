/**
 * `npm run demo`: the "one card for everything" (一卡通用) story, over HTTP against the gateways that `npm start` runs,
 * each step at the acting department's own gateway with its token, from credentials.json (`KUAJIE_DATA_DIR`, default
 * .kuajie/dev). Each step is printed; the first step that fails stops the demo with exit status 1.
 *
 * Guangzhou's civil affairs bureau checks an applicant for the minimum living allowance: it needs the household
 * registration (public security), the pension insurance status (HRSS), the health card (health) and the province's
 * population base (the data bureau, data the cities reported up and the province returns to them, 回流) of one citizen.
 * The providers register their resources, the data bureau marking its population base returned; civil affairs asks
 * for agreements, the one on the returned resource active at once (civil affairs is below the data bureau); public
 * security and HRSS approve, health does not answer. Civil affairs issues grants, records the citizen's separate consent, fetches (only the granted
 * fields come back), the citizen withdraws her consent, the next fetch is refused, and the receipts of all of it are
 * anchored on chain; her consent is exported as an ISO/IEC TS 27560 record and a Kantara Consent Receipt. Then health's silence: past the reply deadline the request is escalated and the council (the data
 * bureau) decides; and the auditor verifies both sides' receipts from the chain alone (and pairs them).
 *
 * The escalation needs the chain's clock past the reply deadline, and the chain's clock is shared by every client of
 * the stack (a signature's deadline, a consent's validity, the scorecard's period are all judged by it). So the
 * council first sets the reply deadline to the contracts' minimum (one day) for the demo's requests, the clock is moved
 * only by that day (and a minute) as the story's last chain step, said plainly, and the council restores the usual
 * deadline afterwards.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Interface } from "ethers";
import { z } from "zod";
import { DEMO_RESOURCES, buildDemoDatasets, type ResourceDefinition } from "../backends/datasets";
import { catalogBody } from "./lib/demo-catalog";
import {
  backendsFileSchema,
  credentialsSchema,
  devDataDir,
  devFiles,
  readJsonFile,
  writeJsonFile,
  type BackendsFile,
  type Credentials,
} from "./lib/dev-files";
import { waitForIndexed } from "./harness/indexed";
import { chainTime, jsonRpc } from "./harness/json-rpc";
import { GatewayClient, UnexpectedAnswer, idSchema } from "./lib/gateway-client";

const ROOT = path.resolve(__dirname, "..");
const AUDITOR_CLI = path.join(ROOT, "scripts/audit/cli.ts");
/** The auditor's pairing of both sides' receipts (issue 10), where this checkout has it. */
const AUDITOR_EXCHANGE = path.join(ROOT, "scripts/audit/commands/exchange.ts");
const TS_NODE = path.join(ROOT, "node_modules/.bin/ts-node");

const PURPOSE = "minimum-living-allowance";
const CONSUMER = "gz-civil-affairs";
const COUNCIL = "data-bureau";
const ID_TYPE = "resident_id";
const DAY = 86_400;
/** The shortest reply deadline the Consortium contract accepts, in working days: the demo's requests are filed under it. */
const DEMO_REPLY_DEADLINE = 1;
/** A filing the calendar step counts across a holiday: Friday 25 September 2026 (Mid-Autumn), before National Day. */
const HOLIDAY_FILING = { date: "2026-09-25", time: Date.parse("2026-09-25T10:00:00+08:00") / 1000 };
/** How far past the reply deadline the clock is moved: the contract wants the block strictly after it. */
const PAST_DEADLINE_SECONDS = 60;
const ANCHOR_WAIT_MS = 60_000;
/** How long a gateway may take to index the latest block. */
const SYNC_WAIT_MS = 30_000;

/** What civil affairs asks of each personal resource: enough to assess the application, not the whole record. */
const WANTED_FIELDS: Record<string, readonly string[]> = {
  "household-registration": ["name", "householdType", "address"],
  "social-insurance-status": ["insuranceType", "status", "monthlyBase"],
  "health-card": ["bloodType", "lastCheckup"],
  "population-base": ["residenceDistrict", "householdSize", "maritalStatus"],
};
/** The provider that does not answer in the story. */
const SILENT_PROVIDER = "health";

class StepFailed extends Error {}

type Out = (line: string) => void;

export interface DemoOptions {
  /** Where `npm start` keeps its files; default KUAJIE_DATA_DIR or .kuajie/dev. */
  dataDir?: string;
  out?: Out;
}

const maskId = (idNumber: string) => `${idNumber.slice(0, 6)}********${idNumber.slice(-4)}`;
const short = (hex: string) => (hex.length > 14 ? `${hex.slice(0, 10)}…${hex.slice(-4)}` : hex);
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------- answer shapes

const resourceCreated = z.object({ resourceId: z.string(), version: z.number(), txHash: z.string() });
const resourceList = z.object({
  items: z.array(
    z.object({
      code: z.string(),
      resourceId: z.string().optional(),
      id: z.string().optional(),
      returned: z.boolean().optional(),
    }),
  ),
  block: z.number(),
});
const markedAnswer = z.object({ txHash: z.string() }).loose();
const agreementCreated = z.object({ agreementId: idSchema, status: z.string() });
const withStatus = z.object({ status: z.string() });
const demandAnswer = z
  .object({
    demandId: z.number(),
    status: z.string(),
    dueAt: z.string().nullable(),
    dueDate: z.string().nullable(),
    dueWorkingDaysLeft: z.number().nullable(),
    fulfilledOnTime: z.boolean().nullable(),
  })
  .loose();
const assignmentAnswer = z.object({ proposal: z.object({ status: z.string() }).loose(), demand: demandAnswer });
const objectionAnswer = z
  .object({
    objectionId: z.number(),
    status: z.string(),
    answerDeadline: z.string(),
    answerDeadlineDate: z.string(),
    answerWorkingDaysLeft: z.number().nullable(),
    answeredOnTime: z.boolean().nullable(),
  })
  .loose();
const proposalCreated = z.object({ proposalId: idSchema }).loose();
const grantCreated = z.object({ grantId: idSchema });
const subjectRefAnswer = z.object({ subjectRef: z.string() });
const consentList = z.object({
  items: z.array(z.object({ consentId: idSchema.optional(), status: z.string() }).loose()),
});
const ledgerEvent = z.object({ blockNumber: z.number(), transactionHash: z.string() }).loose();
const iso27560Record = z
  .object({ events: z.array(z.object({ event_state: z.string(), chain_evidence: ledgerEvent.nullable() }).loose()) })
  .loose();
const kantaraReceipt = z
  .object({ version: z.string(), piiPrincipalId: z.string(), consentStatus: z.string(), spiCat: z.array(z.string()) })
  .loose();
const consentCreated = z.object({ consentId: idSchema, subjectRef: z.string(), status: z.literal("active") });
const fetched = z.object({
  data: z.union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))]),
  receipt: z.object({ id: idSchema, status: z.string() }),
});
const refused = z.object({ status: z.number(), reason: z.string(), receiptId: idSchema }).loose();
const receiptAnswer = z
  .object({
    receipt: z.record(z.string(), z.unknown()),
    leaf: z.string(),
    status: z.enum(["pending", "anchored"]),
    batch: z.object({ sequence: z.number(), root: z.string(), txHash: z.string(), blockNumber: z.number() }).optional(),
    proof: z.array(z.string()).optional(),
  })
  .loose();
const receiptList = z.object({
  items: z.array(z.object({ receipt: z.object({ id: z.string(), department: z.string(), time: z.number() }).loose() })),
});
/** The most receipts `GET /v1/receipts` returns at once. */
const RECEIPT_PAGE = 1000;
const departmentList = z.object({
  items: z.array(z.object({ key: z.string().nullable(), status: z.string() }).loose()),
  block: z.number(),
});
const health = z.object({ status: z.string(), chainId: z.number(), blockNumber: z.number() }).loose();
const replyDeadlineAnswer = z
  .object({
    replyDeadline: z.string().nullable(),
    replyDeadlineDate: z.string().nullable(),
    replyWorkingDaysLeft: z.number().nullable(),
    status: z.string(),
  })
  .loose();

// ---------------------------------------------------------------------------------------------- the story

class Demo {
  /** The data bureau's gateway (credentials' top-level `gateway`), for what needs no department. */
  private readonly client: GatewayClient;
  /** Each department's own gateway: its token works only there. */
  private readonly clients: Record<string, GatewayClient>;
  private readonly token: Record<string, string>;
  private readonly deptId: Record<string, string>;
  private step = 0;
  private readonly receiptIds: string[] = [];

  constructor(
    private readonly credentials: Credentials,
    private readonly backends: BackendsFile,
    private readonly dataDir: string,
    private readonly out: Out,
  ) {
    this.client = new GatewayClient(credentials.gateway);
    this.clients = Object.fromEntries(credentials.departments.map((d) => [d.key, new GatewayClient(d.gateway)]));
    this.token = Object.fromEntries(credentials.departments.map((d) => [d.key, d.token]));
    this.deptId = Object.fromEntries(credentials.departments.map((d) => [d.key, d.id]));
  }

  /**
   * The department's own gateway, once it has indexed the chain up to the latest block: every gateway keeps its own
   * view of the chain, so what one department just did elsewhere (a resource registered, an agreement approved) is
   * waited for here before another acts on it.
   */
  private async at(key: string): Promise<GatewayClient> {
    const client = this.clients[key];
    await waitForIndexed(client.baseUrl, this.token[key], this.credentials.rpc, SYNC_WAIT_MS);
    return client;
  }

  private heading(title: string): void {
    this.step += 1;
    this.out(`\n${String(this.step).padStart(2)}. ${title}`);
  }
  private ok(line: string): void {
    this.out(`    ✓ ${line}`);
  }
  private note(line: string): void {
    this.out(`    · ${line}`);
  }

  async run(): Promise<void> {
    const { credentials, client } = this;
    this.out("Kuajie demo: 一卡通用, one card for everything, each department through its own gateway");
    for (const d of credentials.departments) {
      const h = await this.clients[d.key].get("/healthz", null, health);
      this.note(`${d.key}'s gateway ${d.gateway}: ${h.status}, chain ${h.chainId} at block ${h.blockNumber}`);
    }
    const members = await client.get("/v1/departments", this.token[COUNCIL], departmentList);
    this.note(`members: ${members.items.map((m) => `${m.key ?? "?"} (${m.status})`).join(", ")}`);

    const resources = await this.registerResources();
    await this.countAcrossHoliday();
    const usualDeadline = await this.shortenReplyDeadline();
    const agreements = await this.requestAgreements(resources);
    await this.providersAnswer(agreements);
    // The silent provider's request waits for the escalation at the end; the others are used now.
    const usable = new Set([...agreements.values()].filter((a) => !isSilent(a)).map((a) => a.def.code));
    const grants = await this.issueGrants(agreements, usable);
    const person = await this.chooseCitizen();
    const consents = await this.recordConsents(person, resources, usable);
    await this.fetchAll(person, grants, usable);
    await this.withdraw(consents);
    await this.fetchRefused(person, grants, usable);
    const sides = await this.receiptsAnchored();
    await this.consentTrail(person.subjectRef);
    await this.demandAndObjection(resources);
    await this.escalate(agreements, usualDeadline);
    this.auditorVerdict(sides);
    this.out("\nThe demo story ran to the end.");
  }

  /**
   * Step 1: each provider registers its resources at its own gateway, with `upstream.url` its own backend (kept by
   * that gateway: the consumer's gateway asks the provider's, never the backend).
   */
  private async registerResources(): Promise<Map<string, string>> {
    this.heading("Public security, HRSS, health and the data bureau register their resources at their own gateways");
    const ids = new Map<string, string>();
    for (const def of DEMO_RESOURCES) {
      const token = this.token[def.provider];
      const provider = await this.at(def.provider);
      const existing = await provider.get(
        `/v1/catalog/resources?provider=${this.deptId[def.provider]}`,
        token,
        resourceList,
      );
      const found = existing.items.find((item) => item.code === def.code);
      if (found && (found.resourceId ?? found.id)) {
        const resourceId = (found.resourceId ?? found.id)!;
        ids.set(def.code, resourceId);
        this.note(`${def.provider} already has ${def.code} (${short(resourceId)}): reused`);
        if (def.returned && found.returned !== true) await this.markReturned(def, resourceId);
        continue;
      }
      const created = await provider.post(
        "/v1/catalog/resources",
        token,
        catalogBody(def, this.backends),
        201,
        resourceCreated,
      );
      ids.set(def.code, created.resourceId);
      this.ok(
        `${def.provider} registered ${def.code} (${def.shareType}, ${def.securityLevel}${def.sensitive ? ", sensitive" : ""}, ` +
          `${def.fields.length} fields) → resource ${short(created.resourceId)} v${created.version}, tx ${short(created.txHash)}`,
      );
      if (def.returned) await this.markReturned(def, created.resourceId);
    }
    return ids;
  }

  /**
   * The provider marks its resource returned (回流) to the departments below it in its region: for them an agreement
   * on it is active at once, as on an unconditional resource.
   */
  private async markReturned(def: ResourceDefinition, resourceId: string): Promise<void> {
    const provider = await this.at(def.provider);
    const marked = await provider.post(
      `/v1/catalog/resources/${resourceId}/returned`,
      this.token[def.provider],
      { returned: true },
      200,
      markedAnswer,
    );
    this.ok(
      `${def.provider} marked ${def.code} returned (回流) to the departments below it in Guangdong (parent links, ` +
        `GB/T 2260 region 44xxxx), tx ${short(marked.txHash)}`,
    );
  }

  /**
   * Step 1b: reply deadlines are counted in working days on the calendar the council published (npm start publishes
   * the official schedule from chinese-days). Asked of the contract itself: a request filed on the Friday before
   * National Day 2026 is due ten working days later, past the holiday week, counting the make-up Saturday.
   */
  private async countAcrossHoliday(): Promise<void> {
    const usual = await this.replyDeadline();
    this.heading(`Reply deadlines in working days (${usual}) on the council's calendar, across a holiday`);
    const calendar = this.credentials.contracts.WorkingCalendar;
    if (!calendar) throw new StepFailed("the deployment has no WorkingCalendar");
    const read = async (method: "deadlineAfter" | "workingDaysLeft", args: readonly unknown[]) => {
      try {
        const data = (await jsonRpc(this.credentials.rpc, "eth_call", [
          { to: calendar, data: calendarReads.encodeFunctionData(method, args) },
          "latest",
        ])) as string;
        return Number(calendarReads.decodeFunctionResult(method, data)[0]);
      } catch (err) {
        return err instanceof Error ? err.message : String(err);
      }
    };
    const deadline = await read("deadlineAfter", [HOLIDAY_FILING.time, usual]);
    if (typeof deadline !== "number") {
      this.note(`the calendar of 2026 is not published on this chain (${deadline}): deadlines cannot be counted`);
      return;
    }
    const counted = await read("workingDaysLeft", [HOLIDAY_FILING.time, deadline]);
    this.ok(
      `a request filed on Friday ${HOLIDAY_FILING.date} (Mid-Autumn Festival) is due by the end of ` +
        `${iso(deadline + 8 * 3600).slice(0, 10)} CST (${iso(deadline)}): ${counted} working days, skipping the ` +
        "National Day week (1–7 October) and counting the make-up Saturday 10 October (调休)",
    );
  }

  /**
   * Step 2: the council sets the reply deadline to the contracts' minimum for the demo's requests, so that the
   * escalation later moves the shared chain clock by one working day (and the weekend or holiday after it, if any),
   * not by the usual ten. Returns the usual deadline.
   */
  private async shortenReplyDeadline(): Promise<number> {
    this.heading(`The council sets a ${DEMO_REPLY_DEADLINE}-working-day reply deadline for the demo's requests`);
    const usual = await this.replyDeadline();
    if (usual === DEMO_REPLY_DEADLINE) {
      this.note(`the reply deadline is already ${DEMO_REPLY_DEADLINE} working day`);
      return usual;
    }
    await this.setReplyDeadline(DEMO_REPLY_DEADLINE);
    this.ok(
      `${COUNCIL} (the council's only seat) set the reply deadline from ${usual} working days to ${DEMO_REPLY_DEADLINE} (the contracts' minimum); restored after the escalation`,
    );
    return usual;
  }

  /** The Consortium's reply deadline in working days, read from the chain. */
  private async replyDeadline(): Promise<number> {
    const data = (await jsonRpc(this.credentials.rpc, "eth_call", [
      { to: this.credentials.contracts.Consortium, data: consortiumReads.encodeFunctionData("replyDeadline") },
      "latest",
    ])) as string;
    return Number(consortiumReads.decodeFunctionResult("replyDeadline", data)[0]);
  }

  private async setReplyDeadline(workingDays: number): Promise<void> {
    await (
      await this.at(COUNCIL)
    ).post(
      "/v1/council/proposals",
      this.token[COUNCIL],
      { action: "set_reply_deadline", workingDays },
      201,
      proposalCreated,
    );
    const now = await this.replyDeadline();
    if (now !== workingDays)
      throw new StepFailed(
        `the reply deadline is ${now} working days after the council's proposal, not ${workingDays}`,
      );
  }

  /** Step 3: civil affairs asks for each resource, for one purpose, on the citizen's consent. */
  private async requestAgreements(resources: Map<string, string>): Promise<Map<string, Agreement>> {
    this.heading(`Guangzhou civil affairs requests agreements for the purpose "${PURPOSE}"`);
    const now = await chainTime(this.credentials.rpc);
    const agreements = new Map<string, Agreement>();
    for (const def of DEMO_RESOURCES) {
      const personal = def.personal;
      const fields = personal ? [...WANTED_FIELDS[def.code]] : def.fields.map((f) => f.name);
      const body = {
        resourceId: resources.get(def.code)!,
        fields,
        purpose: {
          code: PURPOSE,
          text: "Means test of an application for the minimum living allowance (最低生活保障)",
        },
        legalBasis: personal ? "consent" : "public_interest",
        validUntil: iso(now + 365 * DAY),
        quota: { calls: 1000, per: "day" },
        terms: { text: "Use only for the stated purpose; do not pass on; delete after the decision." },
      };
      const created = await (
        await this.at(CONSUMER)
      ).post("/v1/agreements", this.token[CONSUMER], body, 201, agreementCreated);
      const expected = activeAtOnce(def) ? "active" : "requested";
      if (created.status !== expected) {
        throw new StepFailed(`agreement for ${def.code}: status ${created.status}, expected ${expected}`);
      }
      agreements.set(def.code, { id: created.agreementId, def, fields });
      const why = def.returned
        ? ` at once (returned data 回流: ${CONSUMER} is below ${def.provider}; no approval, no seal)`
        : expected === "active"
          ? " at once (unconditional sharing)"
          : ` (conditional: ${def.provider} must answer)`;
      this.ok(`${def.code}: agreement ${created.agreementId} ${created.status}${why}, fields ${fields.join(", ")}`);
    }
    return agreements;
  }

  /**
   * The demand list and data quality: civil affairs publishes a demand the catalog does not serve; the council makes
   * HRSS responsible, due in working days on the council's calendar; HRSS fulfils it with its resource. Civil affairs
   * then objects to the addresses in public security's household registration, and public security corrects them.
   */
  private async demandAndObjection(resources: Map<string, string>): Promise<void> {
    this.heading("A demand assigned by the council and fulfilled; a data-quality objection corrected");
    const civil = await this.at(CONSUMER);
    const demand = await civil.post(
      "/v1/demands",
      this.token[CONSUMER],
      {
        description: "Pension insurance status of minimum-living-allowance applicants, as a monthly list",
        dataItems: [
          { name: "insuranceType", type: "string" },
          { name: "status", type: "string" },
        ],
        purpose: "means test for the minimum living allowance",
        legalBasis: "statutory_duty",
        legalReference: "《社会救助暂行办法》第十一条",
        whyNotExisting: "The catalog has the status one citizen at a time, not as a monthly list.",
      },
      201,
      demandAnswer,
    );
    this.ok(`${CONSUMER} published demand ${demand.demandId} (${demand.status})`);
    const assigned = await (
      await this.at(COUNCIL)
    ).post(
      "/v1/responsibilities",
      this.token[COUNCIL],
      { demandId: demand.demandId, responsible: this.deptId["hrss"], workingDays: 5 },
      201,
      assignmentAnswer,
    );
    if (assigned.demand.status !== "assigned") throw new StepFailed(`demand ${demand.demandId} was not assigned`);
    this.ok(
      `the council (proposal ${assigned.proposal.status}) made hrss responsible, due in 5 working days: by the end ` +
        `of ${assigned.demand.dueDate} CST (${assigned.demand.dueAt}), working days left after today: ` +
        `${assigned.demand.dueWorkingDaysLeft ?? "unknown"}`,
    );
    const resourceId = resources.get("social-insurance-status");
    if (resourceId === undefined) throw new StepFailed("HRSS has no social-insurance-status resource");
    const fulfilled = await (
      await this.at("hrss")
    ).post(`/v1/responsibilities/${demand.demandId}/fulfil`, this.token.hrss, { resourceId }, 200, demandAnswer);
    if (fulfilled.status !== "fulfilled") throw new StepFailed(`demand ${demand.demandId} is ${fulfilled.status}`);
    this.ok(`hrss fulfilled it with social-insurance-status (on time: ${String(fulfilled.fulfilledOnTime)})`);

    const household = resources.get("household-registration");
    if (household === undefined) throw new StepFailed("public security has no household-registration resource");
    const objection = await (
      await this.at(CONSUMER)
    ).post(
      "/v1/objections",
      this.token[CONSUMER],
      {
        resourceId: household,
        fields: ["address"],
        description: "Addresses of a demolished street are still listed for 37 households",
        evidenceHash: `0x${"5e".repeat(32)}`,
      },
      201,
      objectionAnswer,
    );
    this.ok(
      `${CONSUMER} objected to the addresses (objection ${objection.objectionId}), answer due by the end of ` +
        `${objection.answerDeadlineDate} CST (${objection.answerDeadline}), working days left after today: ` +
        `${objection.answerWorkingDaysLeft ?? "unknown"}`,
    );
    const corrected = await (
      await this.at("public-security")
    ).post(
      `/v1/objections/${objection.objectionId}/answer`,
      this.token["public-security"],
      { outcome: "corrected", note: "addresses updated from the 2026 demolition register" },
      200,
      objectionAnswer,
    );
    if (corrected.status !== "corrected")
      throw new StepFailed(`objection ${objection.objectionId} is ${corrected.status}`);
    this.ok(`public-security corrected it (on time: ${String(corrected.answeredOnTime)})`);
  }

  /** Step 4: the providers that answer approve; the silent one does not. */
  private async providersAnswer(agreements: Map<string, Agreement>): Promise<void> {
    this.heading("The providers answer");
    for (const { id, def } of agreements.values()) {
      if (activeAtOnce(def)) continue;
      if (def.provider === SILENT_PROVIDER) {
        this.note(`${def.provider} does not answer agreement ${id} (${def.code})`);
        continue;
      }
      const answer = await (
        await this.at(def.provider)
      ).post(`/v1/agreements/${id}/approve`, this.token[def.provider], {}, 200, withStatus);
      if (answer.status !== "active") throw new StepFailed(`agreement ${id} is ${answer.status} after approval`);
      this.ok(`${def.provider} approved agreement ${id} (${def.code}) → ${answer.status}`);
    }
  }

  /**
   * Step 13: past the reply deadline the consumer escalates the unanswered request, and the council decides. The
   * chain's clock has to pass the deadline, which only a development chain can be told to do: the one move of the
   * shared clock in the story, by the demo's one-day deadline and a minute, said plainly. Elsewhere the request stays
   * requested. The council then restores the usual reply deadline.
   */
  private async escalate(agreements: Map<string, Agreement>, usualDeadline: number): Promise<void> {
    const silent = [...agreements.values()].find(isSilent);
    if (!silent) return;
    this.heading(`No answer from ${SILENT_PROVIDER} by the reply deadline: escalation to the council`);
    const { rpc: rpcUrl } = this.credentials;
    const before = await (
      await this.at(CONSUMER)
    ).get(`/v1/agreements/${silent.id}`, this.token[CONSUMER], replyDeadlineAnswer);
    this.note(
      `agreement ${silent.id} is due by the end of ${before.replyDeadlineDate} CST (${before.replyDeadline}), ` +
        `counted on the council's calendar; working days left after today: ${before.replyWorkingDaysLeft ?? "unknown"}`,
    );
    const client = String(await jsonRpc(rpcUrl, "web3_clientVersion"));
    if (!/hardhat/i.test(client)) {
      this.note(
        `the chain (${client}) is not a Hardhat node: its clock cannot be moved past the reply deadline ` +
          `(${before.replyDeadline}), so agreement ${silent.id} stays ${before.status}`,
      );
    } else {
      const deadline = Date.parse(before.replyDeadline ?? "") / 1000;
      const now = await chainTime(rpcUrl);
      if (Number.isNaN(deadline)) throw new StepFailed(`agreement ${silent.id} has no reply deadline`);
      const move = Math.max(0, deadline - now) + PAST_DEADLINE_SECONDS;
      await jsonRpc(rpcUrl, "evm_increaseTime", [move]);
      await jsonRpc(rpcUrl, "evm_mine");
      const after = await chainTime(rpcUrl);
      this.note(
        `the development chain's clock moved forward by ${move} s (evm_increaseTime), past the reply deadline ` +
          `${before.replyDeadline}: chain time now ${iso(after)}, ${formatLead(after)} of this machine's clock. ` +
          "Sign deadlines from the chain's time (GET /healthz, the latest block), not the wall clock.",
      );
      const escalated = await (
        await this.at(CONSUMER)
      ).post(`/v1/agreements/${silent.id}/escalate`, this.token[CONSUMER], {}, 200, withStatus);
      if (escalated.status !== "escalated")
        throw new StepFailed(`agreement ${silent.id} is ${escalated.status} after escalation`);
      this.ok(`${CONSUMER} escalated agreement ${silent.id} (${silent.def.code}) → ${escalated.status}`);

      // The council's decision is a Call proposal: the Consortium calls SharingAgreements.councilDecide.
      const proposal = await (
        await this.at(COUNCIL)
      ).post(
        "/v1/council/proposals",
        this.token[COUNCIL],
        { action: "decide_agreement", agreementId: Number(silent.id), approve: true },
        201,
        proposalCreated,
      );
      const decided = await (
        await this.at(CONSUMER)
      ).get(`/v1/agreements/${silent.id}`, this.token[CONSUMER], withStatus);
      if (decided.status !== "active")
        throw new StepFailed(`agreement ${silent.id} is ${decided.status} after the council's decision`);
      this.ok(
        `${COUNCIL} (the council's only seat) proposed ${proposal.proposalId}: approve agreement ${silent.id}; executed → ${decided.status}`,
      );
    }
    if (usualDeadline !== DEMO_REPLY_DEADLINE) {
      await this.setReplyDeadline(usualDeadline);
      this.ok(`${COUNCIL} restored the reply deadline to ${usualDeadline} working days`);
    }
  }

  /** Step 5: civil affairs issues a grant under each active agreement to its own gateway account. */
  private async issueGrants(agreements: Map<string, Agreement>, usable: Set<string>): Promise<Map<string, Grant>> {
    this.heading("Civil affairs issues grants under the active agreements");
    const grants = new Map<string, Grant>();
    for (const agreement of agreements.values()) {
      if (!usable.has(agreement.def.code)) continue;
      const created = await (
        await this.at(CONSUMER)
      ).post("/v1/grants", this.token[CONSUMER], { agreementId: agreement.id }, 201, grantCreated);
      grants.set(agreement.def.code, { id: created.grantId, agreement });
      this.ok(`grant ${created.grantId} under agreement ${agreement.id} (${agreement.def.code})`);
    }
    return grants;
  }

  /** Step 6: a synthetic citizen known to every provider's backend, with no active consent yet. */
  private async chooseCitizen(): Promise<Citizen> {
    this.heading("A citizen applies: her subject reference");
    const datasets = buildDemoDatasets({ seed: this.backends.seed, count: this.backends.people });
    const inAll = (idNumber: string) =>
      Object.values(datasets).every((sets) =>
        sets.filter((s) => s.resource.personal).every((s) => s.records.some((r) => r.idNumber === idNumber)),
      );
    const candidates = datasets.hrss[0].records.map((r) => ({ idNumber: String(r.idNumber), name: String(r.name) }));
    for (const candidate of candidates.filter((c) => inAll(c.idNumber)).slice(0, 20)) {
      const { subjectRef } = await (
        await this.at(CONSUMER)
      ).post(
        "/v1/subjects/ref",
        this.token[CONSUMER],
        { idType: ID_TYPE, idNumber: candidate.idNumber },
        200,
        subjectRefAnswer,
      );
      const trail = await (
        await this.at(CONSUMER)
      ).get(`/v1/subjects/${subjectRef}/consents`, this.token[CONSUMER], consentList);
      if (trail.items.some((c) => c.status === "active")) continue;
      this.ok(
        `synthetic person ${candidate.name} (${ID_TYPE} ${maskId(candidate.idNumber)}) → subject reference ${short(subjectRef)}`,
      );
      this.note("only this HMAC of the identity number ever reaches the chain");
      return { ...candidate, subjectRef };
    }
    throw new StepFailed("no synthetic person without active consents among the first 20 candidates");
  }

  /** Step 7: civil affairs records her separate consent (PIPL Art. 23, 29) for each personal resource. */
  private async recordConsents(
    person: Citizen,
    resources: Map<string, string>,
    usable: Set<string>,
  ): Promise<Consent[]> {
    this.heading("The citizen gives separate consent, recorded by civil affairs");
    const now = await chainTime(this.credentials.rpc);
    const consents: Consent[] = [];
    for (const def of DEMO_RESOURCES.filter((d) => d.personal && usable.has(d.code))) {
      const created = await (
        await this.at(CONSUMER)
      ).post(
        "/v1/consents",
        this.token[CONSUMER],
        {
          subject: { idType: ID_TYPE, idNumber: person.idNumber },
          recipient: this.deptId[CONSUMER],
          resourceId: resources.get(def.code)!,
          purpose: { code: PURPOSE },
          validUntil: iso(now + 180 * DAY),
          separate: true,
          evidence: { type: "record", document: consentRecord(def, "given") },
        },
        201,
        consentCreated,
      );
      if (created.subjectRef.toLowerCase() !== person.subjectRef.toLowerCase()) {
        throw new StepFailed(
          `consent ${created.consentId} names subject ${created.subjectRef}, expected ${person.subjectRef}`,
        );
      }
      consents.push({ id: created.consentId, code: def.code });
      this.ok(
        `consent ${short(created.consentId)} for ${def.code} → ${created.status} (separate consent, ISO 27560 record)`,
      );
    }
    return consents;
  }

  /** Step 8: every fetch returns only the granted fields, although the backends answer with whole records. */
  private async fetchAll(person: Citizen, grants: Map<string, Grant>, usable: Set<string>): Promise<void> {
    this.heading("Civil affairs fetches the data through the gateway");
    for (const [code, grant] of grants) {
      if (!usable.has(code)) continue;
      const personal = grant.agreement.def.personal;
      const body = personal
        ? { grantId: grant.id, purpose: { code: PURPOSE }, subject: { idType: ID_TYPE, idNumber: person.idNumber } }
        : { grantId: grant.id, purpose: { code: PURPOSE }, params: { limit: 3 } };
      const answer = await (await this.at(CONSUMER)).post("/v1/data/fetch", this.token[CONSUMER], body, 200, fetched);
      this.receiptIds.push(answer.receipt.id);
      const records = Array.isArray(answer.data) ? answer.data : [answer.data];
      const allowed = new Set(grant.agreement.fields);
      const extra = records.flatMap((r) => Object.keys(r)).filter((k) => !allowed.has(k));
      if (extra.length > 0)
        throw new StepFailed(
          `${code}: the gateway delivered fields outside the grant: ${[...new Set(extra)].join(", ")}`,
        );
      const shown = records.slice(0, 2).map((r) =>
        Object.entries(r)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(", "),
      );
      const returned = grant.agreement.def.returned ? ` (returned by ${grant.agreement.def.provider}, 回流)` : "";
      this.ok(
        `${code}${returned}: ${records.length} record${records.length === 1 ? "" : "s"}, only granted fields; receipt ${short(answer.receipt.id)} (${answer.receipt.status})`,
      );
      for (const line of shown) this.note(line);
    }
    this.note("the backends answered whole records plus an internal note; the gateway kept only the granted fields");
  }

  /** Step 9: she withdraws her consent (on her request, with the record of it). */
  private async withdraw(consents: Consent[]): Promise<void> {
    this.heading("The citizen withdraws her consent");
    for (const consent of consents) {
      const def = DEMO_RESOURCES.find((d) => d.code === consent.code)!;
      const answer = await (
        await this.at(CONSUMER)
      ).post(
        `/v1/consents/${consent.id}/withdraw`,
        this.token[CONSUMER],
        { evidence: { type: "record", document: consentRecord(def, "withdrawn") } },
        200,
        withStatus,
      );
      if (answer.status !== "withdrawn")
        throw new StepFailed(`consent ${consent.id} is ${answer.status} after withdrawal`);
      this.ok(`consent ${short(consent.id)} (${consent.code}) → ${answer.status}`);
    }
  }

  /** Step 10: the next fetch of her data is refused, and the refusal leaves a receipt too. */
  private async fetchRefused(person: Citizen, grants: Map<string, Grant>, usable: Set<string>): Promise<void> {
    this.heading("Civil affairs fetches again: refused");
    const code = DEMO_RESOURCES.find((d) => d.personal && usable.has(d.code) && grants.has(d.code))!.code;
    const grant = grants.get(code)!;
    const answer = await (
      await this.at(CONSUMER)
    ).request("POST", "/v1/data/fetch", this.token[CONSUMER], {
      grantId: grant.id,
      purpose: { code: PURPOSE },
      subject: { idType: ID_TYPE, idNumber: person.idNumber },
    });
    const problem = refused.safeParse(answer.body);
    if (answer.status !== 403 || !problem.success || problem.data.reason !== "consent_withdrawn") {
      throw new UnexpectedAnswer("POST /v1/data/fetch", answer, "403 with reason consent_withdrawn and a receiptId");
    }
    this.receiptIds.push(problem.data.receiptId);
    this.ok(`${code}: 403 ${problem.data.reason}; denied receipt ${short(problem.data.receiptId)}`);
  }

  /**
   * Step 11: every gateway batches its own receipts into Merkle trees whose roots it anchors on AccessLedger: the
   * consumer's side at civil affairs' gateway, the providers' side at each provider's gateway (none there while the
   * consumer's gateway still asks the backends itself).
   */
  private async receiptsAnchored(): Promise<Sides> {
    this.heading("The receipts are anchored on chain, each side by its own gateway");
    const consumer = await this.anchoredAt(CONSUMER);
    const listed = new Set(consumer.map((entry) => entry.id));
    const missing = this.receiptIds.filter((id) => !listed.has(id.toLowerCase()));
    if (missing.length > 0) throw new StepFailed(`receipts not at ${CONSUMER}'s gateway: ${missing.join(", ")}`);
    for (const entry of consumer) this.ok(`${CONSUMER}: ${describeAnchored(entry)}`);
    const earlier = consumer.length - this.receiptIds.length;
    if (earlier > 0) this.note(`${earlier} of them from earlier runs: the file holds the department's whole history`);
    const provider: AnchoredEntry[] = [];
    for (const key of new Set(DEMO_RESOURCES.map((def) => def.provider))) {
      const entries = await this.anchoredAt(key);
      for (const entry of entries) this.ok(`${key}: ${describeAnchored(entry)}`);
      if (entries.length === 0) this.note(`${key}: no provider receipts at its gateway`);
      provider.push(...entries);
    }
    return { consumer, provider };
  }

  /**
   * Every receipt at a department's gateway, oldest first, each once anchored (the auditor requires a department's
   * whole history in a file: every batch it anchored).
   */
  private async anchoredAt(key: string): Promise<AnchoredEntry[]> {
    const client = this.clients[key];
    const { token } = this.credentials.auditor;
    const listed = new Map<string, number>();
    for (let since = 0; ;) {
      const page = await client.get(`/v1/receipts?limit=${RECEIPT_PAGE}&since=${since}`, token, receiptList);
      const before = listed.size;
      for (const { receipt } of page.items) listed.set(receipt.id.toLowerCase(), receipt.time);
      if (page.items.length < RECEIPT_PAGE || listed.size === before) break;
      since = page.items[page.items.length - 1].receipt.time;
    }
    const deadline = Date.now() + ANCHOR_WAIT_MS;
    const anchored: AnchoredEntry[] = [];
    for (const id of listed.keys()) {
      for (;;) {
        const answer = await client.expect(200, z.unknown(), "GET", `/v1/receipts/${id}`, token);
        const entry = receiptAnswer.safeParse(answer);
        if (!entry.success) {
          const issue = entry.error.issues[0];
          throw new StepFailed(`GET /v1/receipts/${id} at ${key}: ${issue.path.join(".")} ${issue.message}`);
        }
        const { batch, proof } = entry.data;
        if (entry.data.status === "anchored" && batch && proof) {
          anchored.push({ id, raw: answer, batch, proof });
          break;
        }
        if (Date.now() > deadline)
          throw new StepFailed(`receipt ${id} at ${key} still ${entry.data.status} after ${ANCHOR_WAIT_MS / 1000} s`);
        await sleep(500);
      }
    }
    return anchored;
  }

  /** Step 12: her whole consent trail, as anyone entitled can read it. */
  private async consentTrail(subjectRef: string): Promise<void> {
    this.heading("The citizen's consent trail");
    const trail = await this.clients[CONSUMER].get(
      `/v1/subjects/${subjectRef}/consents`,
      this.credentials.auditor.token,
      consentList,
    );
    for (const item of trail.items) this.ok(`consent ${short(item.consentId ?? "?")}: ${item.status}`);
    if (trail.items.some((c) => c.status === "active"))
      throw new StepFailed("a consent is still active after withdrawal");
    const first = trail.items[0]?.consentId;
    if (first) await this.exportConsent(first);
  }

  /** A consent as records other systems read (ISO/IEC TS 27560, Kantara Consent Receipt v1.1), saved as files. */
  private async exportConsent(consentId: string): Promise<void> {
    const path27560 = path.join(this.dataDir, "demo-consent-record.iso27560.json");
    const pathKantara = path.join(this.dataDir, "demo-consent-record.kantara.json");
    const read = <T extends z.ZodType>(format: string, schema: T) =>
      this.clients[CONSUMER].get(
        `/v1/consents/${consentId}/record?format=${format}`,
        this.credentials.auditor.token,
        schema,
      );
    const record = await read("iso27560", iso27560Record);
    writeJsonFile(path27560, record);
    const trail = record.events.map((e) =>
      e.chain_evidence
        ? `${e.event_state} (block ${e.chain_evidence.blockNumber}, tx ${short(e.chain_evidence.transactionHash)})`
        : e.event_state,
    );
    this.ok(`ISO/IEC TS 27560 record of ${short(consentId)}: ${trail.join(" → ")}; saved to ${path27560}`);
    const receipt = await read("kantara", kantaraReceipt);
    writeJsonFile(pathKantara, receipt);
    this.ok(
      `Kantara Consent Receipt ${receipt.version}: principal ${short(receipt.piiPrincipalId)} (the subject ` +
        `reference), ${receipt.consentStatus}, sensitive categories [${receipt.spiCat.join(", ")}]; saved to ${pathKantara}`,
    );
    this.note(`the same from the chain alone: npm run audit -- consent-record ${consentId} --format kantara`);
  }

  /**
   * Step 14: the auditor checks both sides' receipts against the chain alone and pairs them by request
   * (`audit exchange`); while the providers' gateways hold no receipts (the consumer's gateway still asks the
   * backends itself) or this checkout's auditor has no `exchange` command, it verifies the consumer's side
   * (`audit receipts`).
   */
  private auditorVerdict(sides: Sides): void {
    this.heading("The auditor's verdict");
    const consumerFile = path.join(this.dataDir, "demo-receipts-consumer.json");
    const providerFile = path.join(this.dataDir, "demo-receipts-provider.json");
    writeJsonFile(
      consumerFile,
      sides.consumer.map((entry) => entry.raw),
    );
    writeJsonFile(
      providerFile,
      sides.provider.map((entry) => entry.raw),
    );
    this.note(`${sides.consumer.length} consumer receipts (${CONSUMER}'s gateway) written to ${consumerFile}`);
    this.note(`${sides.provider.length} provider receipts (the providers' gateways) written to ${providerFile}`);
    if (!fs.existsSync(AUDITOR_CLI)) {
      this.note(
        "the auditor CLI (scripts/audit/cli.ts) is not in this checkout yet: verdict skipped " +
          `(later: npm run audit -- exchange ${consumerFile} ${providerFile})`,
      );
      return;
    }
    const paired = fs.existsSync(AUDITOR_EXCHANGE) && sides.provider.length > 0;
    const command = paired ? ["exchange", consumerFile, providerFile] : ["receipts", consumerFile];
    if (!paired) {
      this.note(
        sides.provider.length === 0
          ? "no provider receipts to pair (the providers' gateways do not answer exchanges in this checkout): verifying the consumer's side"
          : "this checkout's auditor has no `exchange` command: verifying the consumer's side",
      );
    }
    const args = [...command, "--rpc", this.credentials.rpc, "--deployment", devFiles(this.dataDir).deployment];
    this.note(`npm run audit -- ${args.join(" ")}`);
    const result = spawnSync(TS_NODE, ["--transpile-only", AUDITOR_CLI, ...args], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 120_000,
    });
    const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trimEnd();
    for (const line of output.split("\n")) this.out(`      ${line}`);
    if (result.status !== 0) {
      throw new StepFailed(
        `the auditor ${result.status === 1 ? "found violations" : `exited with ${result.status ?? result.signal}`}`,
      );
    }
    this.ok(
      paired
        ? "the auditor finds both sides anchored, proven, covered by their rules, and every exchange paired and signed by both"
        : "the auditor finds every receipt anchored, proven and covered by its agreement, grant and consent",
    );
  }
}

/** A receipt entry as `GET /v1/receipts/:id` answers it, anchored; `raw` is written to the auditor's file. */
interface AnchoredEntry {
  id: string;
  raw: unknown;
  batch: { sequence: number; root: string; txHash: string; blockNumber: number };
  proof: string[];
}

/** The consumer's receipts and the providers' receipts: the two files `audit exchange` pairs. */
interface Sides {
  consumer: AnchoredEntry[];
  provider: AnchoredEntry[];
}

function describeAnchored(entry: AnchoredEntry): string {
  const result = String((entry.raw as { receipt?: { result?: unknown } }).receipt?.result ?? "");
  const { batch, proof } = entry;
  return (
    `receipt ${short(entry.id)}${result ? ` (${result})` : ""}: batch ${batch.sequence}, root ${short(batch.root)}, ` +
    `tx ${short(batch.txHash)} in block ${batch.blockNumber}, proof of ${proof.length} hash${proof.length === 1 ? "" : "es"}`
  );
}

/**
 * Whether civil affairs' agreement on the resource starts active: unconditional sharing, or data the provider returned
 * (回流) to the departments below it, civil affairs among them.
 */
const activeAtOnce = (def: ResourceDefinition) => def.shareType === "unconditional" || def.returned;

/** The request the silent provider leaves unanswered, escalated at the end of the story. */
const isSilent = (a: Agreement) => a.def.provider === SILENT_PROVIDER && a.def.shareType === "conditional";

const consortiumReads = new Interface(["function replyDeadline() view returns (uint64)"]);
const calendarReads = new Interface([
  "function deadlineAfter(uint64 from, uint16 workingDays) view returns (uint64)",
  "function workingDaysLeft(uint64 from, uint64 deadline) view returns (uint16)",
]);

/** How far the chain's clock runs ahead of (or behind) this machine's, in words. */
function formatLead(chainSeconds: number): string {
  const lead = chainSeconds - Math.floor(Date.now() / 1000);
  const abs = Math.abs(lead);
  const text = abs >= 3600 ? `${(abs / 3600).toFixed(1)} h` : `${abs} s`;
  return lead >= 0 ? `${text} ahead` : `${text} behind`;
}

interface Agreement {
  id: string;
  def: ResourceDefinition;
  fields: string[];
}
interface Grant {
  id: string;
  agreement: Agreement;
}
interface Citizen {
  idNumber: string;
  name: string;
  subjectRef: string;
}
interface Consent {
  id: string;
  code: string;
}

/** The consent record kept by the collecting department (fields after ISO/IEC TS 27560); no identity number in it. */
function consentRecord(def: ResourceDefinition, event: "given" | "withdrawn") {
  return {
    schema: "ISO/IEC TS 27560:2023",
    event,
    collector: CONSUMER,
    channel: "in person, Yuexiu district government service hall",
    purpose: PURPOSE,
    dataController: def.provider,
    dataCategories: WANTED_FIELDS[def.code] ?? [],
    separateConsent: true,
    recordedAt: new Date().toISOString(),
  };
}

/** Runs the whole story; resolves true when every step succeeded. */
export async function runDemo(options: DemoOptions = {}): Promise<boolean> {
  const out = options.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const files = devFiles(options.dataDir ?? devDataDir());
  try {
    if (!fs.existsSync(files.credentials)) {
      throw new StepFailed(
        `${files.credentials} does not exist: start Kuajie first with \`npm start\` (same KUAJIE_DATA_DIR)`,
      );
    }
    const credentials = readJsonFile(files.credentials, credentialsSchema, "credentials file");
    const backends = readJsonFile(files.backends, backendsFileSchema, "backends file");
    await new Demo(credentials, backends, files.dataDir, out).run();
    return true;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const hint = err instanceof TypeError && /fetch failed/.test(message) ? " (is `npm start` running?)" : "";
    out(`\n    ✗ ${message}${hint}`);
    out("The demo stopped at this step.");
    return false;
  }
}

if (require.main === module) {
  void runDemo().then((ok) => {
    process.exitCode = ok ? 0 : 1;
  });
}
