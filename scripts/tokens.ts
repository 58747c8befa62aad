/**
 * Issues, revokes and lists the gateway's bearer tokens in the database under KUAJIE_DATA_DIR.
 *
 *   npm run tokens -- create --department data-bureau --role operator [--label "ops laptop"] [--json]
 *   npm run tokens -- create --role auditor [--department data-bureau]
 *   npm run tokens -- revoke --id 3
 *   npm run tokens -- list [--json]
 *
 * The plaintext token is printed once, by `create`; only its SHA-256 hash is stored.
 */
import { parseArgs } from "node:util";
import { ConfigError, gatewayDatabaseFile, loadDataDir } from "../server/src/common/config";
import { HttpError, ValidationError } from "../server/src/common/errors";
import { ROLES, type Role } from "../server/src/common/request-context";
import { TokenService, type TokenInfo } from "../server/src/modules/auth/service";
import { openDatabase } from "../server/src/common/db";
import { TokenStore } from "../server/src/store/tokens";

const USAGE = `usage:
  tokens create --department <key> --role operator|council|auditor [--label <text>] [--json]
  tokens revoke --id <id> [--json]
  tokens list [--json]
(database: $KUAJIE_DATA_DIR/gateway.db, default .kuajie/dev)`;

class UsageError extends Error {}

function describe(token: TokenInfo): string {
  const state = token.revokedAt ? `revoked ${token.revokedAt}` : "active";
  return `${String(token.id).padStart(4)}  ${token.role.padEnd(8)}  ${(token.departmentKey ?? "-").padEnd(20)}  ${state.padEnd(32)}  ${token.label}`;
}

function run(argv: string[]): void {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      department: { type: "string" },
      role: { type: "string" },
      label: { type: "string" },
      id: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const command = positionals[0];
  if (values.help || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    if (command === undefined && !values.help) process.exitCode = 2;
    return;
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument: ${positionals[1]}`);

  const db = openDatabase(gatewayDatabaseFile(loadDataDir()));
  try {
    const tokens = new TokenService(new TokenStore(db));
    const print = (json: unknown, text: string) =>
      process.stdout.write(`${values.json ? JSON.stringify(json, null, 2) : text}\n`);
    switch (command) {
      case "create": {
        const role = values.role;
        if (role === undefined || !ROLES.includes(role as Role)) {
          throw new UsageError(`--role must be one of ${ROLES.join(", ")}`);
        }
        const issued = tokens.create({
          departmentKey: values.department ?? null,
          role: role as Role,
          label: values.label,
        });
        print(
          issued,
          `token ${issued.id} (${issued.role}${issued.departmentKey ? ` for ${issued.departmentKey}` : ""}); shown only now:\n${issued.token}`,
        );
        return;
      }
      case "revoke": {
        if (values.id === undefined || !/^[0-9]+$/.test(values.id)) throw new UsageError("--id <number> is required");
        const revoked = tokens.revoke(Number(values.id));
        print(revoked, `revoked token ${revoked.id}`);
        return;
      }
      case "list": {
        const all = tokens.list();
        print(all, all.length === 0 ? "no tokens" : all.map(describe).join("\n"));
        return;
      }
      default:
        throw new UsageError(`unknown command: ${command}`);
    }
  } finally {
    db.close();
  }
}

try {
  run(process.argv.slice(2));
} catch (err) {
  if (
    err instanceof UsageError ||
    (err instanceof TypeError && (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS"))
  ) {
    process.stderr.write(`tokens: ${err.message}\n${USAGE}\n`);
    process.exitCode = 2;
  } else if (err instanceof HttpError || err instanceof ConfigError) {
    const detail =
      err instanceof ValidationError
        ? `${err.detail}: ${err.errors.map((e) => `--${e.field} ${e.message}`).join("; ")}`
        : err instanceof HttpError
          ? err.detail
          : err.message;
    process.stderr.write(`tokens: ${detail}\n`);
    process.exitCode = 1;
  } else {
    throw err;
  }
}
