import { Writable } from "node:stream";
import type { Express } from "express";
import { createApp, type AppDeps } from "../../../server/src/app";
import type { Department, DepartmentDirectory } from "../../../server/src/modules/auth/department-directory";
import { createLogger } from "../../../server/src/common/logger";
import { createMetrics, type Metrics } from "../../../server/src/common/metrics";
import type { Role } from "../../../server/src/common/request-context";
import { residentIdCheckChar } from "../../../core/identity/resident-id";
import { registerAuthRoutes } from "../../../server/src/modules/auth/routes";
import { TokenService } from "../../../server/src/modules/auth/service";
import type { RouteModule } from "../../../server/src/modules/feature";
import { registerHealthRoutes } from "../../../server/src/modules/health/routes";
import type { HealthReport } from "../../../server/src/modules/health/schemas";
import type { HealthCheck } from "../../../server/src/modules/health/service";
import { registerSubjectRefRoute } from "../../../server/src/modules/subjects/routes";
import { SubjectService } from "../../../server/src/modules/subjects/service";
import { SubjectRefAllowance } from "../../../server/src/modules/subjects/allowance";
import { RateLimiter, type RateLimiterOptions } from "../../../server/src/common/rate-limit";
import { openDatabase, type Db } from "../../../server/src/common/db";
import { TokenStore } from "../../../server/src/store/tokens";

export const TEST_SECRET = Buffer.from("6b75616a69652d746573742d636f6e736f727469756d2d7365637265742d2d2d", "hex");

export const DEPARTMENTS: Department[] = [
  { key: "data-bureau", id: `0x${"11".repeat(32)}`, name: "Provincial Data Bureau", level: "province", council: true },
  {
    key: "health",
    id: `0x${"22".repeat(32)}`,
    name: "Provincial Health Commission",
    level: "province",
    council: false,
  },
];

export const HEALTHY: HealthReport = {
  status: "ok",
  chainId: 31337,
  blockNumber: 12,
  contracts: { Consortium: `0x${"ab".repeat(20)}` },
  outbox: { pending: 0 },
};

/** Captures every log line the app writes, for assertions on what never reaches the logs. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    done();
  }
  text(): string {
    return this.lines.join("\n");
  }
}

export interface TestGateway {
  app: Express;
  db: Db;
  tokens: TokenService;
  logs: LogCapture;
  metrics: Metrics;
  /** Issues a token and returns its Authorization header value. */
  bearer(role: Role, departmentKey?: string | null): string;
}

export interface TestGatewayOptions extends Partial<Omit<AppDeps, "db" | "logger">> {
  /** The database to build on (a fresh in-memory one by default): for modules that need it before the app exists. */
  db?: Db;
  /** Declared after the gateway's own routes: health, who-am-I and subject references. */
  modules?: RouteModule[];
  health?: HealthCheck;
  departments?: DepartmentDirectory;
  /** Each token's allowance on `POST /v1/subjects/ref` (default 60 a minute, as configured by default). */
  subjectRefLimit?: RateLimiterOptions;
}

export function buildGateway(options: TestGatewayOptions = {}): TestGateway {
  const db = options.db ?? openDatabase(":memory:");
  const logs = new LogCapture();
  const logger = createLogger({ level: "debug", destination: logs });
  const metrics = options.metrics ?? createMetrics();
  const byKey = new Map(DEPARTMENTS.map((d) => [d.key, d]));
  const {
    health = async () => HEALTHY,
    departments = { byKey: (key: string) => byKey.get(key) ?? null },
    subjectRefLimit,
    db: _db,
    ...appOptions
  } = options;
  const own: RouteModule[] = [
    (registry) => registerHealthRoutes(registry, health, logger),
    (registry) => registerAuthRoutes(registry, departments),
    (registry) =>
      registerSubjectRefRoute(
        registry,
        new SubjectService(TEST_SECRET),
        new SubjectRefAllowance(new RateLimiter({ limit: 60, ...subjectRefLimit }), metrics.subjectRefComputations),
      ),
  ];
  const app = createApp({
    db,
    logger,
    consortiumSecret: TEST_SECRET,
    bodyLimit: "1kb",
    ...appOptions,
    modules: [...own, ...(appOptions.modules ?? [])],
    metrics,
  });
  const tokens = new TokenService(new TokenStore(db));
  return {
    app,
    db,
    tokens,
    logs,
    metrics,
    bearer(role, departmentKey) {
      const key = departmentKey === undefined ? (role === "auditor" ? null : "data-bureau") : departmentKey;
      return `Bearer ${tokens.create({ departmentKey: key, role }).token}`;
    },
  };
}

/**
 * A synthetic, checksum-valid resident identity number: region 990000 is not a PRC region code, so the number
 * cannot belong to anyone.
 */
export function syntheticResidentId(serial: number, birth = "19900101"): string {
  const first17 = `990000${birth}${String(serial % 1000).padStart(3, "0")}`;
  return first17 + residentIdCheckChar(first17);
}
