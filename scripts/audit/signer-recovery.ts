/**
 * The signers of an exchange audit's signatures recovered by a child process while this one reads and checks the
 * files: recovering 10,000 signatures on libsecp256k1 is about a quarter of `audit exchange`'s CPU, and a second core,
 * where there is one, does it meanwhile. A process, not a worker thread: libsecp256k1's addon loaded a second time in
 * one process (a worker's copy) corrupted a test process's native heap (docs/perf/audit-profile.md).
 *
 * The child only runs the native recovery `recoverDigestSigner` runs for a plain signature (`plainRecovery`: the same
 * bytes to the same call) and answers each key, or that the call threw; this process turns each key into its account
 * as `recoverDigestSigner` does (`accountOfPublicKey`), or records no signer where the call threw, as `recoverSigner`
 * does. What decides anything (the operators at the receipt's time, the pairing rules) stays here.
 *
 * It only ever saves time: a signature not sent (another form, too few to pay for a process start) is recovered here
 * when the check asks for it, as before. When the check is about to ask (`settle`), this process recovers the
 * signatures sent from the last one back while the child answers from the first one on, until they meet; a child that
 * fails to start, exits, or answers out of protocol is dropped and this process recovers what it had not answered.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accountOfPublicKey, nativeBindingsPath, writePlainRecovery } from "../../core/crypto/ecdsa";
import type { ExchangeCrypto } from "../../core/audit/exchange/envelope";

/** A request to the child: digest (32 bytes) ‖ r ‖ s (64) ‖ recovery id (1). */
const REQUEST_BYTES = 97;
/** An answer: 1 and the key's x ‖ y (64 bytes), or 0 and 64 zeros where the recovery threw. */
const ANSWER_BYTES = 65;
/** Signatures written to the child at a time once it runs. */
const BATCH = 256;
/** Signatures recovered here between two looks at the child's answers, once the check waits for them. */
const SLICE = 16;
/**
 * By default the child starts once this many signatures wait: starting a process costs about as much CPU as
 * recovering a thousand (0.06–0.07 s against 60–70 µs a recovery, measured 2026-11-30 on this machine).
 */
const DEFAULT_CHILD_FROM = 1_024;

/**
 * The child's program (CommonJS, run with `node -e`, so that the bundled auditor needs no second file). It writes its
 * answers through a file stream on fd 1 rather than process.stdout, whose writes to a pipe block on Linux: the parent
 * reads them only between its own stretches of work, and a child blocked on a full pipe meanwhile would stop
 * recovering.
 */
const CHILD_PROGRAM = `
const { ecdsaRecover } = require(process.argv[1]);
const answers = require("node:fs").createWriteStream(null, { fd: 1 });
const REQUEST = ${REQUEST_BYTES}, ANSWER = ${ANSWER_BYTES}, SLICE = 64;
let queue = Buffer.alloc(0), working = false;
process.stdin.on("data", (data) => {
  queue = queue.length ? Buffer.concat([queue, data]) : data;
  if (!working) (working = true), setImmediate(work);
});
// A slice at a time, each answered at once, the event loop turning in between (so each answer is written meanwhile).
function work() {
  const count = Math.min(SLICE, Math.floor(queue.length / REQUEST));
  if (count === 0) return void (working = false);
  const out = Buffer.alloc(count * ANSWER);
  for (let i = 0; i < count; i++) {
    const at = i * REQUEST;
    try {
      const key = ecdsaRecover(queue.subarray(at + 32, at + 96), queue[at + 96], queue.subarray(at, at + 32), false);
      out[i * ANSWER] = 1;
      out.set(key.subarray(1), i * ANSWER + 1);
    } catch {}
  }
  answers.write(out);
  queue = queue.subarray(count * REQUEST);
  setImmediate(work);
}
`;

export interface SignerRecoveryOptions {
  /** Start the child once this many signatures wait (never: Infinity). */
  childFrom?: number;
  /** Where libsecp256k1's bindings load from; null: no child (the addon does not load here either). */
  bindings?: string | null;
  /** The child's program (a test gives one that fails). */
  program?: string;
  /**
   * Whether this process recovers signatures from the last one back while it waits for the child (the default), or
   * only waits (a test that must see every answer come from the child; a child that neither answers nor exits would
   * then hold it up).
   */
  shareWork?: boolean;
}

interface Sent {
  digest: string;
  signature: string;
}

export class SignerRecovery {
  /** Signatures the child answered, and signatures this process recovered while waiting for it. */
  readonly counts = { child: 0, here: 0 };
  private readonly childFrom: number;
  private readonly bindings: string | null;
  private readonly program: string;
  private readonly shareWork: boolean;
  private child: ChildProcess | undefined;
  private dropped = false;
  /** The digest each signature was taken over, by signature. */
  private readonly digestOf = new Map<string, string>();
  /** Accounts of the public keys the child answered, by the key's bytes (`accountOf`). */
  private readonly accounts = new Map<string, string>();
  /** Every signature taken, in order; the child has been written `written` of them and answered `answered`. */
  private readonly taken: Sent[] = [];
  /** Requests not yet written to the child: full batches, and the batch being filled (`batchCount` of them). */
  private full: Buffer[] = [];
  private batch = Buffer.allocUnsafe(BATCH * REQUEST_BYTES);
  private batchCount = 0;
  private written = 0;
  private answered = 0;
  /** Signatures from here on are this process's (settle recovers them from the last one back). */
  private ours = Infinity;
  private partial: Buffer = Buffer.alloc(0);
  /** Called when the child answers or is dropped (settle waits on it when it does not share the work). */
  private heard: (() => void) | undefined;

  constructor(
    private readonly crypto: ExchangeCrypto,
    options: SignerRecoveryOptions = {},
  ) {
    this.childFrom = options.childFrom ?? DEFAULT_CHILD_FROM;
    this.bindings = options.bindings === undefined ? nativeBindingsPath() : options.bindings;
    this.program = options.program ?? CHILD_PROGRAM;
    this.shareWork = options.shareWork ?? true;
  }

  /** Takes the signature of `digest` for the child, unless it is taken already, absent or not plain. */
  add(digest: string, signature: string | undefined): void {
    if (this.bindings === null || this.dropped || signature === undefined) return;
    // By signature (both files hold each one): a signature taken over another digest as well is taken again.
    if (this.digestOf.get(signature) === digest) return;
    // The request written in place, as `plainRecovery` gives it (same bytes), or nothing for another form.
    if (!writePlainRecovery(digest, signature, this.batch, this.batchCount * REQUEST_BYTES)) return;
    this.digestOf.set(signature, digest);
    this.taken.push({ digest, signature });
    if (++this.batchCount === BATCH) {
      this.full.push(this.batch);
      this.batch = Buffer.allocUnsafe(BATCH * REQUEST_BYTES);
      this.batchCount = 0;
    }
    if (this.child ? this.full.length > 0 : this.taken.length >= this.childFrom) this.send();
  }

  /**
   * Resolves once the crypto knows the signer of every signature the child was sent: this process recovers them from
   * the last one back while the child answers from the first one on. Stops the child.
   */
  async settle(): Promise<void> {
    if (!this.child) return; // never started (too few signatures) or dropped: each is recovered when asked for
    this.send();
    this.child?.stdin?.end();
    this.ours = this.written;
    while (this.answered < this.ours && !(this.dropped && !this.shareWork)) {
      if (this.shareWork) {
        for (let n = 0; n < SLICE && this.answered < this.ours; n++) {
          const { digest, signature } = this.taken[--this.ours];
          this.crypto.signer(digest, signature);
          this.counts.here++;
        }
        // Let the child's answers in (they arrive as I/O) before taking more.
        await new Promise<void>((resolve) => setImmediate(resolve));
      } else await new Promise<void>((resolve) => (this.heard = resolve));
    }
    this.close();
  }

  /** Stops the child, if it runs; what it had not answered is recovered here when asked for. */
  close(): void {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    child.stdout?.removeAllListeners("data");
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }

  private send(): void {
    if ((this.full.length === 0 && this.batchCount === 0) || this.dropped) return;
    const child = this.child ?? this.start();
    if (!child?.stdin) return;
    const parts = this.full;
    const count = parts.length * BATCH + this.batchCount;
    if (this.batchCount > 0) {
      parts.push(this.batch.subarray(0, this.batchCount * REQUEST_BYTES)); // the stream keeps it: a new one follows
      this.batch = Buffer.allocUnsafe(BATCH * REQUEST_BYTES);
      this.batchCount = 0;
    }
    this.full = [];
    child.stdin.write(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    this.written += count;
  }

  private start(): ChildProcess | undefined {
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // the parent's loaders (ts-node under tests) have nothing to do in the child
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, ["-e", this.program, this.bindings!], {
        stdio: ["pipe", "pipe", "ignore"],
        env,
      });
    } catch {
      this.drop();
      return undefined;
    }
    this.child = child;
    child.on("error", () => this.drop());
    child.on("close", () => this.drop()); // after its last answer is read
    child.stdin!.on("error", () => this.drop());
    child.stdout!.on("data", (data: Buffer) => this.receive(data));
    return child;
  }

  private receive(data: Buffer): void {
    const input = this.partial.length ? Buffer.concat([this.partial, data]) : data;
    const count = Math.floor(input.length / ANSWER_BYTES);
    for (let i = 0; i < count; i++) {
      const at = i * ANSWER_BYTES;
      const status = input[at];
      if (this.answered >= this.written || status > 1) {
        this.drop(); // answers to nothing asked, or not an answer: nothing more from it is believed
        return;
      }
      const index = this.answered++;
      if (index >= this.ours) continue; // recovered here already
      const { digest, signature } = this.taken[index];
      this.crypto.knowSigner(digest, signature, status === 1 ? this.accountOf(input, at + 1) : null);
      this.counts.child++;
    }
    this.partial = Buffer.from(input.subarray(count * ANSWER_BYTES));
    this.hear();
  }

  /**
   * `accountOfPublicKey` of the 64 bytes at `at`, remembered by those bytes: an audit's 10,000 signatures come from a
   * few operators, and a lookup costs a tenth of the hash and checksum.
   */
  private accountOf(input: Buffer, at: number): string {
    const key = input.toString("latin1", at, at + 64); // one character a byte: the bytes themselves
    let account = this.accounts.get(key);
    if (account === undefined) this.accounts.set(key, (account = accountOfPublicKey(input.subarray(at, at + 64))));
    return account;
  }

  /** The child is gone or not to be believed: whatever it had not answered is recovered here. */
  private drop(): void {
    this.dropped = true;
    this.full = [];
    this.batchCount = 0;
    this.close();
    this.hear();
  }

  private hear(): void {
    const heard = this.heard;
    this.heard = undefined;
    heard?.();
  }
}
