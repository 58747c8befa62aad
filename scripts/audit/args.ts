/** The command line: `<command> [options]`, checked once here so that commands receive typed, valid input. */
import { parseArgs } from "node:util";
import { CONSENT_RECORD_FORMATS, type ConsentRecordFormat } from "../../core/consent-record";
import { DEFAULT_DEPLOYMENT_FILE } from "./connect";
import { UsageError } from "./errors";
import { DEFAULT_PAGE_BLOCKS } from "./event-source";
import { parseDateOption } from "./time";
import { DEFAULT_MAX_ANCHOR_DELAY } from "./verify";

export const USAGE = `Kuajie auditor: verifies consent trails, receipts and departments' records from the chain alone.

usage: npm run audit -- <command> [options]

commands
  subject  --subject-ref <0x…> | --id-type <type> --id-number <number> --secret-file <file>  [--receipts <file>]
           the subject's consent trail; with --receipts, every access and whether a consent covered it
  receipts <file> [--max-anchor-delay <seconds>] [--from <date>] [--to <date>]
           verifies receipts (GET /v1/receipts/:id, a JSON array or JSON lines): leaf, proof against the
           anchored root, anchoring delay, sequence gaps, that every batch and receipt each department in the
           file anchored (between --from and --to, by default ever) is in the file, and that every delivery
           was allowed when it happened (statuses, grant, consent, quotas)
  exchange <consumer-file> <provider-file> [--max-anchor-delay <seconds>] [--from <date>] [--to <date>]
           verifies both departments' receipt files as \`receipts\` does, checks each federated receipt's
           signed request and response (signers were operators of the consumer and the provider), and pairs the
           consumer's receipts with the provider's by requestId (rule table: docs/FEDERATION.md §4)
  agreement <id>
           an agreement's history, grants, and the provider's reply time against the deadline
  consent-record <consent-id> --format iso27560|kantara
           the consent as an ISO/IEC TS 27560 consent record or a Kantara Consent Receipt v1.1 (JSON on
           stdout; --out <file> also writes it), each event with its transaction, block and log index
  report   [--from <date>] [--to <date>] [--receipts <file>] [--max-anchor-delay <seconds>]
           the supervision scorecard per department, ranked, with overdue items
  help     this text

common options
  --rpc <url>            JSON-RPC of a node of the chain (default http://127.0.0.1:8545)
  --deployment <file>    deployment file (default ${DEFAULT_DEPLOYMENT_FILE})
  --json                 the report as JSON on stdout
  --out <file>           also write the report as .md or .html (consent-record: the JSON)
  --page-blocks <n>      most blocks one eth_getLogs call spans (default ${DEFAULT_PAGE_BLOCKS})

dates: YYYY-MM-DD (a day in UTC+8, --to includes the whole day), an ISO date-time with its zone, or unix seconds
--max-anchor-delay: default ${DEFAULT_MAX_ANCHOR_DELAY} s (the gateway's 60 s anchoring limit plus its 2 s batch window)
exit status: 0 everything checked holds, 1 violations found, 2 usage or connection error
`;

interface CommonArgs {
  rpc?: string;
  deploymentFile: string;
  json: boolean;
  out?: string;
  pageBlocks?: number;
}

type CommandArgs =
  | { command: "help" }
  | {
      command: "subject";
      subjectRef?: string;
      idType?: string;
      idNumber?: string;
      secretFile?: string;
      receipts?: string;
    }
  | { command: "receipts"; file: string; maxAnchorDelay: number; from?: number; to?: number }
  | {
      command: "exchange";
      consumerFile: string;
      providerFile: string;
      maxAnchorDelay: number;
      from?: number;
      to?: number;
    }
  | { command: "agreement"; id: bigint }
  | { command: "consent-record"; consentId: string; format: ConsentRecordFormat }
  | { command: "report"; from?: number; to?: number; receipts?: string; maxAnchorDelay: number };

export type ParsedArgs = { common: CommonArgs } & CommandArgs;

const OPTIONS = {
  rpc: { type: "string" },
  deployment: { type: "string" },
  json: { type: "boolean" },
  out: { type: "string" },
  "page-blocks": { type: "string" },
  "subject-ref": { type: "string" },
  "id-type": { type: "string" },
  "id-number": { type: "string" },
  "secret-file": { type: "string" },
  receipts: { type: "string" },
  "max-anchor-delay": { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  format: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const COMMON = ["rpc", "deployment", "json", "out", "page-blocks", "help"];
const ALLOWED: Record<string, string[]> = {
  subject: ["subject-ref", "id-type", "id-number", "secret-file", "receipts"],
  receipts: ["max-anchor-delay", "from", "to"],
  exchange: ["max-anchor-delay", "from", "to"],
  agreement: [],
  "consent-record": ["format"],
  report: ["from", "to", "receipts", "max-anchor-delay"],
  help: [],
};

const HINT = "(run `npm run audit -- help`)";

export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    // Node's message goes on about positionals after `--`; the first sentence is the point.
    const message = (error as Error).message.split("\n")[0].replace(/\. To specify a positional.*$/, "");
    throw new UsageError(`${message} ${HINT}`);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === "help") return { command: "help", common: commonOf(values) };
  if (!(command in ALLOWED))
    throw new UsageError(
      `unknown command "${command}": use subject, receipts, exchange, agreement, consent-record or report ${HINT}`,
    );
  for (const name of Object.keys(values)) {
    if (!COMMON.includes(name) && !ALLOWED[command].includes(name)) {
      throw new UsageError(`--${name} does not apply to \`${command}\` ${HINT}`);
    }
  }
  const common = commonOf(values);
  const maxAnchorDelay = positiveInt("--max-anchor-delay", values["max-anchor-delay"]) ?? DEFAULT_MAX_ANCHOR_DELAY;
  const from = values.from === undefined ? undefined : parseDateOption("--from", values.from, false);
  const to = values.to === undefined ? undefined : parseDateOption("--to", values.to, true);
  if (from !== undefined && to !== undefined && from > to) throw new UsageError("--from is after --to: swap them");
  const expectPositionals = (n: number, what: string) => {
    if (rest.length !== n) throw new UsageError(`\`${command}\` takes ${what} ${HINT}`);
  };

  switch (command) {
    case "receipts":
      expectPositionals(1, "one receipts file: npm run audit -- receipts <file>");
      return { command, common, file: rest[0], maxAnchorDelay, from, to };
    case "exchange":
      expectPositionals(2, "two receipts files: npm run audit -- exchange <consumer-file> <provider-file>");
      return { command, common, consumerFile: rest[0], providerFile: rest[1], maxAnchorDelay, from, to };
    case "agreement": {
      expectPositionals(1, "one agreement id: npm run audit -- agreement <id>");
      if (!/^[1-9][0-9]*$/.test(rest[0])) throw new UsageError(`agreement id "${rest[0]}" is not a positive integer`);
      return { command, common, id: BigInt(rest[0]) };
    }
    case "consent-record": {
      expectPositionals(1, "one consent id: npm run audit -- consent-record <consent-id> --format iso27560|kantara");
      if (!/^0x[0-9a-fA-F]{64}$/.test(rest[0]))
        throw new UsageError(`consent id "${rest[0]}" is not 0x and 64 hex digits`);
      const format = values.format;
      if (!CONSENT_RECORD_FORMATS.includes(format as ConsentRecordFormat)) {
        throw new UsageError(`--format must be ${CONSENT_RECORD_FORMATS.join(" or ")} ${HINT}`);
      }
      return { command, common, consentId: rest[0], format: format as ConsentRecordFormat };
    }
    case "report": {
      expectPositionals(0, "no positional argument, only options");
      return { command, common, from, to, receipts: values.receipts, maxAnchorDelay };
    }
    default: {
      expectPositionals(0, "no positional argument, only options");
      const byId = [values["id-type"], values["id-number"], values["secret-file"]];
      if (values["subject-ref"] !== undefined) {
        if (byId.some((v) => v !== undefined))
          throw new UsageError("give either --subject-ref or --id-type/--id-number/--secret-file, not both");
        if (!/^0x[0-9a-fA-F]{64}$/.test(values["subject-ref"])) {
          throw new UsageError(`--subject-ref must be 0x and 64 hex digits (the HMAC subject reference)`);
        }
      } else if (byId.some((v) => v === undefined)) {
        throw new UsageError(
          "`subject` needs --subject-ref <0x…>, or --id-type, --id-number and --secret-file together",
        );
      }
      return {
        command: "subject",
        common,
        subjectRef: values["subject-ref"],
        idType: values["id-type"],
        idNumber: values["id-number"],
        secretFile: values["secret-file"],
        receipts: values.receipts,
      };
    }
  }
}

function commonOf(values: {
  rpc?: string;
  deployment?: string;
  json?: boolean;
  out?: string;
  "page-blocks"?: string;
}): CommonArgs {
  return {
    rpc: values.rpc,
    deploymentFile: values.deployment ?? DEFAULT_DEPLOYMENT_FILE,
    json: values.json ?? false,
    out: values.out,
    pageBlocks: positiveInt("--page-blocks", values["page-blocks"]),
  };
}

function positiveInt(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]{0,9}$/.test(value))
    throw new UsageError(`${option} ${JSON.stringify(value)} is not a positive whole number`);
  return Number(value);
}
