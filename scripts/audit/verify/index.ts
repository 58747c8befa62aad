/**
 * Verifies receipts against the chain: authenticity (leaf, proof, anchoring, delay, time bounds, links),
 * completeness (sequence gaps, and every batch and receipt of each department's anchored history within the span)
 * and lawfulness of every delivery (statuses at its time, quotas).
 *
 * The receipts stream by in chunks: each chunk reads from the chain only what it names that no chunk before named
 * (a department's anchored history, an agreement, a grant, a subject's trail), then each receipt is checked and let
 * go. What stays is per department (one bit for each receipt number given, the last leaf) and per holder and window
 * (quota counts), so a file of millions of receipts is audited in the memory of one chunk. What the order of the
 * file leaves open (a repeated receipt or a link to a receipt seen long before, a window over its quota) is settled
 * by reading the file a second time, for those receipts only; a file in the gateway's order needs no second reading.
 *
 * The checks come in two kinds, each a list to extend: per receipt (`RECEIPT_CHECKS`) and over the whole set
 * (`SET_CHECKS`).
 */
import { leafOfParsedReceipt, parseReceipt, type MerkleSteps, type Receipt } from "../../../core/receipt";
import type { AuditContext } from "../connect";
import type { ReceiptEntry } from "../receipts-file";
import type { Violation } from "../rules";
import { loadDirectory, type Directory } from "../state/directory";
import { RecordsReader, checkDelivery, type ChainRecords } from "./allowed";
import { checkAnchoring, namedBatches, type AnchoredBatch, type CheckedReceipt } from "./anchoring";
import { findSequenceGaps } from "./gaps";
import { loadAnchoredHistories, type AnchoredHistory } from "./history";
import { ChainLinks, sequenceKey, type Placed } from "./links";
import { QuotaTally, checkQuotas } from "./quotas";
import { requesterOf } from "./requester";
import { SequenceSet } from "./sequence-set";
import { findWithheld, type HistoryCheck, type Span } from "./withheld";

/** Default `--max-anchor-delay`: the gateway's anchoring limit (60 s) plus its batch window (2 s). */
export const DEFAULT_MAX_ANCHOR_DELAY = 62;

/** Receipts checked together: what the chain is asked for at once, and the most held in memory. */
const CHUNK_RECEIPTS = 2_048;

/**
 * Where in a chunk the chain is asked, before the chunk is full, for what its receipts so far name for the first time
 * (unless a read is still under way): the node answers while the rest of the chunk is read, where the check used to
 * wait for it once the chunk was full (a tenth of a second or more at each start). The first receipt names its
 * department, agreement, grant and resource; by the 256th a file has usually named its first subjects.
 */
const READ_AHEAD_AT: ReadonlySet<number> = new Set([1, 256]);

export interface VerifyOptions {
  maxAnchorDelay: number;
  /** The anchored batches the file must hold: by default every batch of each department in it. */
  span?: Span;
  /**
   * The chain's records of deliveries and its directory as read by an earlier verification on the same connection
   * (`audit exchange` verifies two files naming the same agreements, grants, departments and subjects): only what
   * that one did not read is read. Each department's anchored history stays the verification's own.
   */
  shared?: SharedReads;
}

/** What verifications on one connection share (see `VerifyOptions.shared`); one verification at a time. */
export class SharedReads {
  directory: Directory | undefined;
  constructor(readonly reader: RecordsReader) {}
}

/** The entries to verify, in file order; called again when a second reading is needed. */
export type ReceiptSource = () => AsyncIterable<ReceiptEntry> | Iterable<ReceiptEntry>;

/** What the checks read: the chain's records the receipts need so far, and the options. */
interface VerifyInput {
  ctx: AuditContext;
  options: VerifyOptions;
  /** Batches the entries name (anchored ones), by `department#sequence`. */
  named: Map<string, AnchoredBatch>;
  histories: Map<string, AnchoredHistory>;
  records: ChainRecords;
  directory: Directory;
  /** Merkle steps already hashed in this run (receipts of a batch share the upper levels of their proofs). */
  steps: MerkleSteps;
  /** Each department's receipt numbers given (well-formed, first of their id), by lower-case department. */
  given: Map<string, SequenceSet>;
}

const RECEIPT_CHECKS: ((c: CheckedReceipt, input: VerifyInput) => Violation[])[] = [
  (c, { named, options, ctx, histories, steps }) =>
    checkAnchoring(
      c,
      named,
      options.maxAnchorDelay,
      ctx.head.time,
      histories.get(c.receipt.department.toLowerCase()),
      steps,
    ),
  (c, { records, directory }) =>
    c.receipt.result === "delivered" ? checkDelivery(c.receipt, records, directory, c.requester) : [],
];

/** Set checks run after the receipt checks (which fill each receipt's verified batch). */
const SET_CHECKS: ((input: VerifyInput, out: VerifyResult) => Violation[])[] = [
  ({ given, histories, options }, out) => {
    const reported = new Map<string, Set<number>>();
    const gaps = findSequenceGaps(given, out.batches, reported, histories);
    const withheld = findWithheld(given, histories, options.span ?? {}, reported);
    out.history = withheld.checks;
    return [...gaps, ...withheld.violations];
  },
];

export interface VerifyResult {
  /** Entries read from the file. */
  entries: number;
  /** Receipts checked: well-formed, each id once. */
  receipts: number;
  outcomes: Record<Receipt["result"], number>;
  /** Receipts whose proof was checked against an anchored batch, and the longest delay to their anchoring. */
  anchored: number;
  longestAnchorDelay?: number;
  /** Each department's receipt numbers given, by lower-case department, in the order the file first names them. */
  given: ReadonlyMap<string, SequenceSet>;
  batches: AnchoredBatch[];
  records: ChainRecords;
  directory: Directory;
  violations: Violation[];
  /** Each department's anchored history against the file. */
  history: HistoryCheck[];
  /** Each department's anchored history as the chain holds it (its batches and declared losses), by lower-case id. */
  histories: ReadonlyMap<string, AnchoredHistory>;
  /** Entries that could not be parsed as receipts (each also a `malformed_receipt` violation). */
  malformed: number;
}

/**
 * Verifies the receipts `source` gives (an array, or a function that streams them); `visit` sees each receipt once
 * checked (its batch and anchoring delay filled), for a caller that keeps something of each.
 */
export async function verifyReceipts(
  ctx: AuditContext,
  source: ReceiptSource | readonly ReceiptEntry[],
  options: VerifyOptions,
  visit?: (checked: CheckedReceipt) => void,
): Promise<VerifyResult> {
  const read: ReceiptSource = typeof source === "function" ? source : () => source;
  const verifier = new StreamVerifier(ctx, options, visit);
  for await (const entry of read()) await verifier.take(entry);
  return verifier.finish(read);
}

/** A repeated receipt whose first copy is not at hand: compared on the second reading. */
interface Repeat {
  key: string;
  leaf: string;
  receipt: Receipt;
  order: number;
  position: string;
}

class StreamVerifier {
  private readonly input: VerifyInput;
  private readonly reader: RecordsReader;
  private readonly links = new ChainLinks();
  private readonly quotas = new QuotaTally();
  /** Malformed and repeated receipts, reported first in file order. */
  private readonly intake: Placed[] = [];
  private readonly repeats: Repeat[] = [];
  private readonly perReceipt: Violation[] = [];
  private chunk: CheckedReceipt[] = [];
  /** The read ahead under way for the chunk's first `readAhead` receipts (awaited before the chunk is checked). */
  private reading: Promise<void> | undefined;
  private readAhead = 0;
  private readonly out: Omit<
    VerifyResult,
    "violations" | "batches" | "history" | "histories" | "records" | "directory" | "given"
  > = {
    entries: 0,
    receipts: 0,
    outcomes: { delivered: 0, denied: 0, failed: 0 },
    anchored: 0,
    malformed: 0,
  };

  constructor(
    ctx: AuditContext,
    options: VerifyOptions,
    private readonly visit?: (checked: CheckedReceipt) => void,
  ) {
    this.reader = options.shared?.reader ?? new RecordsReader(ctx);
    this.input = {
      ctx,
      options,
      named: new Map(),
      histories: new Map(),
      records: this.reader.records,
      // Read with the first chunk, before any check looks at it (`finish` reads it for a file without receipts).
      directory: options.shared?.directory as Directory,
      steps: new Map(),
      given: new Map(),
    };
  }

  async take(entry: ReceiptEntry): Promise<void> {
    const order = this.out.entries++;
    const parsed = parseReceipt(entry.receipt);
    if (!parsed.success) {
      this.out.malformed++;
      const issue = parsed.error.issues[0];
      this.intake.push({
        order,
        violation: {
          rule: "malformed_receipt",
          receiptId: typeof entry.receipt.id === "string" ? entry.receipt.id : undefined,
          subject: entry.position,
          detail: `${entry.position}: ${issue.path.join(".") || "receipt"}: ${issue.message}`,
        },
      });
      return;
    }
    const receipt = parsed.data;
    const leaf = leafOfParsedReceipt(receipt);
    const department = receipt.department.toLowerCase();
    let given = this.input.given.get(department);
    if (given === undefined) this.input.given.set(department, (given = new SequenceSet()));
    if (!given.add(receipt.sequence)) {
      // The id is receiptId(department, sequence): a number seen before is a repeated receipt.
      const first = this.links.lastLeaf(department, receipt.sequence);
      const repeat = { key: sequenceKey(department, receipt.sequence), leaf, receipt, order, position: entry.position };
      if (first === undefined) this.repeats.push(repeat);
      else if (first !== leaf) this.intake.push(repeated(repeat));
      return;
    }
    this.links.see(receipt, leaf, order, (sequence) => given.has(sequence));
    this.chunk.push({ entry, receipt, leaf, requester: requesterOf(entry, receipt) });
    if (this.chunk.length >= CHUNK_RECEIPTS) await this.checkChunk();
    else if (this.reading === undefined && READ_AHEAD_AT.has(this.chunk.length)) this.startReadAhead();
  }

  private startReadAhead(): void {
    const named = this.chunk.slice(this.readAhead);
    this.readAhead = this.chunk.length;
    const reading = this.readChain(named);
    // Awaited by checkChunk; an audit that stops before (a line that is not JSON) leaves its failure unheard.
    reading.catch(() => undefined);
    this.reading = reading;
  }

  async finish(read: ReceiptSource): Promise<VerifyResult> {
    await this.checkChunk();
    const { input } = this;
    input.directory ??= await loadDirectory(input.ctx, []);
    if (input.options.shared) input.options.shared.directory = input.directory;
    const rereading = this.links.deferred.size > 0 || this.repeats.length > 0 || this.quotas.anyOver;
    const overQuota = rereading ? await this.readAgain(read) : [];
    const result: VerifyResult = {
      ...this.out,
      given: input.given,
      batches: [...input.named.values()].filter((b) => b.receiptCount > 0),
      records: input.records,
      directory: input.directory,
      violations: [],
      history: [],
      histories: input.histories,
    };
    const inFileOrder = (placed: Placed[]) => placed.sort((a, b) => a.order - b.order).map((p) => p.violation);
    // A new hash chain may begin right after a declared loss (the lost receipt's leaf is not known to its gateway).
    const afterLoss = ({ restart }: Placed) =>
      restart !== undefined &&
      input.histories.get(restart.department)?.losses.some((l) => l.lastReceiptSequence === restart.sequence - 1);
    const links = this.links.violations.filter((placed) => !afterLoss(placed));
    result.violations.push(...inFileOrder(this.intake), ...this.perReceipt, ...inFileOrder(links));
    for (const check of SET_CHECKS) result.violations.push(...check(input, result));
    result.violations.push(...checkQuotas(overQuota, input.records));
    return result;
  }

  /** Reads from the chain what the chunk names for the first time, then checks each of its receipts. */
  private async checkChunk(): Promise<void> {
    const chunk = this.chunk;
    if (chunk.length === 0) return;
    this.chunk = [];
    const { input } = this;
    const [reading, readAhead] = [this.reading, this.readAhead];
    [this.reading, this.readAhead] = [undefined, 0];
    await reading;
    await this.readChain(readAhead ? chunk.slice(readAhead) : chunk);
    for (const [key, batch] of namedBatches(chunk, input.histories))
      if (!input.named.has(key)) input.named.set(key, batch);

    for (const c of chunk) {
      for (const check of RECEIPT_CHECKS) this.perReceipt.push(...check(c, input));
      this.out.receipts++;
      this.out.outcomes[c.receipt.result]++;
      if (c.anchorDelay !== undefined) {
        this.out.anchored++;
        this.out.longestAnchorDelay = Math.max(this.out.longestAnchorDelay ?? c.anchorDelay, c.anchorDelay);
      }
      if (c.receipt.result === "delivered") this.quotas.add(c.receipt, input.records);
      this.visit?.(c);
    }
  }

  /** Reads from the chain what `receipts` name that no read before named. */
  private async readChain(receipts: readonly CheckedReceipt[]): Promise<void> {
    const { input } = this;
    const newDepartments = [...new Set(receipts.map((c) => c.receipt.department.toLowerCase()))].filter(
      (d) => !input.histories.has(d),
    );
    const newResources = [...new Set(receipts.map((c) => c.receipt.resourceId.toLowerCase()))].filter(
      (r) => input.directory === undefined || !input.directory.resources.has(r),
    );
    const [histories, directory] = await Promise.all([
      newDepartments.length ? loadAnchoredHistories(input.ctx, newDepartments) : undefined,
      newResources.length ? loadDirectory(input.ctx, newResources) : undefined,
      this.reader.read(receipts.filter((c) => c.receipt.result === "delivered")),
    ]);
    histories?.forEach((history, department) => input.histories.set(department, history));
    if (directory && input.directory) directory.resources.forEach((r, id) => input.directory.resources.set(id, r));
    else if (directory) input.directory = directory;
    if (input.options.shared) input.options.shared.directory = input.directory;
  }

  /**
   * The second reading: the leaves of the receipts that deferred links and repeats need (each receipt's first
   * well-formed copy, as the first reading kept it), and the deliveries in windows over their quota.
   */
  private async readAgain(read: ReceiptSource): Promise<Receipt[]> {
    const wanted = new Set([...this.links.deferred.keys(), ...this.repeats.map((r) => r.key)]);
    const leaves = new Map<string, string>();
    const seen = new Map<string, SequenceSet>();
    const overQuota: Receipt[] = [];
    for await (const entry of read()) {
      const parsed = parseReceipt(entry.receipt);
      if (!parsed.success) continue;
      const receipt = parsed.data;
      const department = receipt.department.toLowerCase();
      let numbers = seen.get(department);
      if (numbers === undefined) seen.set(department, (numbers = new SequenceSet()));
      if (!numbers.add(receipt.sequence)) continue;
      const key = sequenceKey(department, receipt.sequence);
      if (wanted.has(key)) leaves.set(key, leafOfParsedReceipt(receipt));
      if (receipt.result === "delivered" && this.quotas.inWindowOver(receipt, this.input.records))
        overQuota.push(receipt);
    }
    this.links.resolve(leaves);
    for (const repeat of this.repeats) if (leaves.get(repeat.key) !== repeat.leaf) this.intake.push(repeated(repeat));
    return overQuota;
  }
}

function repeated({ receipt, order, position }: Repeat): Placed {
  return {
    order,
    violation: {
      rule: "duplicate_receipt",
      receiptId: receipt.id,
      detail: `${position} repeats the id with different fields`,
    },
  };
}
