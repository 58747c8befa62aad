import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { DEFAULT_BACKOFF, RestartingProcess, nextRestartDelay, type Exit } from "../../scripts/lib/supervisor";

describe("npm start's supervisor", function () {
  describe("restart backoff", function () {
    it("doubles the wait after each quick death, up to 30 s", function () {
      const waits: number[] = [];
      let previous: number | null = null;
      for (let i = 0; i < 8; i++) {
        previous = nextRestartDelay(DEFAULT_BACKOFF, previous, 500);
        waits.push(previous);
      }
      expect(waits).to.deep.equal([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    });

    it("starts again from 1 s after a process ran for 30 s", function () {
      expect(nextRestartDelay(DEFAULT_BACKOFF, 16_000, 30_000)).to.equal(1_000);
    });
  });

  describe("RestartingProcess", function () {
    let dir: string;
    beforeEach(function () {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-supervisor-"));
    });
    afterEach(function () {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    function spec(script: string) {
      return {
        name: "test",
        command: process.execPath,
        args: ["-e", script],
        cwd: dir,
        env: {},
        logFile: path.join(dir, "log"),
      };
    }
    const fast = { initialMs: 20, maxMs: 40, factor: 2, stableAfterMs: 60_000 };

    it("restarts a process that dies, with growing waits, until stopped", async function () {
      const starts: number[] = [];
      const waits: number[] = [];
      const supervised = new RestartingProcess(spec("process.exit(3)"), {
        policy: fast,
        onStart: (_pid, restarts) => starts.push(restarts),
        onExit: (_exit, delay) => waits.push(delay),
      });
      supervised.start();
      const deadline = Date.now() + 20_000;
      while (starts.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await supervised.stop();
      expect(starts.slice(0, 4)).to.deep.equal([0, 1, 2, 3]);
      expect(waits.slice(0, 3)).to.deep.equal([20, 40, 40]);
    });

    it("gives up on a fatal exit and says so", async function () {
      const fatal = await new Promise<Exit>((resolve) => {
        new RestartingProcess(spec("process.exit(2)"), {
          policy: fast,
          isFatal: (exit) => exit.code === 2,
          onFatal: resolve,
          onExit: () => expect.fail("a fatal exit is not restarted"),
        }).start();
      });
      expect(fatal.code).to.equal(2);
    });

    it("stops a running process with SIGTERM and does not restart it", async function () {
      let starts = 0;
      const supervised = new RestartingProcess(spec("setInterval(() => {}, 1000)"), {
        policy: fast,
        onStart: () => (starts += 1),
      });
      supervised.start();
      const pid = supervised.pid!;
      await supervised.stop();
      await new Promise((r) => setTimeout(r, 100));
      expect(() => process.kill(pid, 0)).to.throw();
      expect(starts).to.equal(1);
    });
  });
});
