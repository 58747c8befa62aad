import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  Action,
  CITY,
  HEALTH,
  POLICE,
  Roles,
  councilDecides,
  foundedFixture,
  payload,
  unfoundedFixture,
} from "./fixtures";
import { itIsPublishedByTheDepartmentsAdminOnly } from "./published-by-admin";

const ENDPOINT = "https://gateway.police.gd.gov.cn:8443";

describe("Consortium: gateway exchange endpoints", function () {
  describe("setGatewayEndpoint", function () {
    itIsPublishedByTheDepartmentsAdminOnly({
      what: "publish and replace its gateway's endpoint",
      event: "GatewayEndpointSet",
      value: ENDPOINT,
      moved: "http://10.0.0.7:8080/kuajie",
      publish: (consortium, value) => consortium.setGatewayEndpoint(value),
      read: (consortium, departmentId) => consortium.gatewayEndpointOf(departmentId),
    });

    it("keeps each department's endpoint apart", async function () {
      const { consortium, policeAdmin, cityAdmin } = await loadFixture(foundedFixture);
      await consortium.connect(policeAdmin).setGatewayEndpoint(ENDPOINT);
      await consortium.connect(cityAdmin).setGatewayEndpoint("https://gateway.city.example");
      expect(await consortium.gatewayEndpointOf(POLICE.id)).to.equal(ENDPOINT);
      expect(await consortium.gatewayEndpointOf(CITY.id)).to.equal("https://gateway.city.example");
      expect(await consortium.gatewayEndpointOf(HEALTH.id)).to.equal("");
    });

    it("refuses what is not an http(s) URL with a host part, of at most 256 bytes", async function () {
      const { consortium, policeAdmin } = await loadFixture(foundedFixture);
      const refused = [
        "",
        "http://",
        "https://",
        "http:/",
        "https:/x",
        "HTTPS://gateway.example",
        "ftp://gateway.example",
        "gateway.example",
        `https://${"a".repeat(249)}`,
        // 8 + 86 × 3 = 266 bytes in 94 characters: the cap counts bytes.
        `https://${"数".repeat(86)}`,
      ];
      for (const bad of refused) {
        await expect(consortium.connect(policeAdmin).setGatewayEndpoint(bad))
          .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidEndpoint")
          .withArgs(bad);
      }
      expect(await consortium.gatewayEndpointOf(POLICE.id)).to.equal("");
      for (const good of ["http://a", "https://a", `https://${"a".repeat(248)}`, `http://${"a".repeat(249)}`]) {
        await expect(consortium.connect(policeAdmin).setGatewayEndpoint(good))
          .to.emit(consortium, "GatewayEndpointSet")
          .withArgs(POLICE.id, good, policeAdmin.address);
      }
    });

    it("keeps a suspended department's endpoint recorded, for gateways to ignore while it is suspended", async function () {
      const f = await loadFixture(foundedFixture);
      await f.consortium.connect(f.healthAdmin).setGatewayEndpoint(ENDPOINT);
      await councilDecides(f, Action.Suspend, payload.department(HEALTH.id));
      expect(await f.consortium.gatewayEndpointOf(HEALTH.id)).to.equal(ENDPOINT);
      expect(await f.consortium.isActive(HEALTH.id)).to.equal(false);
      await councilDecides(f, Action.Reinstate, payload.department(HEALTH.id));
      expect(await f.consortium.gatewayEndpointOf(HEALTH.id)).to.equal(ENDPOINT);
    });
  });

  describe("clearGatewayEndpoint", function () {
    it("lets a department's admin withdraw its endpoint: the event carries an empty URL", async function () {
      const { consortium, policeAdmin } = await loadFixture(foundedFixture);
      await consortium.connect(policeAdmin).setGatewayEndpoint(ENDPOINT);
      await expect(consortium.connect(policeAdmin).clearGatewayEndpoint())
        .to.emit(consortium, "GatewayEndpointSet")
        .withArgs(POLICE.id, "", policeAdmin.address);
      expect(await consortium.gatewayEndpointOf(POLICE.id)).to.equal("");
    });

    it("refuses when no endpoint is published", async function () {
      const { consortium, policeAdmin } = await loadFixture(foundedFixture);
      await expect(consortium.connect(policeAdmin).clearGatewayEndpoint())
        .to.be.revertedWithCustomError(consortium, "ConsortiumNoEndpoint")
        .withArgs(POLICE.id);
    });

    it("refuses a plain operator, an account of no department and the admin of a suspended department", async function () {
      const f = await loadFixture(foundedFixture);
      await f.consortium.connect(f.policeAdmin).setGatewayEndpoint(ENDPOINT);
      await f.consortium.connect(f.healthAdmin).setGatewayEndpoint(ENDPOINT);
      await councilDecides(f, Action.Suspend, payload.department(HEALTH.id));
      for (const who of [f.policeOp, f.outsider, f.healthAdmin]) {
        await expect(f.consortium.connect(who).clearGatewayEndpoint())
          .to.be.revertedWithCustomError(f.consortium, "ConsortiumUnauthorizedAccount")
          .withArgs(who.address, Roles.DEPARTMENT_ADMIN);
      }
      expect(await f.consortium.gatewayEndpointOf(POLICE.id)).to.equal(ENDPOINT);
      expect(await f.consortium.gatewayEndpointOf(HEALTH.id)).to.equal(ENDPOINT);
    });

    it("refuses before founding", async function () {
      const { consortium, deployer } = await loadFixture(unfoundedFixture);
      await expect(consortium.connect(deployer).clearGatewayEndpoint()).to.be.revertedWithCustomError(
        consortium,
        "ConsortiumNotFounded",
      );
    });
  });

  describe("ClearEndpoint (the council)", function () {
    it("clears a department's endpoint through propose and approve, leaving its node alone", async function () {
      const f = await loadFixture(foundedFixture);
      const enode = `enode://${"ab".repeat(64)}@10.0.0.2:30303`;
      await f.consortium.connect(f.cityAdmin).setGatewayEndpoint(ENDPOINT);
      await f.consortium.connect(f.cityAdmin).registerNode(enode);
      await expect(f.consortium.connect(f.bureauAdmin).propose(Action.ClearEndpoint, payload.department(CITY.id)))
        .to.emit(f.consortium, "ProposalCreated")
        .and.not.to.emit(f.consortium, "GatewayEndpointCleared");
      expect(await f.consortium.gatewayEndpointOf(CITY.id)).to.equal(ENDPOINT);
      await expect(f.consortium.connect(f.policeOp).approve(1))
        .to.emit(f.consortium, "GatewayEndpointCleared")
        .withArgs(CITY.id, 1)
        .and.to.emit(f.consortium, "ProposalExecuted")
        .withArgs(1, Action.ClearEndpoint);
      expect(await f.consortium.gatewayEndpointOf(CITY.id)).to.equal("");
      expect(await f.consortium.nodeOf(CITY.id)).to.equal(enode);
    });

    it("clears the endpoint of a suspended department", async function () {
      const f = await loadFixture(foundedFixture);
      await f.consortium.connect(f.healthAdmin).setGatewayEndpoint(ENDPOINT);
      await councilDecides(f, Action.Suspend, payload.department(HEALTH.id));
      await f.consortium.connect(f.bureauAdmin).propose(Action.ClearEndpoint, payload.department(HEALTH.id));
      // Two seats remain (BUREAU, POLICE): both are needed.
      await expect(f.consortium.connect(f.policeOp).approve(2))
        .to.emit(f.consortium, "GatewayEndpointCleared")
        .withArgs(HEALTH.id, 2);
      expect(await f.consortium.gatewayEndpointOf(HEALTH.id)).to.equal("");
    });

    it("refuses to clear an endpoint that is not published, at propose time and again at execution", async function () {
      const f = await loadFixture(foundedFixture);
      await expect(f.consortium.connect(f.bureauAdmin).propose(Action.ClearEndpoint, payload.department(CITY.id)))
        .to.be.revertedWithCustomError(f.consortium, "ConsortiumNoEndpoint")
        .withArgs(CITY.id);
      await f.consortium.connect(f.cityAdmin).setGatewayEndpoint(ENDPOINT);
      await f.consortium.connect(f.bureauAdmin).propose(Action.ClearEndpoint, payload.department(CITY.id));
      await f.consortium.connect(f.policeOp).propose(Action.ClearEndpoint, payload.department(CITY.id));
      await f.consortium.connect(f.healthOp).approve(1);
      await expect(f.consortium.connect(f.healthOp).approve(2))
        .to.be.revertedWithCustomError(f.consortium, "ConsortiumNoEndpoint")
        .withArgs(CITY.id);
    });

    it("refuses a proposal by a department without a council seat, even its admin", async function () {
      const f = await loadFixture(foundedFixture);
      await f.consortium.connect(f.policeAdmin).setGatewayEndpoint(ENDPOINT);
      for (const who of [f.cityAdmin, f.cityOp, f.outsider]) {
        await expect(f.consortium.connect(who).propose(Action.ClearEndpoint, payload.department(POLICE.id)))
          .to.be.revertedWithCustomError(f.consortium, "ConsortiumUnauthorizedAccount")
          .withArgs(who.address, Roles.COUNCIL_MEMBER);
      }
      expect(await f.consortium.gatewayEndpointOf(POLICE.id)).to.equal(ENDPOINT);
    });
  });
});
