import { spawn } from "node:child_process";
import { once } from "node:events";
import { type AddressInfo, createServer } from "node:net";
import path from "node:path";
import { expect } from "chai";
import { DEFAULT_BACKEND_PORTS, backendsOptionsFromEnv, startBackends, PORTS_FROM_OS } from "../../backends/main";
import { DEV_BACKEND_TOKEN } from "../../core/backend";

describe("starting the demo provider backends", function () {
  it("reads ports, seed, population and the control flag from the environment, with defaults", function () {
    expect(backendsOptionsFromEnv({})).to.deep.include({ ports: DEFAULT_BACKEND_PORTS, allowControl: false });
    const options = backendsOptionsFromEnv(
      { KUAJIE_BACKEND_PORT_HRSS: "9102", KUAJIE_BACKENDS_SEED: "5", KUAJIE_BACKENDS_PEOPLE: "12" },
      ["--control"],
    );
    expect(options).to.deep.equal({
      ports: { ...DEFAULT_BACKEND_PORTS, hrss: 9102 },
      seed: 5,
      people: 12,
      allowControl: true,
      token: DEV_BACKEND_TOKEN,
    });
    expect(backendsOptionsFromEnv({ KUAJIE_BACKEND_TOKEN: "a-department-secret-token" }).token).to.equal(
      "a-department-secret-token",
    );
    expect(() => backendsOptionsFromEnv({ NODE_ENV: "production" })).to.throw(/KUAJIE_BACKEND_TOKEN/);
    expect(() => backendsOptionsFromEnv({ KUAJIE_BACKEND_TOKEN: "short" })).to.throw(/KUAJIE_BACKEND_TOKEN/);
    expect(backendsOptionsFromEnv({ KUAJIE_BACKENDS_CONTROL: "true" }).allowControl).to.equal(true);
  });

  it("refuses a wrong value naming the variable", function () {
    expect(() => backendsOptionsFromEnv({ KUAJIE_BACKEND_PORT_HEALTH: "http" })).to.throw(/KUAJIE_BACKEND_PORT_HEALTH/);
    expect(() => backendsOptionsFromEnv({ KUAJIE_BACKEND_PORT_HEALTH: "70000" })).to.throw(
      /KUAJIE_BACKEND_PORT_HEALTH/,
    );
    expect(() => backendsOptionsFromEnv({ KUAJIE_BACKENDS_CONTROL: "yes" })).to.throw(/KUAJIE_BACKENDS_CONTROL/);
  });

  it("serves each provider department on its own URL and closes idempotently", async function () {
    const backends = await startBackends({ ports: PORTS_FROM_OS, people: 5 });
    const ports = new Set<string>();
    for (const [department, url] of Object.entries(backends.urls)) {
      expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      ports.add(new URL(url).port);
      const health = (await (await fetch(`${url}/healthz`)).json()) as { department: string };
      expect(health.department).to.equal(department);
    }
    expect(ports.size).to.equal(4);
    await backends.close();
    await backends.close();
  });

  it("fails to start, releasing the ports it took, when a port is already in use", async function () {
    const first = await startBackends({ ports: PORTS_FROM_OS, people: 1 });
    const busyPort = Number(new URL(first.urls.hrss).port);
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const freePort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    let failure: unknown;
    try {
      await startBackends({ ports: { ...PORTS_FROM_OS, "public-security": freePort, hrss: busyPort }, people: 1 });
    } catch (error) {
      failure = error;
    }
    expect(failure).to.have.property("code", "EADDRINUSE");
    // The public-security backend started before the failure; its port must be free again.
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      probe.listen(freePort, "127.0.0.1", resolve);
    });
    await new Promise((resolve) => probe.close(resolve));
    await first.close();
  });

  it("runs as a process that prints its URLs and stops cleanly on SIGTERM", async function () {
    const main = path.join(__dirname, "../../backends/main.ts");
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", main, "--control"], {
      env: {
        ...process.env,
        KUAJIE_BACKEND_PORT_PUBLIC_SECURITY: "0",
        KUAJIE_BACKEND_PORT_HRSS: "0",
        KUAJIE_BACKEND_PORT_HEALTH: "0",
        KUAJIE_BACKEND_PORT_DATA_BUREAU: "0",
        KUAJIE_BACKENDS_PEOPLE: "5",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    try {
      let output = "";
      child.stdout.setEncoding("utf8");
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (chunk: string) => {
          output += chunk;
          if (/health\s+http:\/\/127\.0\.0\.1:\d+/.test(output)) resolve();
        });
        child.once("exit", () => reject(new Error(`backends exited early: ${output}`)));
      });
      const healthUrl = /health\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      expect((await fetch(`${healthUrl}/healthz`)).status).to.equal(200);
      expect(output).to.match(/public-security\s+http:\/\/127\.0\.0\.1:\d+/);
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const [code] = await exited;
      expect(code).to.equal(0);
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
