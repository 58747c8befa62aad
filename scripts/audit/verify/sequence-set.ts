/**
 * The receipt numbers of one department given in a file, one bit each: what the completeness checks (gaps, withheld
 * batches) and the duplicate check need, in about 125 KB per million numbers instead of the tens of megabytes a Set of
 * them takes. The bits are kept in pages of 65,536 numbers, so a file holding numbers 9,000,001..10,000,000 costs no
 * more than one holding 1..1,000,000.
 */
const PAGE_BITS = 65_536;
const WORDS = PAGE_BITS / 32;

export class SequenceSet {
  private readonly pages = new Map<number, Uint32Array>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(sequence: number): boolean {
    const page = this.pages.get(Math.floor(sequence / PAGE_BITS));
    if (page === undefined) return false;
    const bit = sequence % PAGE_BITS;
    return (page[bit >>> 5] & (1 << (bit & 31))) !== 0;
  }

  /** Adds `sequence`; false when it was already there. */
  add(sequence: number): boolean {
    const key = Math.floor(sequence / PAGE_BITS);
    let page = this.pages.get(key);
    if (page === undefined) {
      page = new Uint32Array(WORDS);
      this.pages.set(key, page);
    }
    const bit = sequence % PAGE_BITS;
    const mask = 1 << (bit & 31);
    if ((page[bit >>> 5] & mask) !== 0) return false;
    page[bit >>> 5] |= mask;
    this.count++;
    return true;
  }

  /** How many of first..last are in the set. */
  countBetween(first: number, last: number): number {
    let n = 0;
    for (let s = first; s <= last; s++) if (this.has(s)) n++;
    return n;
  }

  /** The numbers in ascending order. */
  *ascending(): Generator<number> {
    for (const key of [...this.pages.keys()].sort((a, b) => a - b)) {
      const page = this.pages.get(key)!;
      for (let word = 0; word < WORDS; word++) {
        let bits = page[word];
        while (bits !== 0) {
          const low = bits & -bits;
          yield key * PAGE_BITS + word * 32 + (31 - Math.clz32(low));
          bits ^= low;
        }
      }
    }
  }
}
