/**
 * Where the consumer's gateway sends an exchange: each department's endpoint as its admin published it on chain
 * (`GatewayEndpointSet`, empty = withdrawn) or the council cleared it (`GatewayEndpointCleared`), indexed into the
 * department store; only an active department's endpoint is ever called.
 */
import { expect } from "chai";
import request from "supertest";
import { departmentId } from "../../support/fetch-world";
import { startLiveGateway, type LiveGateway } from "../../support/live-gateway";

const HEALTH = "health";

describe("Departments: exchange endpoints indexed from the Consortium", function () {
  this.timeout(120_000);
  let gw: LiveGateway;

  const shown = async (key: string) =>
    (
      await request(gw.app)
        .get(`/v1/departments/${departmentId(gw, key)}`)
        .set("Authorization", gw.bearer("hrss"))
        .expect(200)
    ).body.gateway as string | null;
  const council = (body: object) =>
    request(gw.app).post("/v1/council/proposals").set("Authorization", gw.bearer("data-bureau", "council")).send(body);

  before(async function () {
    gw = await startLiveGateway();
  });

  after(async function () {
    await gw?.stop();
  });

  it("shows none before the department publishes one", async function () {
    expect(await shown(HEALTH)).to.equal(null);
    expect(gw.departments.endpointOf(departmentId(gw, HEALTH))).to.equal(null);
  });

  it("follows the admin's publication, a move and a withdrawal", async function () {
    await gw.chain.write(HEALTH, "Consortium", "setGatewayEndpoint", ["https://gw.health.example:8443"]);
    expect(await shown(HEALTH)).to.equal("https://gw.health.example:8443");
    expect(gw.departments.endpointOf(departmentId(gw, HEALTH))).to.equal("https://gw.health.example:8443");
    await gw.chain.write(HEALTH, "Consortium", "setGatewayEndpoint", ["https://gw2.health.example"]);
    expect(await shown(HEALTH)).to.equal("https://gw2.health.example");
    await gw.chain.write(HEALTH, "Consortium", "clearGatewayEndpoint", []);
    expect(await shown(HEALTH)).to.equal(null);
    expect(gw.departments.endpointOf(departmentId(gw, HEALTH))).to.equal(null);
  });

  it("forgets an endpoint the council cleared", async function () {
    await gw.chain.write(HEALTH, "Consortium", "setGatewayEndpoint", ["https://gw.health.example"]);
    const cleared = await council({ action: "clear_endpoint", departmentId: departmentId(gw, HEALTH) });
    expect(cleared.status, cleared.text).to.equal(201);
    expect(await shown(HEALTH)).to.equal(null);
  });

  it("calls no suspended department: its endpoint is ignored until it is reinstated", async function () {
    await gw.chain.write(HEALTH, "Consortium", "setGatewayEndpoint", ["https://gw.health.example"]);
    const suspended = await council({ action: "suspend", departmentId: departmentId(gw, HEALTH) });
    expect(suspended.status, suspended.text).to.equal(201);
    expect(gw.departments.endpointOf(departmentId(gw, HEALTH))).to.equal(null);
    // Still shown as published: the member list says what is on chain, the exchange what may be called.
    expect(await shown(HEALTH)).to.equal("https://gw.health.example");
    const reinstated = await council({ action: "reinstate", departmentId: departmentId(gw, HEALTH) });
    expect(reinstated.status, reinstated.text).to.equal(201);
    expect(gw.departments.endpointOf(departmentId(gw, HEALTH))).to.equal("https://gw.health.example");
  });
});
