/**
 * The auditor's child process for signature recovery (scripts/audit/signer-recovery.ts): what it answers is what
 * `recoverSigner` answers, and a child that fails, in any way, leaves the answers to this process.
 */
import { expect } from "chai";
import { id } from "ethers";
import { ExchangeCrypto } from "../../core/audit/exchange/envelope";
import { ECDSA_IMPLEMENTATION, digestSigner, plainRecovery } from "../../core/crypto/ecdsa";
import { exchangeDomain, recoverSigner } from "../../core/exchange";
import { SignerRecovery, type SignerRecoveryOptions } from "../../scripts/audit/signer-recovery";

// Fixed keys and digests, never random.
const consumer = digestSigner(id("kuajie signer recovery consumer key"));
const provider = digestSigner(id("kuajie signer recovery provider key"));
const DIGESTS = Array.from({ length: 300 }, (_, i) => id(`kuajie signer recovery digest ${i}`));
/** 600 plain signatures by two signers, one of r = 0 (plain in form, its recovery throws), one in another form. */
const SIGNED = DIGESTS.flatMap((digest) => [
  { digest, signature: consumer.sign(digest) },
  { digest, signature: provider.sign(digest) },
]);
const UNRECOVERABLE = { digest: DIGESTS[0], signature: `0x${"0".repeat(64)}${SIGNED[0].signature.slice(66)}` };
const NOT_PLAIN = { digest: DIGESTS[1], signature: `${SIGNED[1].signature.slice(0, 130)}00` };
const SENT = [...SIGNED, UNRECOVERABLE];

/** A crypto that records what it is told (`knowSigner`) and what it recovers itself (`signer` without an answer). */
function recordingCrypto() {
  const crypto = new ExchangeCrypto(exchangeDomain(31337n, consumer.address));
  const told = new Map<string, string | null>();
  const knowSigner = crypto.knowSigner.bind(crypto);
  crypto.knowSigner = (digest, signature, signer) => {
    told.set(`${digest}${signature}`, signer);
    knowSigner(digest, signature, signer);
  };
  return { crypto, told };
}

function addAll(recovery: SignerRecovery) {
  for (const { digest, signature } of [...SENT, NOT_PLAIN]) recovery.add(digest, signature);
  recovery.add(DIGESTS[2], undefined); // a receipt without a response signature
  recovery.add(SIGNED[3].digest, SIGNED[3].signature); // a signature taken once only
}

/** A recovery with `options` given every signature, settled: what the crypto was told, and the counts. */
async function settled(options: SignerRecoveryOptions) {
  const { crypto, told } = recordingCrypto();
  const recovery = new SignerRecovery(crypto, options);
  addAll(recovery);
  await recovery.settle();
  return { crypto, told, counts: recovery.counts };
}

/** Every signature's signer, as the check asks for it, is `recoverSigner`'s. */
function expectSignersOfRecoverSigner(crypto: ExchangeCrypto) {
  for (const { digest, signature } of [...SENT, NOT_PLAIN])
    expect(crypto.signer(digest, signature), `${digest} ${signature}`).to.equal(recoverSigner(digest, signature));
  expect(crypto.signer(SIGNED[0].digest, SIGNED[0].signature)).to.equal(consumer.address);
  expect(crypto.signer(SIGNED[1].digest, SIGNED[1].signature)).to.equal(provider.address);
  expect(crypto.signer(UNRECOVERABLE.digest, UNRECOVERABLE.signature)).to.equal(null);
}

describe("audit: signers recovered by a child process (scripts/audit/signer-recovery.ts)", function () {
  this.timeout(60_000);

  before(function () {
    if (ECDSA_IMPLEMENTATION !== "libsecp256k1") this.skip(); // no addon here, no child to test (where it loads, a test below injects its absence)
  });

  it("takes only plain signatures of 32-byte digests, each once: what recoverDigestSigner sends to libsecp256k1", function () {
    expect(plainRecovery(SIGNED[0].digest, SIGNED[0].signature)).to.not.equal(null);
    expect(plainRecovery(NOT_PLAIN.digest, NOT_PLAIN.signature)).to.equal(null);
    expect(plainRecovery(DIGESTS[0].slice(0, 64), SIGNED[0].signature)).to.equal(null);
  });

  it("gives the crypto the child's answers, and they are recoverSigner's, null where recovery throws", async function () {
    const { crypto, told, counts } = await settled({ childFrom: 1, shareWork: false });

    expect(counts).to.deep.equal({ child: SENT.length, here: 0 });
    expect(told.size).to.equal(SENT.length);
    for (const { digest, signature } of SENT)
      expect(told.get(`${digest}${signature}`)).to.equal(recoverSigner(digest, signature));
    expect(told.get(`${UNRECOVERABLE.digest}${UNRECOVERABLE.signature}`)).to.equal(null);
    expect(told.has(`${NOT_PLAIN.digest}${NOT_PLAIN.signature}`)).to.equal(false);
    expectSignersOfRecoverSigner(crypto);
  });

  it("recovers here, from the last signature back, what the child has not answered when the check asks", async function () {
    const { crypto, counts } = await settled({ childFrom: 1 });

    expect(counts.child + counts.here).to.equal(SENT.length);
    expectSignersOfRecoverSigner(crypto);
  });

  const nothingByChild: [string, SignerRecoveryOptions][] = [
    ["no child below `childFrom` signatures", { childFrom: SENT.length + 1 }],
    ["no child where the native addon does not load", { childFrom: 1, bindings: null }],
  ];
  for (const [what, options] of nothingByChild)
    it(`starts ${what}: each signature is recovered when the check asks for it`, async function () {
      const { crypto, told, counts } = await settled(options);

      expect(counts).to.deep.equal({ child: 0, here: 0 });
      expect(told.size).to.equal(0);
      expectSignersOfRecoverSigner(crypto);
    });

  const failing: [string, SignerRecoveryOptions][] = [
    ["exits at once", { program: "process.exit(3)" }],
    ["cannot load the addon", { bindings: "/nonexistent/secp256k1/bindings.js" }],
    ["never answers", { program: "process.stdin.resume()" }],
    [
      "answers out of protocol",
      { program: `process.stdin.on("data", (d) => process.stdout.write(Buffer.alloc(d.length, 7)))` },
    ],
    [
      "answers half an answer and exits",
      { program: `process.stdout.write(Buffer.alloc(30, 1), () => process.exit(0))` },
    ],
  ];
  for (const [what, options] of failing)
    for (const shareWork of [true, false])
      it(`recovers everything here when the child ${what} (${shareWork ? "sharing the work" : "waiting for it"})`, async function () {
        const { crypto, told, counts } = await settled({ childFrom: 1, shareWork, ...options });

        expect(counts.child).to.equal(0);
        expect(told.size).to.equal(0);
        expectSignersOfRecoverSigner(crypto);
      });
});
