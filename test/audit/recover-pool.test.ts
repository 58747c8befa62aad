/** The auditor's worker thread for signature recovery answers exactly what `recoverSigner` answers. */
import { expect } from "chai";
import { Wallet, id } from "ethers";
import { ExchangeCrypto } from "../../core/audit/exchange/envelope";
import { digestSigner } from "../../core/crypto/ecdsa";
import { exchangeDomain, recoverSigner } from "../../core/exchange";
import { RecoverPool } from "../../scripts/audit/recover-pool";

describe("audit: signers recovered on a worker thread (scripts/audit/recover-pool.ts)", function () {
  const key = digestSigner(Wallet.createRandom().privateKey);
  const digests = Array.from({ length: 600 }, (_, i) => id(`message ${i}`));
  const signatures = digests.map((d) => key.sign(d));
  // r = 0 cannot be recovered; the last byte 0x1b/0x1c with a high s, or v = 0, is not the plain form (main thread).
  const unrecoverable = `0x${"0".repeat(64)}${signatures[0].slice(66)}`;
  const notPlain = `${signatures[1].slice(0, 130)}00`;

  it("gives the crypto the signer recoverSigner gives, for every plain signature, and null where recovery fails", async function () {
    const crypto = new ExchangeCrypto(exchangeDomain(31337n, Wallet.createRandom().address));
    const known = new Map<string, string | null>();
    const spy = Object.assign(Object.create(crypto) as ExchangeCrypto, {
      knowSigner: (digest: string, signature: string, signer: string | null) => {
        known.set(`${digest}${signature}`, signer);
        crypto.knowSigner(digest, signature, signer);
      },
    });
    const pool = new RecoverPool(spy);
    digests.forEach((d, i) => pool.add(d, signatures[i]));
    pool.add(digests[0], unrecoverable);
    pool.add(digests[1], notPlain);
    pool.add(digests[2], undefined);
    await pool.settle();

    expect(known.size).to.equal(digests.length + 1);
    digests.forEach((d, i) => expect(known.get(`${d}${signatures[i]}`)).to.equal(key.address));
    expect(known.get(`${digests[0]}${unrecoverable}`))
      .to.equal(null)
      .and.to.equal(recoverSigner(digests[0], unrecoverable));
    // What the pool did not take, the crypto recovers itself as before.
    expect(known.has(`${digests[1]}${notPlain}`)).to.equal(false);
    expect(crypto.signer(digests[1], notPlain)).to.equal(recoverSigner(digests[1], notPlain));
    expect(crypto.signer(digests[5], signatures[5])).to.equal(key.address);
  });

  it("leaves everything to the main thread where the native addon does not load", async function () {
    const crypto = new ExchangeCrypto(exchangeDomain(31337n, Wallet.createRandom().address));
    let told = 0;
    const spy = Object.assign(Object.create(crypto) as ExchangeCrypto, { knowSigner: () => void told++ });
    const pool = new RecoverPool(spy, null);
    pool.add(digests[0], signatures[0]);
    await pool.settle();
    expect(told).to.equal(0);
  });
});
