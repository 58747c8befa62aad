import { expect } from "chai";
import { type RunningBackends, startBackends, PORTS_FROM_OS } from "../../backends/main";
import { GARBAGE_BODY } from "../../backends/server";
import { BACKEND_TOKEN_HEADER, DEV_BACKEND_TOKEN } from "../../core/backend";

async function post(url: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", [BACKEND_TOKEN_HEADER]: DEV_BACKEND_TOKEN },
    body: JSON.stringify(body),
    signal,
  });
}

async function errorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof Error ? error.name : String(error);
  }
  return "no error";
}

describe("demo provider backend fault modes", function () {
  let backends: RunningBackends;
  let healthCardQuery: { resourceCode: string; subject: { idType: string; idNumber: string }; fields: string[] };
  let institutionsQuery: { resourceCode: string; fields: string[] };

  const control = (body: unknown) => post(`${backends.urls.health}/_control`, body);
  const queryHealth = (signal?: AbortSignal) => post(`${backends.urls.health}/query`, healthCardQuery, signal);

  beforeEach(async function () {
    backends = await startBackends({ ports: PORTS_FROM_OS, people: 20, allowControl: true });
    const [healthCard] = backends.datasets.health;
    healthCardQuery = {
      resourceCode: "health-card",
      subject: { idType: "resident_id", idNumber: String(healthCard!.records[0]!.idNumber) },
      fields: ["bloodType"],
    };
    institutionsQuery = { resourceCode: "medical-institutions", fields: ["name"] };
  });

  afterEach(async function () {
    await backends.close();
  });

  it("hangs without answering until the client gives up, and answers again once switched back", async function () {
    expect((await control({ mode: "hang" })).status).to.equal(200);
    expect(await errorName(queryHealth(AbortSignal.timeout(200)))).to.equal("TimeoutError");
    expect((await fetch(`${backends.urls.health}/healthz`)).status).to.equal(200);
    expect((await control({ mode: "normal" })).status).to.equal(200);
    expect((await queryHealth(AbortSignal.timeout(10_000))).status).to.equal(200);
  });

  it("drops hung requests when the backends close", async function () {
    await control({ mode: "hang" });
    const hung = queryHealth();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await backends.close();
    expect(await errorName(hung)).to.equal("TypeError"); // undici: "fetch failed", the socket was closed
  });

  it("answers 500 in error500 mode", async function () {
    await control({ mode: "error500" });
    const response = await queryHealth();
    expect(response.status).to.equal(500);
    expect(await response.json()).to.deep.equal({ error: "internal_error", detail: "simulated failure" });
  });

  it("answers 200 with a body that claims to be JSON and is not, in garbage mode", async function () {
    await control({ mode: "garbage" });
    const response = await queryHealth();
    expect(response.status).to.equal(200);
    expect(response.headers.get("content-type")).to.match(/application\/json/);
    const text = await response.text();
    expect(text).to.equal(GARBAGE_BODY);
    expect(() => JSON.parse(text)).to.throw(SyntaxError);
  });

  it("answers normally only after delayMs in slow mode, so a shorter client timeout fires first", async function () {
    const settings = await (await control({ mode: "slow", delayMs: 300 })).json();
    expect(settings).to.deep.equal({ mode: "slow", delayMs: 300 });
    // Client and server share this event loop: a 50 ms timer always fires before the 300 ms one.
    expect(await errorName(queryHealth(AbortSignal.timeout(50)))).to.equal("TimeoutError");
    const response = await queryHealth(AbortSignal.timeout(10_000));
    expect(response.status).to.equal(200);
    const body = (await response.json()) as { data: Record<string, unknown> };
    expect(body.data).to.include.keys("bloodType", "internalNote");
  });

  it("fails one department's backend while the others keep serving", async function () {
    await backends.close();
    backends = await startBackends({ ports: PORTS_FROM_OS, people: 20, behaviour: { hrss: { mode: "error500" } } });
    const hrssAnswer = await post(`${backends.urls.hrss}/query`, {
      resourceCode: "social-insurance-status",
      fields: [],
    });
    expect(hrssAnswer.status).to.equal(500);
    expect((await post(`${backends.urls.health}/query`, institutionsQuery)).status).to.equal(200);
    // Started without the control flag: the fault cannot be switched from outside.
    expect((await post(`${backends.urls.hrss}/_control`, { mode: "normal" })).status).to.equal(404);
  });

  it("reports the current behaviour and refuses an unknown mode or a negative delay", async function () {
    expect(await (await fetch(`${backends.urls.health}/_control`)).json()).to.deep.equal({
      mode: "normal",
      delayMs: 1_000,
    });
    expect((await control({ mode: "explode" })).status).to.equal(400);
    expect((await control({ mode: "slow", delayMs: -1 })).status).to.equal(400);
    expect((await queryHealth()).status).to.equal(200);
  });
});
