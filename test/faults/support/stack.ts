/**
 * The stack the fault tests break: a real `npm start` spawned by the process harness (scripts/harness) on free ports
 * in a temporary data directory, with what the tests need of it (tokens, process ids, a kill of the gateway).
 */
import type { Credentials } from "../../../scripts/lib/dev-files";
import { StackSite, sleep, waitFor, type StartProcess } from "../../../scripts/harness";
import { call } from "./http";

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

  token(key: string): string {
    return this.credentials.departments.find((d) => d.key === key)!.token;
  }

  departmentId(key: string): string {
    return this.credentials.departments.find((d) => d.key === key)!.id;
  }

  async healthy(boundMs: number): Promise<void> {
    await waitFor("the gateway's /healthz", boundMs, async () => {
      const answer = await call(this.credentials.gateway, "GET", "/healthz", null, undefined, undefined, 3_000);
      return answer.status === 200 && (answer.body as { status?: string }).status === "ok";
    });
  }

  /** Kills the current gateway with SIGKILL and waits for the supervisor's new one to be healthy. */
  async killGateway(boundMs = 90_000): Promise<{ before: number; after: number }> {
    const before = this.processes().gateway;
    if (before === null) throw new Error("no gateway process to kill");
    process.kill(before, "SIGKILL");
    const after = await waitFor("a new gateway process", boundMs, async () => {
      const now = this.processes().gateway;
      return now !== null && now !== before ? now : undefined;
    });
    await this.healthy(boundMs);
    return { before, after };
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
