import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { canonicalJson } from "../../core/json/canonical-json";
import type { IDataCatalog } from "../../typechain-types";

const MEMBER = ethers.id("kuajie.role.member");
const PUBLIC_SECURITY = ethers.id("11440000MB2C12345X");
const SOCIAL_SECURITY = ethers.id("11440000MB2D23456Y");
const SUSPENDED_DEPT = ethers.id("11440100MB2E34567Q");

const ShareType = { Unconditional: 0n, Conditional: 1n, NotShareable: 2n } as const;
const OpenType = { Open: 0n, Restricted: 1n } as const;
const SecurityLevel = { General: 0n, Important: 1n, Core: 2n } as const;
const ResourceStatus = { None: 0n, Active: 1n, Retired: 2n } as const;
/** `acceptedBases` bits: ISharingAgreements.LegalBasis Consent 0, StatutoryDuty 1, Contract 2, PublicInterest 3. */
const ALL_BASES = 0x0f;
const CONSENT_ONLY = 0x01;

type Terms = {
  shareType: bigint;
  openType: bigint;
  securityLevel: bigint;
  personal: boolean;
  sensitive: boolean;
  itemCount: number;
  legalBasis: string;
};

function terms(overrides: Partial<Terms> = {}): Terms {
  return {
    shareType: ShareType.Conditional,
    openType: OpenType.Restricted,
    securityLevel: SecurityLevel.Important,
    personal: true,
    sensitive: false,
    itemCount: 12,
    legalBasis: ethers.ZeroHash,
    ...overrides,
  };
}

/** The event's `ResourceTerms` tuple, in declaration order, as hardhat-chai-matchers compares structs. */
function termsTuple(t: Terms) {
  return [t.shareType, t.openType, t.securityLevel, t.personal, t.sensitive, t.itemCount, t.legalBasis];
}

function metadata(name: string, fieldCount: number, extra: object = {}): string {
  return canonicalJson({
    name,
    summary: `${name} held by the provider`,
    format: "json",
    updateCycle: "daily",
    fields: Array.from({ length: fieldCount }, (_, i) => ({ name: `item${i}`, type: "string" })),
    ...extra,
  });
}

const hashOf = (json: string) => ethers.keccak256(ethers.toUtf8Bytes(json));
const idOf = (provider: string, code: string) =>
  ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "string"], [provider, code]));

const CODE = "440000-GA-0001";
const META = metadata("Household register", 12);

describe("DataCatalog", function () {
  async function deployFixture() {
    const [deployer, psbOperator, psbOperator2, hrssOperator, suspendedOperator, outsider] = await ethers.getSigners();
    const consortium = await ethers.deployContract("ConsortiumMock");
    await consortium.setDepartment(PUBLIC_SECURITY, true, true);
    await consortium.setDepartment(SOCIAL_SECURITY, true, false);
    await consortium.setDepartment(SUSPENDED_DEPT, false, false);
    await consortium.setOperator(psbOperator.address, PUBLIC_SECURITY);
    await consortium.setOperator(psbOperator2.address, PUBLIC_SECURITY);
    await consortium.setOperator(hrssOperator.address, SOCIAL_SECURITY);
    await consortium.setOperator(suspendedOperator.address, SUSPENDED_DEPT);

    const catalog = await ethers.deployContract("DataCatalog", [await consortium.getAddress()]);
    // One registered resource of public security, for the update / retire / view tests.
    await catalog.connect(psbOperator).register(CODE, terms(), META);
    const resourceId = idOf(PUBLIC_SECURITY, CODE);

    return {
      deployer,
      psbOperator,
      psbOperator2,
      hrssOperator,
      suspendedOperator,
      outsider,
      consortium,
      catalog,
      resourceId,
    };
  }

  /** Checks every field of a stored record. */
  function expectRecord(
    record: IDataCatalog.ResourceStructOutput,
    expected: {
      provider: string;
      terms: Terms;
      version: bigint;
      status: bigint;
      metadata: string;
      acceptedBases?: number;
    },
  ) {
    const t = expected.terms;
    expect(record.provider).to.equal(expected.provider);
    expect(record.status).to.equal(expected.status);
    expect(record.metadataHash).to.equal(hashOf(expected.metadata));
    expect(record.shareType).to.equal(t.shareType);
    expect(record.openType).to.equal(t.openType);
    expect(record.securityLevel).to.equal(t.securityLevel);
    expect(record.personal).to.equal(t.personal);
    expect(record.sensitive).to.equal(t.sensitive);
    expect(record.itemCount).to.equal(t.itemCount);
    expect(record.version).to.equal(expected.version);
    expect(record.legalBasis).to.equal(t.legalBasis);
    expect(record.acceptedBases).to.equal(expected.acceptedBases ?? ALL_BASES);
  }

  type Catalog = Awaited<ReturnType<typeof deployFixture>>["catalog"];

  /** The tests every write on an existing resource shares: only an operator of its active provider may make it. */
  function itRefusesAllButTheActiveProvider(write: (catalog: Catalog, resourceId: string) => Promise<unknown>) {
    it("refuses an account of no department, an operator of another department and of a suspended one", async function () {
      const { catalog, outsider, hrssOperator, suspendedOperator, resourceId } = await loadFixture(deployFixture);
      for (const caller of [outsider, hrssOperator, suspendedOperator]) {
        await expect(write(catalog.connect(caller), resourceId))
          .to.be.revertedWithCustomError(catalog, "CatalogUnauthorizedAccount")
          .withArgs(caller.address, PUBLIC_SECURITY);
      }
    });

    it("refuses the provider's own operator while the provider is suspended", async function () {
      const { catalog, consortium, psbOperator, resourceId } = await loadFixture(deployFixture);
      await consortium.setDepartment(PUBLIC_SECURITY, false, true);
      await expect(write(catalog.connect(psbOperator), resourceId))
        .to.be.revertedWithCustomError(catalog, "CatalogUnauthorizedAccount")
        .withArgs(psbOperator.address, PUBLIC_SECURITY);
    });
  }

  describe("register", function () {
    it("stores the resource at version 1, active, with the hash of the metadata, and returns its id", async function () {
      const { catalog, hrssOperator } = await loadFixture(deployFixture);
      const t = terms({
        shareType: ShareType.Unconditional,
        openType: OpenType.Open,
        securityLevel: SecurityLevel.General,
        personal: false,
        sensitive: false,
        itemCount: 7,
      });
      const json = metadata("Pension payments", 7);
      const code = "440000-RS-0042";
      const expectedId = idOf(SOCIAL_SECURITY, code);

      expect(await catalog.connect(hrssOperator).register.staticCall(code, t, json)).to.equal(expectedId);
      await catalog.connect(hrssOperator).register(code, t, json);

      expectRecord(await catalog.resource(expectedId), {
        provider: SOCIAL_SECURITY,
        terms: t,
        version: 1n,
        status: ResourceStatus.Active,
        metadata: json,
      });
    });

    it("emits ResourceRegistered with the code, the full terms, the metadata hash and the metadata JSON", async function () {
      const { catalog, psbOperator } = await loadFixture(deployFixture);
      const basis = ethers.id("中华人民共和国居民身份证法 第六条");
      const t = terms({
        shareType: ShareType.NotShareable,
        securityLevel: SecurityLevel.Core,
        sensitive: true,
        itemCount: 3,
        legalBasis: basis,
      });
      const json = metadata("身份证照片", 3, { note: "生物识别信息" });
      const code = "440000-GA-0002";
      await expect(catalog.connect(psbOperator).register(code, t, json))
        .to.emit(catalog, "ResourceRegistered")
        .withArgs(idOf(PUBLIC_SECURITY, code), PUBLIC_SECURITY, code, termsTuple(t), hashOf(json), json);
      expectRecord(await catalog.resource(idOf(PUBLIC_SECURITY, code)), {
        provider: PUBLIC_SECURITY,
        terms: t,
        version: 1n,
        status: ResourceStatus.Active,
        metadata: json,
      });
    });

    it("lets every operator of the department register, and two departments use the same code", async function () {
      const { catalog, psbOperator2, hrssOperator } = await loadFixture(deployFixture);
      const code = "SHARED-CODE";
      await expect(catalog.connect(psbOperator2).register(code, terms(), META))
        .to.emit(catalog, "ResourceRegistered")
        .withArgs(idOf(PUBLIC_SECURITY, code), PUBLIC_SECURITY, code, termsTuple(terms()), hashOf(META), META);
      await expect(catalog.connect(hrssOperator).register(code, terms(), META))
        .to.emit(catalog, "ResourceRegistered")
        .withArgs(idOf(SOCIAL_SECURITY, code), SOCIAL_SECURITY, code, termsTuple(terms()), hashOf(META), META);
      expect(idOf(PUBLIC_SECURITY, code)).to.not.equal(idOf(SOCIAL_SECURITY, code));
      expect((await catalog.resource(idOf(SOCIAL_SECURITY, code))).provider).to.equal(SOCIAL_SECURITY);
    });

    it("refuses an account that acts for no department", async function () {
      const { catalog, outsider } = await loadFixture(deployFixture);
      await expect(catalog.connect(outsider).register("X-1", terms(), META))
        .to.be.revertedWithCustomError(catalog, "CatalogUnauthorizedAccount")
        .withArgs(outsider.address, MEMBER);
    });

    it("refuses an operator of a suspended department", async function () {
      const { catalog, suspendedOperator } = await loadFixture(deployFixture);
      await expect(catalog.connect(suspendedOperator).register("X-1", terms(), META))
        .to.be.revertedWithCustomError(catalog, "CatalogUnauthorizedAccount")
        .withArgs(suspendedOperator.address, MEMBER);
    });

    it("refuses an operator whose department was suspended after it registered", async function () {
      const { catalog, consortium, psbOperator } = await loadFixture(deployFixture);
      await consortium.setDepartment(PUBLIC_SECURITY, false, true);
      await expect(catalog.connect(psbOperator).register("X-1", terms(), META))
        .to.be.revertedWithCustomError(catalog, "CatalogUnauthorizedAccount")
        .withArgs(psbOperator.address, MEMBER);
    });

    it("refuses a code the department already used, by any of its operators, even once retired", async function () {
      const { catalog, psbOperator, psbOperator2, resourceId } = await loadFixture(deployFixture);
      await expect(catalog.connect(psbOperator2).register(CODE, terms(), META))
        .to.be.revertedWithCustomError(catalog, "CatalogResourceExists")
        .withArgs(resourceId);
      await catalog.connect(psbOperator).retire(resourceId);
      await expect(catalog.connect(psbOperator).register(CODE, terms(), META))
        .to.be.revertedWithCustomError(catalog, "CatalogResourceExists")
        .withArgs(resourceId);
    });

    it("refuses an empty code and a code over 64 bytes (counted in UTF-8 bytes)", async function () {
      const { catalog, psbOperator } = await loadFixture(deployFixture);
      for (const code of ["", "x".repeat(65), "户".repeat(22)]) {
        await expect(catalog.connect(psbOperator).register(code, terms(), META)).to.be.revertedWithCustomError(
          catalog,
          "CatalogInvalidCode",
        );
      }
    });

    it("accepts codes of 1 and 64 bytes", async function () {
      const { catalog, psbOperator } = await loadFixture(deployFixture);
      for (const code of ["x", "y".repeat(64), "户".repeat(21)]) {
        await expect(catalog.connect(psbOperator).register(code, terms(), META))
          .to.emit(catalog, "ResourceRegistered")
          .withArgs(idOf(PUBLIC_SECURITY, code), PUBLIC_SECURITY, code, termsTuple(terms()), hashOf(META), META);
      }
    });

    it("refuses an item count of 0 or over 256", async function () {
      const { catalog, psbOperator } = await loadFixture(deployFixture);
      for (const itemCount of [0, 257, 65535]) {
        await expect(catalog.connect(psbOperator).register("X-1", terms({ itemCount }), META))
          .to.be.revertedWithCustomError(catalog, "CatalogInvalidItemCount")
          .withArgs(itemCount);
      }
    });

    it("accepts item counts of 1 and 256", async function () {
      const { catalog, psbOperator } = await loadFixture(deployFixture);
      for (const itemCount of [1, 256]) {
        const code = `ITEMS-${itemCount}`;
        await catalog.connect(psbOperator).register(code, terms({ itemCount }), metadata(code, itemCount));
        expect((await catalog.resource(idOf(PUBLIC_SECURITY, code))).itemCount).to.equal(itemCount);
      }
    });

    it("refuses a not-shareable resource without a legal basis, and keeps a legal basis given for another class", async function () {
      const { catalog, psbOperator } = await loadFixture(deployFixture);
      const code = "NS-1";
      await expect(catalog.connect(psbOperator).register(code, terms({ shareType: ShareType.NotShareable }), META))
        .to.be.revertedWithCustomError(catalog, "CatalogLegalBasisRequired")
        .withArgs(idOf(PUBLIC_SECURITY, code));

      const basis = ethers.id("conditions: statutory duty only");
      await catalog.connect(psbOperator).register(code, terms({ legalBasis: basis }), META);
      expect((await catalog.resource(idOf(PUBLIC_SECURITY, code))).legalBasis).to.equal(basis);
    });

    it("refuses an enum value out of range (ABI decoding)", async function () {
      const { catalog, psbOperator } = await loadFixture(deployFixture);
      await expect(catalog.connect(psbOperator).register("X-1", terms({ shareType: 3n }), META)).to.be.reverted;
      await expect(catalog.connect(psbOperator).register("X-1", terms({ securityLevel: 3n }), META)).to.be.reverted;
    });
  });

  describe("update", function () {
    it("replaces terms, metadata hash and legal basis, bumps the version and keeps provider and status", async function () {
      const { catalog, psbOperator, resourceId } = await loadFixture(deployFixture);
      const t2 = terms({
        shareType: ShareType.NotShareable,
        openType: OpenType.Open,
        securityLevel: SecurityLevel.Core,
        personal: false,
        sensitive: true,
        itemCount: 20,
        legalBasis: ethers.id("basis"),
      });
      const json2 = metadata("Household register", 20, { revision: 2 });
      await catalog.connect(psbOperator).update(resourceId, t2, json2);

      expectRecord(await catalog.resource(resourceId), {
        provider: PUBLIC_SECURITY,
        terms: t2,
        version: 2n,
        status: ResourceStatus.Active,
        metadata: json2,
      });
    });

    it("emits ResourceUpdated with the new version, full terms, metadata hash and metadata JSON at every update", async function () {
      const { catalog, psbOperator, psbOperator2, resourceId } = await loadFixture(deployFixture);
      const t2 = terms({ itemCount: 13 });
      const json2 = metadata("Household register", 13);
      await expect(catalog.connect(psbOperator).update(resourceId, t2, json2))
        .to.emit(catalog, "ResourceUpdated")
        .withArgs(resourceId, PUBLIC_SECURITY, 2n, termsTuple(t2), hashOf(json2), json2);

      // Same terms and metadata again still count as a new version; another operator of the provider may update.
      await expect(catalog.connect(psbOperator2).update(resourceId, t2, json2))
        .to.emit(catalog, "ResourceUpdated")
        .withArgs(resourceId, PUBLIC_SECURITY, 3n, termsTuple(t2), hashOf(json2), json2);
      expect((await catalog.resource(resourceId)).version).to.equal(3n);
    });

    it("refuses an item count lower than the current one, 0 or over 256, and accepts the same count or more", async function () {
      const { catalog, psbOperator, resourceId } = await loadFixture(deployFixture);
      for (const itemCount of [11, 1, 0, 257]) {
        await expect(catalog.connect(psbOperator).update(resourceId, terms({ itemCount }), META))
          .to.be.revertedWithCustomError(catalog, "CatalogInvalidItemCount")
          .withArgs(itemCount);
      }
      await catalog.connect(psbOperator).update(resourceId, terms({ itemCount: 12 }), META);
      await catalog.connect(psbOperator).update(resourceId, terms({ itemCount: 256 }), META);
      expect(await catalog.fullMask(resourceId)).to.equal(ethers.MaxUint256);
    });

    it("refuses to make a resource not shareable without a legal basis", async function () {
      const { catalog, psbOperator, resourceId } = await loadFixture(deployFixture);
      await expect(catalog.connect(psbOperator).update(resourceId, terms({ shareType: ShareType.NotShareable }), META))
        .to.be.revertedWithCustomError(catalog, "CatalogLegalBasisRequired")
        .withArgs(resourceId);
    });

    it("refuses an unknown resource", async function () {
      const { catalog, psbOperator } = await loadFixture(deployFixture);
      const unknown = idOf(PUBLIC_SECURITY, "NEVER-REGISTERED");
      await expect(catalog.connect(psbOperator).update(unknown, terms(), META))
        .to.be.revertedWithCustomError(catalog, "CatalogUnknownResource")
        .withArgs(unknown);
    });

    itRefusesAllButTheActiveProvider((catalog, resourceId) => catalog.update(resourceId, terms(), META));

    it("refuses a retired resource (and tells a stranger only that it is not theirs)", async function () {
      const { catalog, psbOperator, hrssOperator, resourceId } = await loadFixture(deployFixture);
      await catalog.connect(psbOperator).retire(resourceId);
      await expect(catalog.connect(psbOperator).update(resourceId, terms(), META))
        .to.be.revertedWithCustomError(catalog, "CatalogResourceRetired")
        .withArgs(resourceId);
      await expect(catalog.connect(hrssOperator).update(resourceId, terms(), META))
        .to.be.revertedWithCustomError(catalog, "CatalogUnauthorizedAccount")
        .withArgs(hrssOperator.address, PUBLIC_SECURITY);
    });
  });

  describe("retire", function () {
    it("marks the resource retired, keeps its version and terms, and emits ResourceRetired", async function () {
      const { catalog, psbOperator2, psbOperator, resourceId } = await loadFixture(deployFixture);
      await catalog.connect(psbOperator).update(resourceId, terms({ itemCount: 14 }), META);
      await expect(catalog.connect(psbOperator2).retire(resourceId))
        .to.emit(catalog, "ResourceRetired")
        .withArgs(resourceId, PUBLIC_SECURITY, 2n);

      expectRecord(await catalog.resource(resourceId), {
        provider: PUBLIC_SECURITY,
        terms: terms({ itemCount: 14 }),
        version: 2n,
        status: ResourceStatus.Retired,
        metadata: META,
      });
      expect(await catalog.fullMask(resourceId)).to.equal((1n << 14n) - 1n);
    });

    it("refuses a resource already retired", async function () {
      const { catalog, psbOperator, resourceId } = await loadFixture(deployFixture);
      await catalog.connect(psbOperator).retire(resourceId);
      await expect(catalog.connect(psbOperator).retire(resourceId))
        .to.be.revertedWithCustomError(catalog, "CatalogResourceRetired")
        .withArgs(resourceId);
    });

    it("refuses an unknown resource", async function () {
      const { catalog, psbOperator } = await loadFixture(deployFixture);
      const unknown = ethers.id("unknown");
      await expect(catalog.connect(psbOperator).retire(unknown))
        .to.be.revertedWithCustomError(catalog, "CatalogUnknownResource")
        .withArgs(unknown);
    });

    itRefusesAllButTheActiveProvider((catalog, resourceId) => catalog.retire(resourceId));
  });

  describe("setAcceptedLegalBases", function () {
    it("narrows the accepted legal bases (all four at registration), keeps the version, emits the change", async function () {
      const { catalog, psbOperator2, resourceId } = await loadFixture(deployFixture);
      expect((await catalog.resource(resourceId)).acceptedBases).to.equal(ALL_BASES);
      await expect(catalog.connect(psbOperator2).setAcceptedLegalBases(resourceId, CONSENT_ONLY | 0x02))
        .to.emit(catalog, "ResourceLegalBasesChanged")
        .withArgs(resourceId, PUBLIC_SECURITY, CONSENT_ONLY | 0x02);
      const record = await catalog.resource(resourceId);
      expect(record.acceptedBases).to.equal(CONSENT_ONLY | 0x02);
      expect(record.version).to.equal(1n);
    });

    it("keeps the accepted bases across an update", async function () {
      const { catalog, psbOperator, resourceId } = await loadFixture(deployFixture);
      await catalog.connect(psbOperator).setAcceptedLegalBases(resourceId, CONSENT_ONLY);
      await catalog.connect(psbOperator).update(resourceId, terms({ itemCount: 14 }), META);
      expect((await catalog.resource(resourceId)).acceptedBases).to.equal(CONSENT_ONLY);
    });

    it("refuses no basis at all and bits beyond the four legal bases", async function () {
      const { catalog, psbOperator, resourceId } = await loadFixture(deployFixture);
      for (const bases of [0, 0x10, 0x1f, 0xff]) {
        await expect(catalog.connect(psbOperator).setAcceptedLegalBases(resourceId, bases))
          .to.be.revertedWithCustomError(catalog, "CatalogInvalidLegalBases")
          .withArgs(bases);
      }
    });

    it("refuses an unknown resource and a retired one", async function () {
      const { catalog, psbOperator, resourceId } = await loadFixture(deployFixture);
      const unknown = ethers.id("unknown");
      await expect(catalog.connect(psbOperator).setAcceptedLegalBases(unknown, CONSENT_ONLY))
        .to.be.revertedWithCustomError(catalog, "CatalogUnknownResource")
        .withArgs(unknown);
      await catalog.connect(psbOperator).retire(resourceId);
      await expect(catalog.connect(psbOperator).setAcceptedLegalBases(resourceId, CONSENT_ONLY))
        .to.be.revertedWithCustomError(catalog, "CatalogResourceRetired")
        .withArgs(resourceId);
    });

    itRefusesAllButTheActiveProvider((catalog, resourceId) => catalog.setAcceptedLegalBases(resourceId, CONSENT_ONLY));
  });

  describe("setReturned (回流)", function () {
    it("marks a resource returned to the departments below its provider and withdraws the mark, keeping the version", async function () {
      const { catalog, psbOperator2, resourceId } = await loadFixture(deployFixture);
      expect(await catalog.isReturned(resourceId)).to.equal(false);
      await expect(catalog.connect(psbOperator2).setReturned(resourceId, true))
        .to.emit(catalog, "ResourceReturnChanged")
        .withArgs(resourceId, PUBLIC_SECURITY, true);
      expect(await catalog.isReturned(resourceId)).to.equal(true);
      expect((await catalog.resource(resourceId)).version).to.equal(1n);
      await expect(catalog.connect(psbOperator2).setReturned(resourceId, false))
        .to.emit(catalog, "ResourceReturnChanged")
        .withArgs(resourceId, PUBLIC_SECURITY, false);
      expect(await catalog.isReturned(resourceId)).to.equal(false);
    });

    it("keeps the mark across an update", async function () {
      const { catalog, psbOperator, resourceId } = await loadFixture(deployFixture);
      await catalog.connect(psbOperator).setReturned(resourceId, true);
      await catalog.connect(psbOperator).update(resourceId, terms({ itemCount: 14 }), META);
      expect(await catalog.isReturned(resourceId)).to.equal(true);
    });

    it("refuses an unknown resource and a retired one", async function () {
      const { catalog, psbOperator, resourceId } = await loadFixture(deployFixture);
      const unknown = ethers.id("unknown");
      await expect(catalog.connect(psbOperator).setReturned(unknown, true))
        .to.be.revertedWithCustomError(catalog, "CatalogUnknownResource")
        .withArgs(unknown);
      await catalog.connect(psbOperator).retire(resourceId);
      await expect(catalog.connect(psbOperator).setReturned(resourceId, true))
        .to.be.revertedWithCustomError(catalog, "CatalogResourceRetired")
        .withArgs(resourceId);
    });

    itRefusesAllButTheActiveProvider((catalog, resourceId) => catalog.setReturned(resourceId, true));
  });

  describe("views", function () {
    it("resource: an unknown id reads as all zeros with status None", async function () {
      const { catalog } = await loadFixture(deployFixture);
      const record = await catalog.resource(ethers.id("unknown"));
      expect(record.status).to.equal(ResourceStatus.None);
      expect(record.provider).to.equal(ethers.ZeroHash);
      expect(record.version).to.equal(0n);
      expect(record.itemCount).to.equal(0n);
      expect(record.metadataHash).to.equal(ethers.ZeroHash);
    });

    it("fullMask: the low itemCount bits for 1, 8, 255 and 256 items; zero for an unknown resource", async function () {
      const { catalog, psbOperator } = await loadFixture(deployFixture);
      const expected: [number, bigint][] = [
        [1, 1n],
        [8, 0xffn],
        [255, (1n << 255n) - 1n],
        [256, ethers.MaxUint256],
      ];
      for (const [itemCount, mask] of expected) {
        const code = `MASK-${itemCount}`;
        await catalog.connect(psbOperator).register(code, terms({ itemCount }), META);
        expect(await catalog.fullMask(idOf(PUBLIC_SECURITY, code))).to.equal(mask);
      }
      expect(await catalog.fullMask(idOf(PUBLIC_SECURITY, "NEVER-REGISTERED"))).to.equal(0n);
    });

    it("fullMask follows an update that adds items", async function () {
      const { catalog, psbOperator, resourceId } = await loadFixture(deployFixture);
      expect(await catalog.fullMask(resourceId)).to.equal(0xfffn);
      await catalog.connect(psbOperator).update(resourceId, terms({ itemCount: 16 }), META);
      expect(await catalog.fullMask(resourceId)).to.equal(0xffffn);
    });

    it("resourceIdOf is keccak256(abi.encode(providerId, code)), as ethers computes it (property)", async function () {
      const { catalog } = await loadFixture(deployFixture);
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc.string({ maxLength: 64 }),
          async (p, code) => {
            const provider = ethers.hexlify(p);
            expect(await catalog.resourceIdOf(provider, code)).to.equal(idOf(provider, code));
          },
        ),
        { numRuns: 50 },
      );
    });

    it("resourceIdOf gives the id that register returned and stored", async function () {
      const { catalog, resourceId } = await loadFixture(deployFixture);
      expect(await catalog.resourceIdOf(PUBLIC_SECURITY, CODE)).to.equal(resourceId);
      expect((await catalog.resource(resourceId)).provider).to.equal(PUBLIC_SECURITY);
      expect((await catalog.resource(resourceId)).metadataHash).to.equal(hashOf(META));
    });
  });
});
