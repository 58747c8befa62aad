/**
 * The signers of an exchange audit's signatures recovered on a worker thread while the main thread reads and checks
 * the files: recovering 10,000 signatures on libsecp256k1 is a quarter of `audit exchange`, and a second core, where
 * there is one, does it meanwhile. Only plain signatures (`plainSignature`) of 32-byte digests go to the worker; the
 * main thread turns each recovered key into its account as `recoverDigestSigner` does, and a signature the worker
 * could not recover is recorded as `recoverSigner` records it (no signer). Anything not sent, or not answered (a
 * worker that failed), is recovered on the main thread when the check asks for it, as before: the pool only ever saves
 * time, it decides nothing.
 */
import { Worker } from "node:worker_threads";
import { accountOfPublicKey, nativeBindingsPath, plainSignature } from "../../core/crypto/ecdsa";
import type { ExchangeCrypto } from "../../core/audit/exchange/envelope";

/** Signatures sent to the worker at a time. */
const BATCH = 256;
const DIGEST = /^0x[0-9a-fA-F]{64}$/;
const SIGNATURE = /^0x[0-9a-fA-F]{130}$/;

// Plain CommonJS run by the worker itself (eval), so that the bundled auditor needs no second file.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { ecdsaRecover } = require(workerData.bindings);
parentPort.on("message", ({ compact, recoveryIds, digests }) => {
  const n = recoveryIds.length;
  const keys = new Uint8Array(n * 64);
  const recovered = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    try {
      const key = ecdsaRecover(compact.subarray(i * 64, i * 64 + 64), recoveryIds[i], digests.subarray(i * 32, i * 32 + 32), false);
      keys.set(key.subarray(1), i * 64);
      recovered[i] = 1;
    } catch {}
  }
  parentPort.postMessage({ keys, recovered }, [keys.buffer, recovered.buffer]);
});
`;

interface Pending {
  digest: string;
  signature: string;
  compact: Buffer;
  recoveryId: number;
}

export class RecoverPool {
  private worker: Worker | undefined;
  private failed = false;
  private readonly sent = new Set<string>();
  private queue: Pending[] = [];
  /** Batches sent and not answered yet, in the order sent (the worker answers in order). */
  private readonly inFlight: { batch: Pending[]; done: () => void }[] = [];
  private readonly answers: Promise<void>[] = [];

  constructor(
    private readonly crypto: ExchangeCrypto,
    private readonly bindings = nativeBindingsPath(),
  ) {}

  /** Starts recovering the signer of `signature` over `digest`, unless it is sent already or not plain. */
  add(digest: string, signature: string | undefined): void {
    if (this.bindings === null || this.failed || signature === undefined) return;
    if (!DIGEST.test(digest) || !SIGNATURE.test(signature)) return;
    const key = `${digest}${signature}`;
    if (this.sent.has(key)) return;
    const plain = plainSignature(signature);
    if (!plain) return;
    this.sent.add(key);
    this.queue.push({ digest, signature, ...plain });
    if (this.queue.length >= BATCH) this.flush();
  }

  /** Waits for every signature sent (the crypto then knows their signers), and stops the worker. */
  async settle(): Promise<void> {
    this.flush();
    await Promise.all(this.answers);
    await this.worker?.terminate();
    this.worker = undefined;
  }

  private flush(): void {
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const worker = this.started();
    if (!worker) return;
    this.answers.push(new Promise<void>((done) => this.inFlight.push({ batch, done })));
    worker.postMessage({
      compact: Buffer.concat(batch.map((p) => p.compact)),
      recoveryIds: batch.map((p) => p.recoveryId),
      digests: Buffer.concat(batch.map((p) => Buffer.from(p.digest.slice(2), "hex"))),
    });
  }

  private answered({ keys, recovered }: { keys: Uint8Array; recovered: Uint8Array }): void {
    const next = this.inFlight.shift();
    if (!next) return;
    next.batch.forEach((p, i) =>
      this.crypto.knowSigner(
        p.digest,
        p.signature,
        recovered[i] ? accountOfPublicKey(keys.subarray(i * 64, i * 64 + 64)) : null,
      ),
    );
    next.done();
  }

  /** The worker is gone: what it had not answered is left to the main thread. */
  private lost(): void {
    this.failed = true;
    for (const pending of this.inFlight.splice(0)) pending.done();
  }

  private started(): Worker | undefined {
    if (this.failed) return undefined;
    if (!this.worker) {
      try {
        const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bindings: this.bindings } });
        worker.on("message", (answer) => this.answered(answer));
        worker.on("error", () => this.lost());
        worker.on("exit", () => this.lost());
        this.worker = worker;
      } catch {
        this.failed = true;
      }
    }
    return this.worker;
  }
}
