import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import express from "express";
import request from "supertest";
import { BACKEND_TOKEN_HEADER, DEV_BACKEND_TOKEN } from "../../core/backend";
import { createBareProxy } from "../../bench/lib/bare-proxy";
import { type RunningBackends, startBackends, PORTS_FROM_OS } from "../../backends/main";

describe("bare proxy (benchmark baseline)", function () {
  let backends: RunningBackends;

  before(async function () {
    backends = await startBackends({ ports: PORTS_FROM_OS, people: 10 });
  });

  after(async function () {
    await backends.close();
  });

  it("forwards a fetch to the backend's /query and passes its answer through unfiltered", async function () {
    const record = backends.datasets["public-security"][0]!.records[0]!;
    const response = await request(
      createBareProxy(backends.urls["public-security"], { backendToken: DEV_BACKEND_TOKEN }),
    )
      .post("/fetch")
      .send({
        resourceCode: "household-registration",
        subject: { idType: "resident_id", idNumber: record.idNumber },
        fields: ["name"],
      })
      .expect(200);
    expect(response.body.data).to.include({ ...record });
    expect(response.body.data).to.have.property("internalNote");
  });

  it("passes the backend's errors through with their status", async function () {
    const proxy = createBareProxy(`${backends.urls.hrss}/`, { backendToken: DEV_BACKEND_TOKEN });
    await request(proxy)
      .post("/fetch")
      .send({ resourceCode: "social-insurance-status", subject: { idType: "resident_id", idNumber: "0" }, fields: [] })
      .expect(404, { error: "not_found" });
    const malformed = await request(proxy).post("/fetch").send({ fields: "name" }).expect(400);
    expect(malformed.body.error).to.equal("bad_request");
  });

  it("answers 502 when the backend cannot be reached", async function () {
    const stopped = await startBackends({ ports: PORTS_FROM_OS, people: 1 });
    await stopped.close();
    await request(createBareProxy(stopped.urls.health))
      .post("/fetch")
      .send({ resourceCode: "medical-institutions", fields: [] })
      .expect(502, { error: "backend_unreachable" });
  });

  it("chains two hops (consumer side → provider side → backend), the provider side presenting the backend token", async function () {
    const seen: Array<string | undefined> = [];
    const backend = express();
    backend.post("/query", express.json(), (req, res) => {
      seen.push(req.get(BACKEND_TOKEN_HEADER));
      res.json({ data: { echoed: req.body as unknown } });
    });
    const listening = (app: express.Express) =>
      new Promise<Server>((resolve) => {
        const server = app.listen(0, "127.0.0.1", () => resolve(server));
      });
    const backendServer = await listening(backend);
    const providerSide = await listening(
      createBareProxy(`http://127.0.0.1:${(backendServer.address() as AddressInfo).port}`, {
        backendToken: "secret-of-this-start",
      }),
    );
    try {
      const consumerSide = createBareProxy(`http://127.0.0.1:${(providerSide.address() as AddressInfo).port}`, {
        path: "fetch",
      });
      const response = await request(consumerSide)
        .post("/fetch")
        .send({ resourceCode: "household-registration", fields: ["name"] })
        .expect(200);
      expect(response.body.data.echoed).to.deep.include({ resourceCode: "household-registration", fields: ["name"] });
      expect(seen).to.deep.equal(["secret-of-this-start"], "one query reached the backend, with the token");
    } finally {
      providerSide.close();
      backendServer.close();
    }
  });
});
