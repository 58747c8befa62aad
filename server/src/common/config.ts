import fs from "node:fs";
import { isIP } from "node:net";
import path from "node:path";
import { Mnemonic } from "ethers";
import { z } from "zod";
import { DEV_BACKEND_TOKEN } from "../../../core/backend";
import { LOG_LEVELS, type LogLevel } from "./logger";

/**
 * The gateway's configuration, read once at boot from environment variables and an optional JSON file, and
 * checked with zod so that a wrong value stops the server with a message naming the variable.
 *
 * Sources, later wins: built-in defaults < the JSON file < the environment. The file is named by
 * KUAJIE_CONFIG_FILE; in development (NODE_ENV is not "production") `.kuajie/dev/gateway.json` is read when it
 * exists. Its keys are the variable names themselves (`{"KUAJIE_GATEWAY_PORT": 8081}`), so every message names
 * the same thing whichever source a value came from. Relative paths are resolved against the working directory.
 */

export class ConfigError extends Error {
  /** The first variable at fault; `problems` lists every one. */
  readonly variable: string;
  readonly problems: ReadonlyArray<{ variable: string; message: string }>;

  constructor(problems: Array<{ variable: string; message: string }>) {
    super(problems.map((p) => `${p.variable}: ${p.message}`).join("\n"));
    this.name = "ConfigError";
    this.variable = problems[0]?.variable ?? "";
    this.problems = problems;
  }
}

/**
 * Express's `trust proxy`: false (no proxy: the socket address is the client), a hop count, a list of proxy
 * addresses, subnets and express's names (loopback, linklocal, uniquelocal), or true (every hop; development only).
 */
export type TrustProxy = boolean | number | string[];

type KeySource = { kind: "keystore"; dir: string; password: string } | { kind: "mnemonic"; mnemonic: string };

export interface GatewayConfig {
  environment: "development" | "production";
  /** The JSON file that contributed values, if any. */
  configFile: string | null;
  host: string;
  port: number;
  rpcUrl: string;
  dataDir: string;
  /** `<dataDir>/gateway.db`: tokens, idempotency keys, outbox, index, receipts. */
  databaseFile: string;
  deploymentFile: string;
  /** The departments this gateway serves: `[{key, code}]`, in the order of their development keys. */
  departmentsFile: string;
  /** Key of the subject-reference HMAC; never logged. */
  consortiumSecret: Buffer;
  keys: KeySource;
  upstreamTimeoutMs: number;
  receiptBatchSize: number;
  receiptBatchSeconds: number;
  anchorMaxLagSeconds: number;
  timezone: string;
  /** How long the consumer's gateway waits for the provider's gateway to answer an exchange. */
  exchangeTimeoutMs: number;
  logLevel: LogLevel;
  /** body-parser limit, e.g. "100kb". */
  bodyLimit: string;
  /** The secret this gateway sends its backends in `X-Kuajie-Backend-Token`; never logged. */
  backendToken: string;
  /** The exchange endpoint refuses (`view_stale`) while the indexed view was last current longer ago than this. */
  viewMaxLagSeconds: number;
  /** How far an exchange request's time may differ from this gateway's clock (docs/FEDERATION.md §3). */
  exchangeMaxSkewSeconds: number;
  /** Which proxies' X-Forwarded-For to believe for the client address (KUAJIE_TRUST_PROXY; default none). */
  trustProxy: TrustProxy;
  /** Subject references one token may compute per minute (KUAJIE_SUBJECT_REF_RATE_LIMIT). */
  subjectRefLimitPerMinute: number;
  /** The widest block range of one eth_getLogs the indexer asks (KUAJIE_INDEXER_MAX_BLOCK_RANGE; Besu caps it). */
  indexerMaxBlockRange: number;
  /**
   * New fetches (and, on a provider, new exchanges) begun in one turn of the event loop at most; the others start in
   * the next turns, in order (KUAJIE_ADMIT_PER_TURN; 0: no limit). See common/turn-gate.ts.
   */
  admitPerTurn: number;
}

export const CONFIG_VARIABLES = [
  "KUAJIE_GATEWAY_HOST",
  "KUAJIE_GATEWAY_PORT",
  "KUAJIE_RPC_URL",
  "KUAJIE_DATA_DIR",
  "KUAJIE_DEPLOYMENT_FILE",
  "KUAJIE_DEPARTMENTS_FILE",
  "KUAJIE_CONSORTIUM_SECRET",
  "KUAJIE_KEYSTORE_DIR",
  "KUAJIE_KEYSTORE_PASSWORD",
  "KUAJIE_DEV_MNEMONIC",
  "KUAJIE_UPSTREAM_TIMEOUT_MS",
  "KUAJIE_RECEIPT_BATCH_SIZE",
  "KUAJIE_RECEIPT_BATCH_SECONDS",
  "KUAJIE_ANCHOR_MAX_LAG_SECONDS",
  "KUAJIE_TIMEZONE",
  "KUAJIE_LOG_LEVEL",
  "KUAJIE_BODY_LIMIT",
  "KUAJIE_BACKEND_TOKEN",
  "KUAJIE_VIEW_MAX_LAG_SECONDS",
  "KUAJIE_EXCHANGE_MAX_SKEW_SECONDS",
  "KUAJIE_EXCHANGE_TIMEOUT_MS",
  "KUAJIE_TRUST_PROXY",
  "KUAJIE_SUBJECT_REF_RATE_LIMIT",
  "KUAJIE_INDEXER_MAX_BLOCK_RANGE",
  "KUAJIE_ADMIT_PER_TURN",
] as const;
type ConfigVariable = (typeof CONFIG_VARIABLES)[number];

const DEFAULTS: Partial<Record<ConfigVariable, string>> = {
  KUAJIE_GATEWAY_HOST: "127.0.0.1",
  KUAJIE_GATEWAY_PORT: "8080",
  KUAJIE_RPC_URL: "http://127.0.0.1:8545",
  KUAJIE_DATA_DIR: ".kuajie/dev",
  KUAJIE_UPSTREAM_TIMEOUT_MS: "5000",
  KUAJIE_RECEIPT_BATCH_SIZE: "1024",
  KUAJIE_RECEIPT_BATCH_SECONDS: "2",
  KUAJIE_ANCHOR_MAX_LAG_SECONDS: "60",
  KUAJIE_TIMEZONE: "Asia/Shanghai",
  KUAJIE_LOG_LEVEL: "info",
  KUAJIE_BODY_LIMIT: "100kb",
  KUAJIE_VIEW_MAX_LAG_SECONDS: "30",
  KUAJIE_EXCHANGE_MAX_SKEW_SECONDS: "60",
  KUAJIE_EXCHANGE_TIMEOUT_MS: "10000",
  KUAJIE_TRUST_PROXY: "false",
  KUAJIE_SUBJECT_REF_RATE_LIMIT: "60",
  KUAJIE_INDEXER_MAX_BLOCK_RANGE: "1000",
  KUAJIE_ADMIT_PER_TURN: "4",
};

const DEV_CONFIG_FILE = ".kuajie/dev/gateway.json";

function integer(min: number, max: number) {
  const error = `expected an integer ${min}..${max}`;
  return z
    .string({ error })
    .regex(/^[0-9]+$/, { error })
    .transform(Number)
    .refine((n) => Number.isSafeInteger(n) && n >= min && n <= max, { error });
}

function positiveSeconds(max: number) {
  const error = `expected a number of seconds greater than 0 and at most ${max}`;
  return z
    .string({ error })
    .regex(/^[0-9]+(\.[0-9]+)?$/, { error })
    .transform(Number)
    .refine((n) => n > 0 && n <= max, { error });
}

function nonEmpty(what: string) {
  return z.string({ error: `required: ${what}` }).min(1, { error: `required: ${what}` });
}

const optionalString = z.string().optional();

const hostSchema = z
  .string()
  .regex(/^[A-Za-z0-9.:[\]-]{1,253}$/, { error: "expected a host name or IP address, e.g. 127.0.0.1" });

const rpcUrlSchema = z.string().refine(
  (value) => {
    try {
      return ["http:", "https:", "ws:", "wss:"].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  },
  { error: "expected an http(s) or ws(s) URL, e.g. http://127.0.0.1:8545" },
);

const secretSchema = z
  .string()
  .regex(/^(0x)?([0-9a-fA-F]{2}){32,}$/, { error: "expected hex of at least 32 bytes (64 hex digits), 0x optional" })
  .transform((hex) => Buffer.from(hex.replace(/^0x/, ""), "hex"));

const timezoneSchema = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { error: "expected an IANA time zone, e.g. Asia/Shanghai" },
);

const logLevelSchema = z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(", ")}` });

const bodyLimitSchema = z
  .string()
  .regex(/^[0-9]+(b|kb|mb)?$/i, { error: 'expected a size such as "100kb", "1mb" or a number of bytes' })
  .refine((value) => parseSize(value) >= 1024 && parseSize(value) <= 50 * 1024 * 1024, {
    error: "expected a size between 1kb and 50mb",
  });

function parseSize(value: string): number {
  const match = /^([0-9]+)(b|kb|mb)?$/i.exec(value);
  if (!match) return Number.NaN;
  const unit = (match[2] ?? "b").toLowerCase();
  return Number(match[1]) * (unit === "mb" ? 1024 * 1024 : unit === "kb" ? 1024 : 1);
}

const TRUST_PROXY_NAMES = ["loopback", "linklocal", "uniquelocal"];

/** An entry of a trust-proxy list: one of express's names, an IP address, or a subnet in CIDR notation. */
function isProxyEntry(entry: string): boolean {
  if (TRUST_PROXY_NAMES.includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split("/");
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
}

function parseTrustProxy(value: string): TrustProxy | null {
  const lower = value.toLowerCase();
  if (lower === "false" || lower === "none") return false;
  if (lower === "true") return true;
  if (/^[0-9]+$/.test(value)) return Number(value) >= 1 && Number(value) <= 16 ? Number(value) : null;
  const entries = value.split(",").map((entry) => entry.trim());
  return entries.every(isProxyEntry) ? entries : null;
}

const trustProxySchema = z
  .string()
  .refine((value) => parseTrustProxy(value) !== null, {
    error:
      "expected false, a hop count 1..16, or a comma-separated list of loopback, linklocal, uniquelocal, " +
      "IP addresses and CIDR subnets (e.g. loopback,10.0.0.0/8)",
  })
  .transform((value) => parseTrustProxy(value) ?? false);

const rawSchema = z.object({
  KUAJIE_GATEWAY_HOST: hostSchema,
  KUAJIE_GATEWAY_PORT: integer(1, 65535),
  KUAJIE_RPC_URL: rpcUrlSchema,
  KUAJIE_DATA_DIR: nonEmpty("a directory"),
  KUAJIE_DEPLOYMENT_FILE: optionalString,
  KUAJIE_DEPARTMENTS_FILE: optionalString,
  KUAJIE_CONSORTIUM_SECRET: z
    .string({ error: "required: hex of at least 32 bytes (the subject-reference HMAC key)" })
    .pipe(secretSchema),
  KUAJIE_KEYSTORE_DIR: optionalString,
  KUAJIE_KEYSTORE_PASSWORD: optionalString,
  KUAJIE_DEV_MNEMONIC: optionalString.refine((m) => m === undefined || Mnemonic.isValidMnemonic(m.trim()), {
    error: "expected a valid BIP-39 mnemonic",
  }),
  KUAJIE_UPSTREAM_TIMEOUT_MS: integer(1, 600_000),
  KUAJIE_RECEIPT_BATCH_SIZE: integer(1, 65_536),
  KUAJIE_RECEIPT_BATCH_SECONDS: positiveSeconds(3600),
  KUAJIE_ANCHOR_MAX_LAG_SECONDS: integer(1, 86_400),
  KUAJIE_TIMEZONE: timezoneSchema,
  KUAJIE_LOG_LEVEL: logLevelSchema,
  KUAJIE_BODY_LIMIT: bodyLimitSchema,
  KUAJIE_BACKEND_TOKEN: z
    .string()
    .min(16, { error: "expected a secret of at least 16 characters" })
    .max(512, { error: "expected a secret of at most 512 characters" })
    .optional(),
  KUAJIE_VIEW_MAX_LAG_SECONDS: integer(1, 86_400),
  KUAJIE_EXCHANGE_MAX_SKEW_SECONDS: integer(1, 3_600),
  KUAJIE_EXCHANGE_TIMEOUT_MS: integer(1, 600_000),
  KUAJIE_TRUST_PROXY: trustProxySchema,
  KUAJIE_SUBJECT_REF_RATE_LIMIT: integer(1, 100_000),
  KUAJIE_INDEXER_MAX_BLOCK_RANGE: integer(1, 1_000_000),
  KUAJIE_ADMIT_PER_TURN: integer(0, 65_536),
});

type Env = Record<string, string | undefined>;

export interface LoadConfigOptions {
  env?: Env;
  cwd?: string;
}

function readConfigFile(file: string, variable: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError([{ variable, message: `cannot read config file ${file}: ${reason}` }]);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError([{ variable, message: `config file ${file} must hold a JSON object` }]);
  }
  const known = new Set<string>(CONFIG_VARIABLES);
  const values: Record<string, string> = {};
  const problems: Array<{ variable: string; message: string }> = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (!known.has(key)) {
      problems.push({ variable: key, message: `unknown setting in ${file}` });
    } else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      values[key] = String(value);
    } else {
      problems.push({ variable: key, message: `expected a string or number in ${file}` });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values;
}

/** Merges defaults, the config file and the environment into one record of raw strings. */
function collect(env: Env, cwd: string): { raw: Record<string, string>; configFile: string | null } {
  const production = env.NODE_ENV === "production";
  let configFile: string | null = null;
  let fromFile: Record<string, string> = {};
  const named = env.KUAJIE_CONFIG_FILE?.trim();
  if (named) {
    configFile = path.resolve(cwd, named);
    fromFile = readConfigFile(configFile, "KUAJIE_CONFIG_FILE");
  } else if (!production && fs.existsSync(path.resolve(cwd, DEV_CONFIG_FILE))) {
    configFile = path.resolve(cwd, DEV_CONFIG_FILE);
    fromFile = readConfigFile(configFile, DEV_CONFIG_FILE);
  }
  const raw: Record<string, string> = {};
  for (const variable of CONFIG_VARIABLES) {
    // An empty variable counts as unset, as shells and compose files produce them.
    const fromEnv = env[variable]?.trim();
    const value = fromEnv ? fromEnv : (fromFile[variable] ?? DEFAULTS[variable]);
    if (value !== undefined && value !== "") raw[variable] = value;
  }
  return { raw, configFile };
}

function keySource(
  raw: z.output<typeof rawSchema>,
  production: boolean,
  problems: Array<{ variable: string; message: string }>,
): KeySource | null {
  const dir = raw.KUAJIE_KEYSTORE_DIR;
  const password = raw.KUAJIE_KEYSTORE_PASSWORD;
  const mnemonic = raw.KUAJIE_DEV_MNEMONIC;
  if (dir !== undefined && mnemonic !== undefined) {
    problems.push({
      variable: "KUAJIE_DEV_MNEMONIC",
      message: "set either KUAJIE_KEYSTORE_DIR or KUAJIE_DEV_MNEMONIC, not both",
    });
    return null;
  }
  if (dir !== undefined) {
    if (password === undefined) {
      problems.push({ variable: "KUAJIE_KEYSTORE_PASSWORD", message: "required when KUAJIE_KEYSTORE_DIR is set" });
      return null;
    }
    return { kind: "keystore", dir, password };
  }
  if (password !== undefined) {
    problems.push({ variable: "KUAJIE_KEYSTORE_DIR", message: "required when KUAJIE_KEYSTORE_PASSWORD is set" });
    return null;
  }
  if (mnemonic !== undefined) {
    if (production) {
      problems.push({
        variable: "KUAJIE_DEV_MNEMONIC",
        message: "development keys are refused when NODE_ENV=production; use KUAJIE_KEYSTORE_DIR",
      });
      return null;
    }
    return { kind: "mnemonic", mnemonic: mnemonic.trim().replace(/\s+/g, " ") };
  }
  problems.push(
    production
      ? {
          variable: "KUAJIE_KEYSTORE_DIR",
          message: "required in production: a directory of encrypted JSON keystores, one per served department",
        }
      : { variable: "KUAJIE_DEV_MNEMONIC", message: "required in development unless KUAJIE_KEYSTORE_DIR is set" },
  );
  return null;
}

/** Reads and checks the whole configuration; throws ConfigError naming every wrong or missing variable. */
export function loadConfig(options: LoadConfigOptions = {}): GatewayConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const production = env.NODE_ENV === "production";
  const { raw, configFile } = collect(env, cwd);

  const result = rawSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? "configuration"),
        message: issue.message,
      })),
    );
  }
  const values = result.data;
  const problems: Array<{ variable: string; message: string }> = [];
  if (production && values.KUAJIE_TRUST_PROXY === true) {
    problems.push({
      variable: "KUAJIE_TRUST_PROXY",
      message:
        "true is refused when NODE_ENV=production: it believes every X-Forwarded-For entry, so any client could " +
        "choose its own address; name the proxy (its address, subnet or loopback) or a hop count",
    });
  }
  const keys = keySource(values, production, problems);
  if (keys === null || problems.length > 0) throw new ConfigError(problems);
  const backendToken = values.KUAJIE_BACKEND_TOKEN ?? (production ? null : DEV_BACKEND_TOKEN);
  if (backendToken === null || (production && backendToken === DEV_BACKEND_TOKEN)) {
    throw new ConfigError([
      {
        variable: "KUAJIE_BACKEND_TOKEN",
        message: "required in production: the secret this gateway's backends expect",
      },
    ]);
  }

  const dataDir = path.resolve(cwd, values.KUAJIE_DATA_DIR);
  return {
    environment: production ? "production" : "development",
    configFile,
    host: values.KUAJIE_GATEWAY_HOST,
    port: values.KUAJIE_GATEWAY_PORT,
    rpcUrl: values.KUAJIE_RPC_URL,
    dataDir,
    databaseFile: gatewayDatabaseFile(dataDir),
    deploymentFile: path.resolve(cwd, values.KUAJIE_DEPLOYMENT_FILE ?? path.join(dataDir, "deployment.json")),
    departmentsFile: path.resolve(cwd, values.KUAJIE_DEPARTMENTS_FILE ?? path.join(dataDir, "departments.json")),
    consortiumSecret: values.KUAJIE_CONSORTIUM_SECRET,
    keys,
    upstreamTimeoutMs: values.KUAJIE_UPSTREAM_TIMEOUT_MS,
    receiptBatchSize: values.KUAJIE_RECEIPT_BATCH_SIZE,
    receiptBatchSeconds: values.KUAJIE_RECEIPT_BATCH_SECONDS,
    anchorMaxLagSeconds: values.KUAJIE_ANCHOR_MAX_LAG_SECONDS,
    timezone: values.KUAJIE_TIMEZONE,
    logLevel: values.KUAJIE_LOG_LEVEL,
    bodyLimit: values.KUAJIE_BODY_LIMIT.toLowerCase(),
    backendToken,
    viewMaxLagSeconds: values.KUAJIE_VIEW_MAX_LAG_SECONDS,
    exchangeMaxSkewSeconds: values.KUAJIE_EXCHANGE_MAX_SKEW_SECONDS,
    exchangeTimeoutMs: values.KUAJIE_EXCHANGE_TIMEOUT_MS,
    trustProxy: values.KUAJIE_TRUST_PROXY,
    subjectRefLimitPerMinute: values.KUAJIE_SUBJECT_REF_RATE_LIMIT,
    indexerMaxBlockRange: values.KUAJIE_INDEXER_MAX_BLOCK_RANGE,
    admitPerTurn: values.KUAJIE_ADMIT_PER_TURN,
  };
}

export function gatewayDatabaseFile(dataDir: string): string {
  return path.join(dataDir, "gateway.db");
}

/**
 * Only the data directory, from the same sources with the same check: for tools (the tokens CLI) that open the
 * gateway database but need none of the secrets.
 */
export function loadDataDir(options: LoadConfigOptions = {}): string {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const { raw } = collect(env, cwd);
  const result = rawSchema.shape.KUAJIE_DATA_DIR.safeParse(raw.KUAJIE_DATA_DIR);
  if (!result.success) {
    throw new ConfigError([{ variable: "KUAJIE_DATA_DIR", message: result.error.issues[0]?.message ?? "invalid" }]);
  }
  return path.resolve(cwd, result.data);
}

/** The configuration as it may be logged at boot: secrets replaced by whether they are set. */
export function describeConfig(config: GatewayConfig): Record<string, unknown> {
  return {
    environment: config.environment,
    configFile: config.configFile,
    host: config.host,
    port: config.port,
    rpcUrl: config.rpcUrl,
    dataDir: config.dataDir,
    deploymentFile: config.deploymentFile,
    consortiumSecret: `[${config.consortiumSecret.length} bytes]`,
    keys: config.keys.kind === "keystore" ? { kind: "keystore", dir: config.keys.dir } : { kind: "mnemonic" },
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    receiptBatchSize: config.receiptBatchSize,
    receiptBatchSeconds: config.receiptBatchSeconds,
    anchorMaxLagSeconds: config.anchorMaxLagSeconds,
    timezone: config.timezone,
    logLevel: config.logLevel,
    bodyLimit: config.bodyLimit,
    backendToken: "[set]",
    viewMaxLagSeconds: config.viewMaxLagSeconds,
    exchangeMaxSkewSeconds: config.exchangeMaxSkewSeconds,
    exchangeTimeoutMs: config.exchangeTimeoutMs,
    trustProxy: config.trustProxy,
    subjectRefLimitPerMinute: config.subjectRefLimitPerMinute,
    indexerMaxBlockRange: config.indexerMaxBlockRange,
    admitPerTurn: config.admitPerTurn,
  };
}
