import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { audit, pending, SUBJECT, writeReceipts, type AuditOutcome } from "./world";
import { anchorSides, exchange, loadExchangeWorld, type ExchangeEntry, type ExchangeWorld } from "./exchange-world";

type Sides = { consumer: ExchangeEntry[]; provider: ExchangeEntry[] };

async function auditSides(x: ExchangeWorld, sides: Sides, extra: string[] = []): Promise<AuditOutcome> {
  const consumerFile = writeReceipts(x, "consumer.json", sides.consumer);
  const providerFile = writeReceipts(x, "provider.json", sides.provider);
  return audit(x, ["exchange", consumerFile, providerFile, ...extra]);
}

function rulesOf(outcome: AuditOutcome, receiptId: string): string[] {
  return outcome.json.violations.filter((v) => v.receiptId === receiptId).map((v) => v.rule);
}

function expectViolation(outcome: AuditOutcome, rule: string, receiptId: string, counterpartId?: string) {
  expect(outcome.code, outcome.stdout + outcome.stderr).to.equal(1);
  const found = outcome.json.violations.filter(
    (v) =>
      v.rule === rule &&
      v.receiptId === receiptId &&
      (counterpartId === undefined || (v as { counterpartId?: string }).counterpartId === counterpartId),
  );
  expect(found, `expected ${rule} for ${receiptId}, got ${JSON.stringify(outcome.json.violations, null, 2)}`).to.not.be
    .empty;
  return found;
}

function expectPass(outcome: AuditOutcome) {
  expect(outcome.code, JSON.stringify(outcome.json?.violations ?? outcome.stderr, null, 2)).to.equal(0);
  expect(outcome.json.verdict).to.equal("pass");
}

/** Two delivered exchanges and one refused by the provider (consent), every receipt anchored on its own side. */
async function cleanSides(x: ExchangeWorld): Promise<Sides> {
  return anchorSides(x, [
    await exchange(x, 1),
    await exchange(x, 2, { provider: { result: "denied", reason: "consent_missing" } }),
    await exchange(x, 3),
  ]);
}

describe("audit exchange", function () {
  it("passes (exit 0) when both sides' receipts pair and every signature is the right department's", async function () {
    const x = await loadExchangeWorld();
    const outcome = await auditSides(x, await cleanSides(x));

    expectPass(outcome);
    expect(outcome.json.summary).to.include({
      exchanges: 3,
      "pairs (both receipts)": 3,
      delivered: 2,
      "refused or failed on both sides": 1,
      unmatched: 0,
      violations: 0,
    });
  });

  it("prints a text report and writes Markdown that name the receipts of each exchange", async function () {
    const x = await loadExchangeWorld();
    const sides = await cleanSides(x);
    const markdown = path.join(x.dir, "exchange.md");
    const outcome = await audit(
      x,
      [
        "exchange",
        writeReceipts(x, "c.json", sides.consumer),
        writeReceipts(x, "p.json", sides.provider),
        "--out",
        markdown,
      ],
      { json: false },
    );

    expect(outcome.code, outcome.stdout + outcome.stderr).to.equal(0);
    expect(outcome.stdout).to.contain("verdict: PASS").and.to.contain("Exchanges").and.to.contain("consumer receipt");
    expect(fs.readFileSync(markdown, "utf8")).to.contain("Exchange audit").and.to.contain("delivered");
  });

  it("flags the provider's delivery as exchange_unmatched when the consumer's receipt is removed", async function () {
    const x = await loadExchangeWorld();
    const sides = await cleanSides(x);
    const removed = sides.consumer[0];

    const outcome = await auditSides(x, { ...sides, consumer: sides.consumer.slice(1) });

    const [v] = expectViolation(outcome, "exchange_unmatched", sides.provider[0].receipt.id);
    expect(v.detail).to.contain("provider receipt").and.to.contain("#1").and.to.contain(sides.provider[0].receipt.id);
    // The consumer's anchored batch shows the hole as well.
    expect(outcome.json.violations.map((w) => w.rule)).to.include("sequence_gap");
    expect(rulesOf(outcome, removed.receipt.id)).to.not.include("exchange_unmatched");
  });

  it("flags the consumer's delivery as exchange_unmatched when the provider's receipt is removed", async function () {
    const x = await loadExchangeWorld();
    const sides = await cleanSides(x);

    const outcome = await auditSides(x, { ...sides, provider: sides.provider.slice(1) });

    expectViolation(outcome, "exchange_unmatched", sides.consumer[0].receipt.id);
    expect(outcome.json.violations.map((w) => w.rule)).to.include("sequence_gap");
  });

  it("says which declared loss may explain an exchange the other side has no receipt of, and still flags it", async function () {
    const x = await loadExchangeWorld();
    const first = await anchorSides(x, [await exchange(x, 1)]);
    const second = await anchorSides(x, [await exchange(x, 2)]);
    // Public security's gateway lost its second batch (its receipt of exchange 2) and its admin declared it.
    await x.s.ledger.connect(x.security).declareLoss(2, ethers.id("incident report"));

    const outcome = await auditSides(x, {
      consumer: [...first.consumer, ...second.consumer],
      provider: first.provider,
    });

    expect(outcome.json.violations.map((v) => v.rule)).to.deep.equal(["receipts_lost", "exchange_unmatched"]);
    const [unmatched] = expectViolation(outcome, "exchange_unmatched", second.consumer[0].receipt.id);
    expect(unmatched.detail)
      .to.contain("the consumer delivered data and the provider has no receipt of the exchange")
      .and.to.contain(`department ${x.securityId.toLowerCase()} declared its receipts of batch 2 (2..2) lost`);
  });

  it("flags a changed response hash as exchange_mismatch naming both receipts, beside the broken proof", async function () {
    const x = await loadExchangeWorld();
    const sides = await cleanSides(x);
    const [first, ...rest] = sides.consumer;
    const tampered = { ...first, receipt: { ...first.receipt, responseHash: ethers.id("other data") } };

    const outcome = await auditSides(x, { ...sides, consumer: [tampered, ...rest] });

    const [v] = expectViolation(outcome, "exchange_mismatch", first.receipt.id, sides.provider[0].receipt.id);
    expect(v.detail).to.contain(first.receipt.id).and.to.contain(sides.provider[0].receipt.id);
    expect(rulesOf(outcome, first.receipt.id)).to.include.members(["leaf_mismatch", "proof_invalid"]);
  });

  it("flags a request signed by another department's key as exchange_bad_signature on both receipts", async function () {
    const x = await loadExchangeWorld();
    const sides = await anchorSides(x, [await exchange(x, 1, { requestSigner: x.s.operators["data-bureau"] })]);

    const outcome = await auditSides(x, sides);

    expectViolation(outcome, "exchange_bad_signature", sides.consumer[0].receipt.id);
    expectViolation(outcome, "exchange_bad_signature", sides.provider[0].receipt.id);
  });

  it("flags a response signed by the consumer as exchange_bad_signature on both receipts", async function () {
    const x = await loadExchangeWorld();
    const sides = await anchorSides(x, [await exchange(x, 1, { responseSigner: x.civil })]);

    const outcome = await auditSides(x, sides);

    for (const entry of [sides.consumer[0], sides.provider[0]]) {
      const [v] = expectViolation(outcome, "exchange_bad_signature", entry.receipt.id);
      expect(v.detail).to.contain("response signature").and.to.contain(x.civil.address);
    }
  });

  it("flags signatures swapped between the request and the response", async function () {
    const x = await loadExchangeWorld();
    const sides = await cleanSides(x);
    const entry = sides.consumer[0];
    const swapped: ExchangeEntry = {
      ...entry,
      exchange: {
        ...entry.exchange!,
        requestSignature: entry.exchange!.responseSignature!,
        responseSignature: entry.exchange!.requestSignature,
      },
    };

    const outcome = await auditSides(x, { ...sides, consumer: [swapped, ...sides.consumer.slice(1)] });

    const details = expectViolation(outcome, "exchange_bad_signature", entry.receipt.id).map((v) => v.detail);
    expect(details.some((d) => d.includes("request signature"))).to.equal(true);
    expect(details.some((d) => d.includes("response signature"))).to.equal(true);
    // The consumer kept an answer that is not the provider's (its signature no longer verifies).
    expect(rulesOf(outcome, sides.provider[0].receipt.id)).to.deep.equal([]);
  });

  it("flags a changed requestId: in the envelope as a mismatch, in the signed request as a bad digest", async function () {
    const x = await loadExchangeWorld();
    const sides = await cleanSides(x);
    const [first, second, ...rest] = sides.consumer;
    const otherId = ethers.id("another request");
    const envelopeChanged: ExchangeEntry = { ...first, requestId: otherId };
    const requestChanged: ExchangeEntry = {
      ...second,
      exchange: { ...second.exchange!, request: { ...second.exchange!.request, requestId: otherId } },
    };

    const outcome = await auditSides(x, { ...sides, consumer: [envelopeChanged, requestChanged, ...rest] });

    expectViolation(outcome, "exchange_mismatch", first.receipt.id);
    // Paired by the changed id, neither delivery finds its counterpart.
    expectViolation(outcome, "exchange_unmatched", first.receipt.id);
    expectViolation(outcome, "exchange_unmatched", sides.provider[0].receipt.id);
    const [bad] = expectViolation(outcome, "exchange_bad_signature", second.receipt.id);
    expect(bad.detail).to.contain("anchored requestHash");
  });

  it("reports byte for byte the same whether a child process recovers the signers or this one does", async function () {
    const x = await loadExchangeWorld();
    const sides = await anchorSides(x, [
      await exchange(x, 1),
      await exchange(x, 2, { provider: { result: "denied", reason: "consent_missing" } }),
      await exchange(x, 3, { requestSigner: x.s.operators["data-bureau"] }),
      await exchange(x, 4, { responseSigner: x.civil }),
      await exchange(x, 5),
    ]);
    const [first, second, ...rest] = sides.consumer;
    const signed = first.exchange!;
    // Signatures swapped between the request and the response, and one whose recovery fails (r = 0).
    const swapped = {
      ...first,
      exchange: { ...signed, requestSignature: signed.responseSignature!, responseSignature: signed.requestSignature },
    };
    const unrecoverable = {
      ...second,
      exchange: { ...second.exchange!, requestSignature: `0x${"0".repeat(64)}${signed.requestSignature.slice(66)}` },
    };
    const consumerFile = writeReceipts(x, "consumer.json", [swapped, unrecoverable, ...rest]);
    const providerFile = writeReceipts(x, "provider.json", sides.provider);

    for (const json of [true, false]) {
      const byChild = await audit(x, ["exchange", consumerFile, providerFile], {
        json,
        signerRecovery: { childFrom: 1, shareWork: false },
      });
      const here = await audit(x, ["exchange", consumerFile, providerFile], {
        json,
        signerRecovery: { childFrom: Infinity },
      });
      expect(byChild.code).to.equal(1);
      expect(byChild.stdout).to.contain("exchange_bad_signature");
      expect(byChild.stdout).to.equal(here.stdout);
      expect(byChild.stderr).to.equal(here.stderr);
      expect(byChild.code).to.equal(here.code);
    }
  });

  it("reports an unreadable exchange envelope as exchange_malformed and receipts without one as a note", async function () {
    const x = await loadExchangeWorld();
    const sides = await cleanSides(x);
    const broken: ExchangeEntry = { ...sides.consumer[0], role: "broker" as never };
    const preFederation = pending(await x.receipts.next({ result: "denied", reason: "grant_inactive" }));

    const outcome = await auditSides(x, {
      ...sides,
      consumer: [broken, ...sides.consumer.slice(1), preFederation],
    });

    expectViolation(outcome, "exchange_malformed", broken.receipt.id);
    expect(outcome.json.summary["receipts without an exchange (pre-federation, not paired)"]).to.equal(1);
    expect(rulesOf(outcome, preFederation.receipt.id)).to.deep.equal([]);
  });

  it("checks a provider's receipts against the consumer of each signed request (receipts and subject)", async function () {
    const x = await loadExchangeWorld();
    const sides = await cleanSides(x);
    const providerFile = writeReceipts(x, "provider.json", sides.provider);

    expectPass(await audit(x, ["receipts", providerFile]));
    const subject = await audit(x, ["subject", "--subject-ref", SUBJECT, "--receipts", providerFile]);
    expectPass(subject);
    const accesses = subject.json.data.accesses as { result: string; covered: boolean | null }[];
    expect(accesses.filter((a) => a.result === "delivered").map((a) => a.covered)).to.deep.equal([true, true]);

    // Without its envelope, the same delivery reads as public security serving itself, which its grant does not allow.
    const bare = sides.provider.map(({ receipt, leaf, status, batch, proof }) => ({
      receipt,
      leaf,
      status,
      batch,
      proof,
    }));
    const outcome = await audit(x, ["receipts", writeReceipts(x, "bare.json", bare)]);
    expectViolation(outcome, "receipt_inconsistent", sides.provider[0].receipt.id);
  });

  it("refuses (exit 2) one file instead of two, naming the usage", async function () {
    const x = await loadExchangeWorld();
    const outcome = await audit(x, ["exchange", writeReceipts(x, "only.json", [])], { json: false });

    expect(outcome.code).to.equal(2);
    expect(outcome.stderr).to.contain("npm run audit -- exchange <consumer-file> <provider-file>");
  });

  describe("the crash rule table (docs/FEDERATION.md §4)", function () {
    it("accepts a consumer that closed as not delivered after the provider delivered, with or without its answer", async function () {
      const x = await loadExchangeWorld();
      const sides = await anchorSides(x, [
        await exchange(x, 1, { consumer: { result: "failed", reason: "not_delivered" } }),
        await exchange(x, 2, { consumer: { result: "failed", reason: "not_delivered" }, keepResponse: false }),
        await exchange(x, 3, { consumer: { result: "failed", reason: "provider_timeout" }, keepResponse: false }),
      ]);

      const outcome = await auditSides(x, sides);

      expectPass(outcome);
      expect(outcome.json.summary["closed as not delivered after the provider delivered (accepted)"]).to.equal(3);
    });

    it("accepts a consumer that stopped a delivery on a revocation indexed during the call, keeping the answer", async function () {
      const x = await loadExchangeWorld();
      const built = [
        await exchange(x, 1, { consumer: { result: "failed", reason: "grant_inactive" } }),
        await exchange(x, 2, { consumer: { result: "failed", reason: "grant_inactive" }, keepResponse: false }),
      ];
      const sides = await anchorSides(x, built);

      const outcome = await auditSides(x, sides);

      // Kept the provider's signed answer: accepted. Kept nothing: the provider's delivery is unaccounted for.
      expect(outcome.json.violations.map((v) => [v.rule, v.receiptId])).to.deep.equal([
        ["exchange_mismatch", built[1].consumer!.receipt.id],
      ]);
      expect(outcome.json.summary["closed as not delivered after the provider delivered (accepted)"]).to.equal(1);
    });

    it("accepts a consumer that got no answer and a provider refusal nobody asked for", async function () {
      const x = await loadExchangeWorld();
      const sides = await anchorSides(x, [
        await exchange(x, 1),
        await exchange(x, 2, { provider: null, consumer: { result: "failed", reason: "provider_unreachable" } }),
        await exchange(x, 3, { provider: { result: "denied", reason: "exchange_stale" }, consumer: null }),
        // Refused on the consumer's own view: its request was signed, never sent.
        await exchange(x, 4, { provider: null, consumer: { result: "denied", reason: "consent_withdrawn" } }),
        await exchange(x, 5, { provider: null, consumer: { result: "failed", reason: "provider_timeout" } }),
      ]);

      const outcome = await auditSides(x, sides);

      expectPass(outcome);
      expect(outcome.json.summary).to.include({
        "consumer only, no answer came (accepted)": 3,
        "of which refused or failed by the consumer before asking the provider": 1,
        "provider refusals without a consumer receipt (accepted)": 1,
      });
    });

    it("flags data the consumer delivered without a provider receipt", async function () {
      const x = await loadExchangeWorld();
      const built = [
        await exchange(x, 1),
        await exchange(x, 2, { provider: null, consumer: { result: "delivered" }, keepResponse: true }),
      ];
      const sides = await anchorSides(x, built);

      const outcome = await auditSides(x, sides);

      expectViolation(outcome, "exchange_unmatched", built[1].consumer!.receipt.id);
      expect(outcome.json.violations.map((v) => v.rule)).to.deep.equal(["exchange_unmatched"]);
    });

    it("flags a provider delivery the consumer has no receipt of at all", async function () {
      const x = await loadExchangeWorld();
      const built = [await exchange(x, 1), await exchange(x, 2, { consumer: null })];
      const sides = await anchorSides(x, built);

      const outcome = await auditSides(x, sides);

      expectViolation(outcome, "exchange_unmatched", built[1].provider!.receipt.id);
      expect(outcome.json.violations.map((v) => v.rule)).to.deep.equal(["exchange_unmatched"]);
    });

    it("flags a provider delivery the consumer recorded as refused for another reason, and a delivery the provider refused", async function () {
      const x = await loadExchangeWorld();
      const built = [
        await exchange(x, 1, { consumer: { result: "denied", reason: "purpose_mismatch" }, keepResponse: false }),
        await exchange(x, 2, {
          provider: { result: "denied", reason: "consent_missing" },
          consumer: { result: "delivered" },
          keepResponse: false,
        }),
      ];
      const sides = await anchorSides(x, built);

      const outcome = await auditSides(x, sides);

      expectViolation(outcome, "exchange_mismatch", built[0].consumer!.receipt.id, built[0].provider!.receipt.id);
      expectViolation(outcome, "exchange_mismatch", built[1].consumer!.receipt.id, built[1].provider!.receipt.id);
    });
  });
});
