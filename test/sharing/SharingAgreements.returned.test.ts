import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  CO1,
  CO2,
  CONSUMER,
  LEGAL_REFERENCE,
  LegalBasis,
  OTHER,
  PROVIDER,
  RES_CONDITIONAL,
  Status,
  deploySharing,
  termsTuple,
} from "./fixtures";

// Departments below the consumer (a city bureau under the provincial provider), for the depth of parent links.
const COUNTY = ethers.id("11440106MB2C66666F");
const TOWN = ethers.id("11440106MB2C77777G");
const VILLAGE = ethers.id("11440106MB2C88888H");
const HAMLET = ethers.id("11440106MB2C99999J");

/**
 * Data returned to lower levels (回流): a provincial provider marks a conditional resource returned; for the
 * departments below it in its region an agreement is active at once, as on an unconditional resource.
 */
describe("SharingAgreements: returned data (回流)", function () {
  async function returnedFixture() {
    const f = await deploySharing();
    const { consortium, catalog, stranger, grantee, relayer, deployer } = f;
    // The province (440000) provides; the city (440100) and a co-consumer city bureau hang under it by parent links.
    await consortium.setLineage(PROVIDER, 440000, ethers.ZeroHash);
    await consortium.setLineage(CONSUMER, 440100, PROVIDER);
    await consortium.setLineage(CO2, 440100, PROVIDER);
    // Another provincial department: in the region, not below the provider.
    await consortium.setLineage(CO1, 440000, ethers.ZeroHash);
    // Linked under the provider but in another province's region (Guangxi, 45).
    await consortium.setLineage(OTHER, 450100, PROVIDER);
    // Two to five links below the provider: county, town, village, hamlet.
    const chain = [
      [COUNTY, CONSUMER, stranger],
      [TOWN, COUNTY, grantee],
      [VILLAGE, TOWN, relayer],
      [HAMLET, VILLAGE, deployer],
    ] as const;
    for (const [dept, parent, op] of chain) {
      await consortium.setDepartment(dept, true, false);
      await consortium.setOperator(op.address, dept);
      await consortium.setLineage(dept, 440106, parent);
    }
    await catalog.setReturned(RES_CONDITIONAL, true);
    return f;
  }

  it("makes the city department's request on a returned conditional resource active at once, still under consent", async function () {
    const { sharing, consumerOp, terms } = await loadFixture(returnedFixture);
    const t = terms();
    const tx = sharing.connect(consumerOp).request(t);
    await expect(tx)
      .to.emit(sharing, "AgreementRequested")
      .withArgs(1n, RES_CONDITIONAL, CONSUMER, PROVIDER, termsTuple(t), 0n, true, Status.Active);
    await expect(tx).to.emit(sharing, "AgreementActivated").withArgs(1n, RES_CONDITIONAL, CONSUMER);
    const a = await sharing.agreement(1n);
    expect(a.replyDeadline).to.equal(0n);
    expect(a.providerApproved).to.equal(true);
    expect(a.requiresConsent).to.equal(true); // a personal resource on consent: bound to consent as any other
    expect(a.purpose).to.equal(t.purpose);
  });

  it("keeps the resource conditional for a resource not returned, and once the mark is withdrawn", async function () {
    const { sharing, catalog, consumerOp, terms } = await loadFixture(returnedFixture);
    await catalog.setReturned(RES_CONDITIONAL, false);
    await expect(sharing.connect(consumerOp).request(terms()))
      .to.emit(sharing, "AgreementRequested")
      .withArgs(1n, RES_CONDITIONAL, CONSUMER, PROVIDER, termsTuple(terms()), anyDeadline(), true, Status.Requested);
    expect((await sharing.agreement(1n)).replyDeadline).to.be.greaterThan(0n);
  });

  it("keeps it conditional for a department not below the provider: no parent link, or outside its region", async function () {
    const { sharing, co1Op, otherOp, terms } = await loadFixture(returnedFixture);
    for (const [op, id] of [
      [co1Op, 1n],
      [otherOp, 2n],
    ] as const) {
      await sharing.connect(op).request(terms());
      expect(await sharing.agreementStatus(id)).to.equal(Status.Requested);
      expect((await sharing.agreement(id)).replyDeadline).to.be.greaterThan(0n);
    }
  });

  it("needs every co-consumer below the provider; then only their seals are awaited", async function () {
    const { sharing, consumerOp, co2Op, terms } = await loadFixture(returnedFixture);
    await sharing.connect(consumerOp).request(terms({ coConsumers: [CO2] }));
    let a = await sharing.agreement(1n);
    expect([a.status, a.replyDeadline, a.providerApproved]).to.deep.equal([BigInt(Status.Requested), 0n, true]);
    await expect(sharing.connect(co2Op).seal(1n))
      .to.emit(sharing, "AgreementActivated")
      .withArgs(1n, RES_CONDITIONAL, CONSUMER);

    await sharing.connect(consumerOp).request(terms({ coConsumers: [CO1] }));
    a = await sharing.agreement(2n);
    expect(a.providerApproved).to.equal(false);
    expect(a.replyDeadline).to.be.greaterThan(0n);
  });

  it("still needs the provider's approval for personal data on a legal basis other than consent", async function () {
    const { sharing, consumerOp, terms } = await loadFixture(returnedFixture);
    await sharing
      .connect(consumerOp)
      .requestWithLegalReference(terms({ legalBasis: LegalBasis.StatutoryDuty }), LEGAL_REFERENCE);
    const a = await sharing.agreement(1n);
    expect(a.status).to.equal(Status.Requested);
    expect(a.providerApproved).to.equal(false);
    expect(a.replyDeadline).to.be.greaterThan(0n);
  });

  it("follows parent links down to four levels below the provider, not five", async function () {
    const { sharing, stranger, grantee, relayer, deployer, terms } = await loadFixture(returnedFixture);
    const expected: [typeof stranger, Status][] = [
      [stranger, Status.Active], // county: 2 links
      [grantee, Status.Active], // town: 3 links
      [relayer, Status.Active], // village: 4 links
      [deployer, Status.Requested], // hamlet: 5 links, deeper than the administrative levels
    ];
    for (const [i, [op, status]] of expected.entries()) {
      await sharing.connect(op).request(terms());
      expect(await sharing.agreementStatus(BigInt(i + 1)), `link depth ${i + 2}`).to.equal(status);
    }
  });

  it("reads a city provider's region as its own six digits' city prefix", async function () {
    const { sharing, consortium, consumerOp, terms } = await loadFixture(returnedFixture);
    await consortium.setLineage(PROVIDER, 440100, ethers.ZeroHash);
    await consortium.setLineage(CONSUMER, 440106, PROVIDER); // a district of the city
    await sharing.connect(consumerOp).request(terms());
    expect(await sharing.agreementStatus(1n)).to.equal(Status.Active);
    await consortium.setLineage(CONSUMER, 440200, PROVIDER); // another city of the province
    await sharing.connect(consumerOp).request(terms());
    expect(await sharing.agreementStatus(2n)).to.equal(Status.Requested);
  });
});

/** Any non-zero reply deadline, for an event assertion. */
function anyDeadline() {
  return (value: bigint) => value > 0n;
}
