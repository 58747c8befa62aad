/**
 * The stack the fault tests break: a real `npm start` spawned by the process harness (scripts/harness) on free ports
 * in a temporary data directory — one gateway per department — with what the tests need of it (each department's
 * gateway and token, process ids, a kill of one department's gateway).
 */
import type { Credentials } from "../../../scripts/lib/dev-files";
import { StackSite, sleep, waitFor, waitForIndexed, type StartProcess } from "../../../scripts/harness";
import { call } from "./http";
import { runs } from "./processes";

export class Stack {
  private site!: StackSite;
  private start!: StartProcess;
  credentials!: Credentials;

  constructor(private readonly extraEnv: Record<string, string> = {}) {}

  get files() {
    return this.site.files;
  }

  async launch(): Promise<Credentials> {
    this.site = await StackSite.create(this.extraEnv, "kuajie-faults-");
    this.start = this.site.launch();
    this.credentials = await this.start.ready();
    return this.credentials;
  }

  processes() {
    return this.site.processes();
  }

  /** The process id of a department's gateway (null while it is down). */
  gatewayPid(key: string): number | null {
    return this.processes().gateways[key] ?? null;
  }

  /** A department's own gateway: its token works only there. */
  gateway(key: string): string {
    return this.credentials.departments.find((d) => d.key === key)!.gateway;
  }

  /** A department's gateway's files (its database, log). */
  gatewayFiles(key: string) {
    return this.site.gatewayFiles(key);
  }

  /** Until a department's gateway has indexed the latest block (what another department just did). */
  async indexed(key: string, boundMs = 30_000): Promise<void> {
    await waitForIndexed(this.gateway(key), this.token(key), this.credentials.rpc, boundMs);
  }

  token(key: string): string {
    return this.credentials.departments.find((d) => d.key === key)!.token;
  }

  departmentId(key: string): string {
    return this.credentials.departments.find((d) => d.key === key)!.id;
  }

  /** Until the gateway answers /healthz `ok`, at its published URL or at `url`. */
  async healthy(key: string, boundMs: number, url = this.gateway(key)): Promise<void> {
    await waitFor(`${key}'s gateway's /healthz`, boundMs, async () => {
      const answer = await call(url, "GET", "/healthz", null, undefined, undefined, 3_000);
      return answer.status === 200 && (answer.body as { status?: string }).status === "ok";
    });
  }

  /** Kills a department's gateway with SIGKILL and waits for the supervisor's new one to be healthy. */
  async killGateway(key: string, boundMs = 90_000): Promise<{ before: number; after: number }> {
    const before = this.gatewayPid(key);
    if (before === null) throw new Error(`no gateway process of ${key} to kill`);
    process.kill(before, "SIGKILL");
    const after = await waitFor(`a new gateway process of ${key}`, boundMs, async () => {
      const now = this.gatewayPid(key);
      return now !== null && now !== before ? now : undefined;
    });
    await this.healthy(key, boundMs);
    return { before, after };
  }

  /**
   * Takes a department's gateway from the supervisor: the supervisor paused (SIGSTOP, so that it restarts nothing)
   * and the gateway killed. Its port is free for the test's own process (see own-gateway.ts) until `giveBack`.
   */
  async takeGateway(key: string): Promise<void> {
    const pid = this.gatewayPid(key);
    if (pid === null) throw new Error(`no gateway process of ${key} to take`);
    process.kill(this.processes().start, "SIGSTOP");
    process.kill(pid, "SIGKILL");
    await waitFor(`${key}'s gateway dead`, 10_000, async () => (runs(pid) ? undefined : true));
  }

  /** Resumes the supervisor, which restarts the department's gateway; until the new process is healthy. */
  async giveBackGateway(key: string, boundMs = 90_000): Promise<void> {
    const before = this.gatewayPid(key);
    process.kill(this.processes().start, "SIGCONT");
    await waitFor(`${key}'s gateway restarted by the supervisor`, boundMs, async () => {
      const now = this.gatewayPid(key);
      return now !== null && now !== before ? now : undefined;
    });
    await this.healthy(key, boundMs);
  }

  /** SIGTERM to npm start, SIGKILL to its whole process group if it does not go; removes the data directory. */
  async stop(): Promise<void> {
    if (this.start?.running) {
      const pids = this.site.processesIfAny();
      for (const pid of [pids?.node, pids?.start]) {
        if (pid) {
          try {
            process.kill(pid, "SIGCONT"); // a test may have left one stopped
          } catch {
            // gone
          }
        }
      }
      await this.start.stop().catch(() => sleep(0));
      this.start.killGroup();
    }
    this.site?.remove();
  }
}
