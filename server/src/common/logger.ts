import pino from "pino";
import type { DestinationStream, Logger } from "pino";

export type { Logger } from "pino";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Keys whose values never reach a log line, at any depth up to four levels (pino's wildcards match one level
 * each). Request bodies are never logged anyway; this is the net under that rule for objects passed by mistake.
 */
const SECRET_KEYS = [
  "authorization",
  "Authorization",
  "cookie",
  "token",
  "tokens",
  "idNumber",
  "privateKey",
  "password",
  "keystorePassword",
  "mnemonic",
  "secret",
  "consortiumSecret",
];

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const key of SECRET_KEYS) {
    paths.push(key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`);
  }
  paths.push('*.headers["x-api-key"]', '*.*.headers["x-api-key"]');
  return paths;
}

/**
 * Errors are logged by type, message, code and stack only: body-parser's SyntaxError carries the raw request
 * body as a property and ethers' errors carry transaction payloads, and pino's default serializer would print them.
 */
function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) {
    return { message: String(err) };
  }
  const code = (err as { code?: unknown }).code;
  return {
    type: err.name,
    message: err.message,
    ...(typeof code === "string" || typeof code === "number" ? { code } : {}),
    stack: err.stack,
  };
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; stdout by default. Tests pass a stream to capture output. */
  destination?: DestinationStream;
  name?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      name: options.name ?? "kuajie-gateway",
      level: options.level ?? "info",
      redact: { paths: redactPaths(), censor: "[redacted]" },
      serializers: { err: serializeError, error: serializeError },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
