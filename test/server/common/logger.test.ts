import { expect } from "chai";
import request from "supertest";
import { createLogger } from "../../../server/src/common/logger";
import { LogCapture, buildGateway, syntheticResidentId } from "../support/gateway";
import { widgetsModule } from "../support/widgets";

describe("logging", function () {
  it("never writes a token, an identity number or an Authorization header", async function () {
    const gateway = buildGateway({ modules: [widgetsModule()] });
    const issued = gateway.tokens.create({ departmentKey: "data-bureau", role: "operator" });
    const bearer = `Bearer ${issued.token}`;
    const idNumber = syntheticResidentId(42);
    const wrongNumber = idNumber.slice(0, 17) + (idNumber[17] === "0" ? "1" : "0");

    await request(gateway.app)
      .post("/v1/subjects/ref")
      .set("Authorization", bearer)
      .send({ idType: "resident_id", idNumber })
      .expect(200);
    await request(gateway.app)
      .post("/v1/subjects/ref")
      .set("Authorization", bearer)
      .send({ idType: "resident_id", idNumber: wrongNumber })
      .expect(400);
    await request(gateway.app)
      .post("/v1/subjects/ref")
      .set("Authorization", bearer)
      .set("Content-Type", "application/json")
      .send(`{"idType":"resident_id","idNumber":"${idNumber}",`)
      .expect(400);
    await request(gateway.app)
      .post("/v1/widgets")
      .set("Authorization", bearer)
      .send({ name: "explode", fields: [{ name: "a", type: "string" }], secretNote: idNumber })
      .expect(500);
    await request(gateway.app)
      .get("/v1/me?token=" + issued.token)
      .set("Authorization", bearer)
      .expect(200);
    await request(gateway.app)
      .get("/v1/me")
      .set("Authorization", `Bearer kj_${"D".repeat(43)}`)
      .expect(401);

    const text = gateway.logs.text();
    expect(gateway.logs.lines.length).to.be.greaterThan(5);
    expect(text).not.to.include(issued.token);
    expect(text).not.to.include(issued.token.slice(3));
    expect(text).not.to.include("D".repeat(43));
    expect(text).not.to.include(idNumber);
    expect(text).not.to.include(wrongNumber);
    expect(text).not.to.match(/authorization/i);
  });

  it("puts the request id on every request line", async function () {
    const gateway = buildGateway();
    await request(gateway.app).get("/healthz").set("x-request-id", "req-abc").expect(200);
    const lines = gateway.logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requestLine = lines.find((line) => line.msg === "request");
    expect(requestLine).to.include({
      requestId: "req-abc",
      method: "GET",
      path: "/healthz",
      route: "/healthz",
      status: 200,
    });
  });

  it("redacts secret keys in objects logged by mistake", function () {
    const capture = new LogCapture();
    const logger = createLogger({ destination: capture });
    logger.info(
      {
        headers: { authorization: "Bearer kj_leak" },
        subject: { idType: "resident_id", idNumber: "990000199001010017" },
        wallet: { privateKey: "0xdeadbeef", mnemonic: "test test junk" },
        keystore: { password: "hunter2" },
        token: "kj_leak2",
      },
      "oops",
    );
    const text = capture.text();
    for (const secret of ["kj_leak", "990000199001010017", "0xdeadbeef", "test test junk", "hunter2", "kj_leak2"]) {
      expect(text).not.to.include(secret);
    }
    expect(text).to.include("[redacted]");
  });
});
