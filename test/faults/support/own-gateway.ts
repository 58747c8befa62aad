/**
 * A department's gateway run by the fault test itself instead of `npm start`'s supervisor, with the department's own
 * configuration file and database and a few variables of the test's: another port (a proxy takes the published one),
 * or NODE_OPTIONS that preload a shifted clock (scripts/harness/clock-offset.cjs). The gateway's code is the one
 * `npm start` runs (dist/gateway, compiled by the start).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { ROOT, sleep } from "../../../scripts/harness";
import { compiledGateway } from "../../../scripts/start/gateway-build";
import type { GatewayFiles } from "../../../scripts/lib/dev-files";

const STOP_BOUND_MS = 30_000;

export class OwnGateway {
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
  }

  static spawn(files: GatewayFiles, env: Record<string, string>): OwnGateway {
    const run = compiledGateway();
    const backendToken = fs.existsSync(files.backendToken) ? fs.readFileSync(files.backendToken, "utf8").trim() : null;
    const log = fs.openSync(files.log, "a");
    try {
      const child = spawn(run.command, [...run.args], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          KUAJIE_CONFIG_FILE: files.config,
          ...(backendToken ? { KUAJIE_BACKEND_TOKEN: backendToken } : {}),
          ...env,
        },
        stdio: ["ignore", log, log],
      });
      return new OwnGateway(child);
    } finally {
      fs.closeSync(log);
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM (a clean shutdown), SIGKILL if it has not gone within the bound. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGTERM");
    const gone = await Promise.race([this.exited.then(() => true), sleep(STOP_BOUND_MS).then(() => false)]);
    if (!gone) {
      this.child.kill("SIGKILL");
      await this.exited;
    }
  }
}
