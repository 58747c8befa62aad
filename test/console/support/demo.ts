import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ROOT, TS_NODE } from "../../../scripts/harness";

const run = promisify(execFile);

/**
 * `npm run demo` against the stack of `dataDir`, bounded; resolves with its output once it has walked its story to
 * the end, rejects with that output otherwise.
 */
export async function runDemo(dataDir: string, boundMs: number): Promise<string> {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, KUAJIE_DATA_DIR: dataDir };
  try {
    const { stdout, stderr } = await run(TS_NODE, ["--transpile-only", "scripts/demo.ts"], {
      cwd: ROOT,
      env,
      timeout: boundMs,
      killSignal: "SIGKILL",
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout + stderr;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm run demo failed: ${failed.message}\n${failed.stdout ?? ""}${failed.stderr ?? ""}`, {
      cause: error,
    });
  }
}
