/**
 * The processes a benchmark starts: each in its own process group on 127.0.0.1, logged to a file, and stopped by
 * its own id (SIGTERM, then SIGKILL after a grace period) when the benchmark ends, however it ends.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import {
  HOST,
  ROOT,
  freePort,
  freePorts,
  hasExited,
  signalGroup,
  sleep,
  waitFor as waitUntil,
} from "../../scripts/harness";
import { tailOf as tail } from "../../scripts/lib/supervisor";

export { HOST, ROOT, freePort, freePorts, sleep };

export interface Proc {
  name: string;
  child: ChildProcess;
  log: string;
  exited: Promise<number | null>;
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<Proc>();

/** Starts `command args` in its own process group, output to `logDir/<name>.log`. */
export function start(
  name: string,
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; logDir: string; cwd?: string },
): Proc {
  fs.mkdirSync(options.logDir, { recursive: true });
  const log = path.join(options.logDir, `${name}.log`);
  const fd = fs.openSync(log, "a");
  const child = spawn(command, [...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", fd, fd],
    detached: true,
  });
  fs.closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const proc: Proc = {
    name,
    child,
    log,
    exited,
    stop: async (graceMs = 10_000) => {
      running.delete(proc);
      if (hasExited(child)) return;
      signalGroup(child, "SIGTERM");
      const timer = setTimeout(() => signalGroup(child, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
      signalGroup(child, "SIGKILL"); // stragglers of the group (npx wrappers)
    },
  };
  running.add(proc);
  return proc;
}

/** A TypeScript entry point run with ts-node (transpile only), as `npm run gateway` runs the gateway. */
export function startTs(
  name: string,
  file: string,
  options: { env?: NodeJS.ProcessEnv; logDir: string; nodeArgs?: readonly string[]; args?: readonly string[] },
): Proc {
  return start(
    name,
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      "-r",
      "ts-node/register/transpile-only",
      path.join(ROOT, file),
      ...(options.args ?? []),
    ],
    { env: { TS_NODE_TRANSPILE_ONLY: "true", ...options.env }, logDir: options.logDir },
  );
}

/** Stops every process still running (in reverse order of start). */
export async function stopAll(): Promise<void> {
  for (const proc of [...running].reverse()) await proc.stop(5_000);
}

/** Runs a command-line tool's `main`, then stops every process it started, however it ended (a failure exits 1). */
export function runTool(main: () => Promise<void>): void {
  main()
    .catch((error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exitCode = 1;
    })
    .finally(stopAll);
}

/** Polls `probe` until it resolves truthy, or fails naming `what` (with the log tail of `proc`, or its exit). */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
  proc?: Proc,
): Promise<T> {
  return waitUntil(what, timeoutMs, probe, {
    intervalMs: 200,
    check: () => {
      if (proc && proc.child.exitCode !== null) {
        throw new Error(`${what}: ${proc.name} exited with ${proc.child.exitCode}\n${tail(proc.log)}`);
      }
    },
    onTimeout: (last) =>
      new Error(`${what}: not ready after ${timeoutMs} ms (${String(last ?? "")})${proc ? `\n${tail(proc.log)}` : ""}`),
  });
}

/**
 * A process started elsewhere (the `npm start` the harness spawns) made one of those `stopAll` stops, with its own
 * stop; `log` is the file whose tail a failure shows.
 */
export function adopt(name: string, child: ChildProcess, log: string, stop: () => Promise<void>): Proc {
  const exited = new Promise<number | null>((resolve) => {
    if (hasExited(child)) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
  const proc: Proc = {
    name,
    child,
    log,
    exited,
    stop: async () => {
      running.delete(proc);
      await stop();
    },
  };
  running.add(proc);
  return proc;
}
