/**
 * Child processes for `npm start`: each one's output appended to its own log file, stopped with SIGTERM and then
 * SIGKILL after a bound, and — for the gateway — restarted with exponential backoff when it dies.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export interface ProcessSpec {
  /** For messages: "hardhat node", "gateway". */
  name: string;
  command: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here (the file is the child's own, so it survives this process). */
  logFile: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function describeExit(exit: Exit): string {
  return exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/** The last `lines` lines of a log file, for an error message ("" when there is none). */
export function tailOf(file: string, lines = 15): string {
  try {
    const text = fs.readFileSync(file, "utf8").trimEnd();
    return text.split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/** A running child with its output in a log file. */
export class LoggedProcess {
  readonly child: ChildProcess;
  /** Resolves when the process has exited (also when it could not be spawned: code null, signal null). */
  readonly exited: Promise<Exit>;
  private exit: Exit | null = null;

  constructor(readonly spec: ProcessSpec) {
    fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
    const log = fs.openSync(spec.logFile, "a");
    try {
      this.child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ["ignore", log, log] });
    } finally {
      fs.closeSync(log);
    }
    this.exited = new Promise<Exit>((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      this.child.once("error", (err) => {
        // Spawning failed (no such file): there will be no "exit" event.
        if (this.child.pid === undefined) {
          fs.appendFileSync(spec.logFile, `cannot start ${spec.command}: ${err.message}\n`);
          this.exit = { code: null, signal: null };
          resolve(this.exit);
        }
      });
    });
  }

  get pid(): number | null {
    return this.exit === null ? (this.child.pid ?? null) : null;
  }

  get running(): boolean {
    return this.exit === null && this.child.pid !== undefined;
  }

  /** SIGTERM, then SIGKILL if it is still running after `graceMs`. */
  async stop(graceMs: number): Promise<Exit> {
    if (!this.running) return this.exited;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** A process that ran at least this long before dying starts again from `initialMs`. */
  stableAfterMs: number;
}

/** 1 s, 2 s, 4 s, … at most 30 s; back to 1 s after 30 s of running. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 30_000, factor: 2, stableAfterMs: 30_000 };

/** How long to wait before the next restart, given the previous wait (null: none yet) and how long it ran. */
export function nextRestartDelay(policy: BackoffPolicy, previousMs: number | null, ranForMs: number): number {
  if (previousMs === null || ranForMs >= policy.stableAfterMs) return policy.initialMs;
  return Math.min(policy.maxMs, previousMs * policy.factor);
}

export interface RestartingProcessOptions {
  policy?: BackoffPolicy;
  /** An exit that restarting cannot fix (a configuration error): stop trying and call `onFatal`. */
  isFatal?: (exit: Exit) => boolean;
  onStart?: (pid: number, restarts: number) => void;
  onExit?: (exit: Exit, restartInMs: number) => void;
  onFatal?: (exit: Exit) => void;
  /** Grace period of `stop` before SIGKILL. */
  stopGraceMs?: number;
}

/** Keeps one process running: when it exits (other than through `stop`), it is started again after a backoff. */
export class RestartingProcess {
  private current: LoggedProcess | null = null;
  private startedAt = 0;
  private delayMs: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  restarts = 0;

  constructor(
    private readonly spec: ProcessSpec,
    private readonly options: RestartingProcessOptions = {},
  ) {}

  get pid(): number | null {
    return this.current?.pid ?? null;
  }

  start(): void {
    if (this.stopped) return;
    this.timer = null;
    const child = new LoggedProcess(this.spec);
    this.current = child;
    this.startedAt = Date.now();
    if (child.child.pid !== undefined) this.options.onStart?.(child.child.pid, this.restarts);
    void child.exited.then((exit) => this.exited(child, exit));
  }

  private exited(child: LoggedProcess, exit: Exit): void {
    if (this.stopped || child !== this.current) return;
    if (this.options.isFatal?.(exit)) {
      this.stopped = true;
      this.options.onFatal?.(exit);
      return;
    }
    const policy = this.options.policy ?? DEFAULT_BACKOFF;
    this.delayMs = nextRestartDelay(policy, this.delayMs, Date.now() - this.startedAt);
    this.options.onExit?.(exit, this.delayMs);
    this.restarts += 1;
    this.timer = setTimeout(() => this.start(), this.delayMs);
  }

  /** Cancels a pending restart and stops the running process. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current?.stop(this.options.stopGraceMs ?? 15_000);
  }

  /** Kills the running process at once (a second Ctrl-C). */
  kill(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.current?.running) this.current.child.kill("SIGKILL");
  }
}
