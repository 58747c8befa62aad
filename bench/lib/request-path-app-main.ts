/**
 * `ts-node bench/lib/request-path-app-main.ts <root>`: the gateway's express app as `<root>`'s source tree builds it
 * (createApp with its real middleware, token check and route registry, a database file in WAL mode, logging at warn as
 * the benchmarks run it), with two cheap routes: `GET /v1/me` and the registry tests' `POST /v1/widgets` (a JSON body
 * checked by zod, a 201). It listens on a free loopback port and prints the port and a token on its first line. The
 * process behind request-path-ab-main.ts: each tree's app in a process of its own, so that its CPU is its own.
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";

function main(): void {
  const root = path.resolve(process.argv[2] ?? ".");
  /* eslint-disable @typescript-eslint/no-require-imports -- the modules of another source tree, chosen at run time */
  const { createApp } = require(`${root}/server/src/app`) as typeof import("../../server/src/app");
  const { openDatabase } = require(`${root}/server/src/common/db`) as typeof import("../../server/src/common/db");
  const { createLogger } = require(
    `${root}/server/src/common/logger`,
  ) as typeof import("../../server/src/common/logger");
  const { TokenService } = require(
    `${root}/server/src/modules/auth/service`,
  ) as typeof import("../../server/src/modules/auth/service");
  const { TokenStore } = require(`${root}/server/src/store/tokens`) as typeof import("../../server/src/store/tokens");
  const { registerAuthRoutes } = require(
    `${root}/server/src/modules/auth/routes`,
  ) as typeof import("../../server/src/modules/auth/routes");
  const { widgetsModule } = require(
    `${root}/test/server/support/widgets`,
  ) as typeof import("../../test/server/support/widgets");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-request-path-app-"));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  process.on("SIGTERM", () => process.exit(0));
  const db = openDatabase(path.join(dir, "gateway.db"));
  const health = {
    key: "health",
    id: `0x${"22".repeat(32)}`,
    name: "Health",
    level: "province" as const,
    council: false,
  };
  const app = createApp({
    db,
    logger: createLogger({ level: "warn", destination: fs.createWriteStream("/dev/null") }),
    consortiumSecret: Buffer.alloc(32, 7),
    bodyLimit: "100kb",
    modules: [
      (registry) => registerAuthRoutes(registry, { byKey: (key: string) => (key === health.key ? health : null) }),
      widgetsModule(),
    ],
  });
  const token = new TokenService(new TokenStore(db)).create({ departmentKey: health.key, role: "operator" }).token;
  const server = http.createServer(app).listen(0, "127.0.0.1", () => {
    process.stdout.write(`${(server.address() as AddressInfo).port} ${token}\n`);
  });
}

main();
