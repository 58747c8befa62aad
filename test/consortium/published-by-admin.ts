import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import type { Consortium } from "../../typechain-types";
import { Action, HEALTH, POLICE, Roles, councilDecides, foundedFixture, payload, unfoundedFixture } from "./fixtures";

/** A string each department publishes on the Consortium for itself (its gateway's endpoint, its node). */
export interface PublishedByAdmin {
  /** The first test's verb phrase: "publish and replace its gateway's endpoint". */
  what: string;
  event: "GatewayEndpointSet" | "NodeRegistered";
  value: string;
  /** A second valid value, that replaces the first. */
  moved: string;
  publish(consortium: Consortium, value: string): Promise<ContractTransactionResponse>;
  read(consortium: Consortium, departmentId: string): Promise<string>;
}

/** The tests every such string shares: the admin publishes and replaces it; others, and an unfounded Consortium, refuse. */
export function itIsPublishedByTheDepartmentsAdminOnly(p: PublishedByAdmin): void {
  it(`lets a department's admin ${p.what}, with the event`, async function () {
    const { consortium, policeAdmin } = await loadFixture(foundedFixture);
    expect(await p.read(consortium, POLICE.id)).to.equal("");
    await expect(p.publish(consortium.connect(policeAdmin), p.value))
      .to.emit(consortium, p.event)
      .withArgs(POLICE.id, p.value, policeAdmin.address);
    expect(await p.read(consortium, POLICE.id)).to.equal(p.value);
    await expect(p.publish(consortium.connect(policeAdmin), p.moved))
      .to.emit(consortium, p.event)
      .withArgs(POLICE.id, p.moved, policeAdmin.address);
    expect(await p.read(consortium, POLICE.id)).to.equal(p.moved);
  });

  it("refuses a plain operator, an account of no department and the admin of a suspended department", async function () {
    const f = await loadFixture(foundedFixture);
    await councilDecides(f, Action.Suspend, payload.department(HEALTH.id));
    for (const who of [f.policeOp, f.outsider, f.healthAdmin]) {
      await expect(p.publish(f.consortium.connect(who), p.value))
        .to.be.revertedWithCustomError(f.consortium, "ConsortiumUnauthorizedAccount")
        .withArgs(who.address, Roles.DEPARTMENT_ADMIN);
    }
  });

  it("refuses before founding", async function () {
    const { consortium, deployer } = await loadFixture(unfoundedFixture);
    await expect(p.publish(consortium.connect(deployer), p.value)).to.be.revertedWithCustomError(
      consortium,
      "ConsortiumNotFounded",
    );
  });
}
