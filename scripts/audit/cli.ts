/**
 * `npm run audit -- <command> [options]`: the Kuajie auditor. It trusts only the chain (through `--rpc`, checked
 * against `--deployment`) and the receipts it is handed. Exit status: 0 when everything checked holds, 1 when any
 * violation is found, 2 for a usage or connection error (one line on stderr that says what to fix).
 *
 * `run` is the whole program as a function, so that tests call it with the in-process network's provider.
 */
import type { Provider } from "ethers";
import { useFastKeccak } from "../../core/crypto/keccak";
import { parseCommandLine, USAGE, type ParsedArgs } from "./args";
import { agreementCommand } from "./commands/agreement";
import { consentRecordCommand } from "./commands/consent-record";
import { exchangeCommand } from "./commands/exchange";
import { receiptsCommand } from "./commands/receipts";
import { reportCommand } from "./commands/report";
import { subjectCommand } from "./commands/subject";
import { connect, type AuditContext } from "./connect";
import { UsageError } from "./errors";
import type { ReceiptSource } from "./verify";
import { assertReadable, readReceiptsFile, streamReceiptsFile } from "./receipts-file";
import { rendererFor, toJson, toText, writeReportFile, type AuditReport } from "./render";
import type { SignerRecoveryOptions } from "./signer-recovery";
import { readSecretFile, subjectRefOf } from "./subject-ref";

export interface RunOptions {
  /** Use this provider instead of connecting to `--rpc` (the caller keeps ownership). */
  provider?: Provider;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** How `exchange` recovers signers beside its check (tests choose the child process or this one). */
  signerRecovery?: SignerRecoveryOptions;
}

export const EXIT = { ok: 0, violations: 1, usage: 2 } as const;

export async function run(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  const stdout = options.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = options.stderr ?? ((text: string) => void process.stderr.write(text));
  let ctx: AuditContext | undefined;
  // Every leaf, Merkle step and digest the auditor recomputes is a Keccak-256: most of its time without this.
  const hashing = useFastKeccak();
  try {
    const args = parseCommandLine(argv);
    if (args.command === "help") {
      stdout(USAGE);
      return EXIT.ok;
    }
    if (args.command === "consent-record") {
      await hashing;
      ctx = await connectTo(args, options.provider);
      const text = `${JSON.stringify(await consentRecordCommand(ctx, args), null, 2)}\n`;
      stdout(text);
      if (args.common.out) writeReportFile(args.common.out, text);
      return EXIT.ok;
    }
    const render = args.common.out ? rendererFor(args.common.out) : undefined;
    const execute = prepare(args, options); // read the inputs before connecting: a bad file is a usage error either way
    await hashing;
    ctx = await connectTo(args, options.provider);
    const report = await execute(ctx);
    stdout(args.common.json ? toJson(report) : toText(report));
    if (args.common.out && render) {
      writeReportFile(args.common.out, render(report));
      if (!args.common.json) stdout(`report written to ${args.common.out}\n`);
    }
    return report.violations.length ? EXIT.violations : EXIT.ok;
  } catch (error) {
    stderr(`audit: ${usageMessage(error, ctx?.rpc)}\n`);
    return EXIT.usage;
  } finally {
    ctx?.close();
  }
}

function connectTo(args: { common: ParsedArgs["common"] }, provider: Provider | undefined): Promise<AuditContext> {
  return connect({
    rpc: args.common.rpc,
    deploymentFile: args.common.deploymentFile,
    pageBlocks: args.common.pageBlocks,
    provider,
  });
}

/** Reads the command's own inputs (receipts file, secret) and returns what runs once connected. */
function prepare(
  args: Exclude<ParsedArgs, { command: "help" | "consent-record" }>,
  { signerRecovery }: RunOptions,
): (ctx: AuditContext) => Promise<AuditReport> {
  switch (args.command) {
    case "receipts": {
      const entries = streamed(args.file);
      const span = { from: args.from, to: args.to };
      return (ctx) => receiptsCommand(ctx, { file: args.file, entries, maxAnchorDelay: args.maxAnchorDelay, span });
    }
    case "exchange": {
      const consumerEntries = streamed(args.consumerFile);
      const providerEntries = streamed(args.providerFile);
      const options = {
        consumerFile: args.consumerFile,
        consumerEntries,
        providerFile: args.providerFile,
        providerEntries,
        maxAnchorDelay: args.maxAnchorDelay,
        span: { from: args.from, to: args.to },
        signerRecovery,
      };
      return (ctx) => exchangeCommand(ctx, options);
    }
    case "agreement":
      return (ctx) => agreementCommand(ctx, args.id);
    case "report": {
      const entries = args.receipts ? streamed(args.receipts) : undefined;
      return (ctx) =>
        reportCommand(ctx, { from: args.from, to: args.to, entries, maxAnchorDelay: args.maxAnchorDelay });
    }
    case "subject": {
      const subjectRef =
        args.subjectRef ?? subjectRefOf(readSecretFile(args.secretFile!), args.idType!, args.idNumber!);
      const entries = args.receipts ? readReceiptsFile(args.receipts) : undefined;
      return (ctx) => subjectCommand(ctx, { subjectRef, entries });
    }
  }
}

/** A receipts file read as it is verified (checked readable now, so that a wrong path is a usage error at once). */
function streamed(file: string): ReceiptSource {
  assertReadable(file);
  return () => streamReceiptsFile(file);
}

/** One line that says what went wrong and what to do. */
function usageMessage(error: unknown, rpc: string | undefined): string {
  if (error instanceof UsageError) return error.message;
  const code = (error as { code?: string }).code;
  if (rpc && (code === "ECONNREFUSED" || code === "NETWORK_ERROR" || code === "TIMEOUT" || code === "SERVER_ERROR")) {
    return `lost the connection to ${rpc} (${code}): check that the node is running and try again`;
  }
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  return `unexpected error: ${message} (check --rpc and --deployment; if they are right, this is a bug in the auditor)`;
}

if (require.main === module) {
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
