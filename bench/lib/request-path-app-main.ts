/**
 * `ts-node bench/lib/request-path-app-main.ts <root>`: the gateway's express app as `<root>`'s source tree builds it
 * (createApp with its real middleware, token check and route registry, a database file in WAL mode, logging at warn as
 * the benchmarks run it), with three cheap routes: `GET /v1/me`, the registry tests' `POST /v1/widgets` (a JSON body
 * checked by zod, a 201) and `GET /v1/bench/consent`, an answer the size and shape of a recorded consent's (1.3 kB). It listens on a free loopback port and prints the port and a token on its first line. The
 * process behind request-path-ab-main.ts: each tree's app in a process of its own, so that its CPU is its own.
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";

const hex = (byte: string, bytes: number) => `0x${byte.repeat(bytes)}`;

/** Built afresh for each answer, as a handler builds its answer from rows. */
function consentShapedAnswer() {
  const event = (kind: string, block: number) => ({
    event: kind,
    block,
    at: "2026-12-01T03:00:00.000Z",
    transaction: hex("ef", 32),
    actor: { department: "hrss", account: hex("44", 20) },
  });
  return {
    id: hex("ab", 32),
    subjectRef: hex("cd", 32),
    recorder: { key: "hrss", id: hex("11", 32), name: "Human Resources and Social Security" },
    recipient: { key: "gz-civil-affairs", id: hex("22", 32), name: "Guangzhou Civil Affairs" },
    resourceId: hex("33", 32),
    purpose: "pension-eligibility",
    separateConsent: false,
    validFrom: "2026-12-01T03:00:00.000Z",
    validUntil: "2027-12-01T03:00:00.000Z",
    evidence: { kind: "record", hash: hex("55", 32) },
    state: "active",
    history: [event("recorded", 120), event("superseded", 121), event("recorded", 122)],
    asOf: { block: 122, time: "2026-12-01T03:00:00.000Z" },
  };
}

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
      (registry) =>
        registry.route(
          {
            method: "get",
            path: "/v1/bench/consent",
            summary: "A consent-sized answer",
            auth: "any",
            responses: { 200: { description: "A consent's shape" } },
          },
          () => consentShapedAnswer(),
        ),
    ],
  });
  const token = new TokenService(new TokenStore(db)).create({ departmentKey: health.key, role: "operator" }).token;
  const server = http.createServer(app).listen(0, "127.0.0.1", () => {
    process.stdout.write(`${(server.address() as AddressInfo).port} ${token}\n`);
  });
}

main();
