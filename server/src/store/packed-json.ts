/**
 * A compact binary form of JSON values made mostly of hex strings, for values stored by the million (receipts and
 * their exchange envelopes): each value is one tag byte and its content.
 * - A `0x` hex string of even length is its bytes (half the characters); trailing zero bytes (a `bytes32` string, the
 *   zero hash) are counted, not written; a mixed-case one (an EIP-55 address) adds one bit per character for its case.
 * - A string or number already seen in the same value, or among the `known` strings the caller stores elsewhere (the
 *   columns of the row), is a back-reference: its index in the order they appeared.
 * - An object whose keys are one of the `shapes` given (an append-only list frozen in code: its index is stored) is
 *   its values in that order; any other object carries its keys.
 * - Non-negative integers are varints; other numbers are doubles; other strings UTF-8.
 * The caller checks that a value comes back as it went in (`JSON.stringify` of both) and keeps it as JSON otherwise:
 * what is packed here is evidence, served byte for byte.
 */

/** The first byte of each packed value (stored: append only). */
const Tag = {
  Null: 0,
  True: 1,
  False: 2,
  Uint: 3,
  Double: 4,
  String: 5,
  Hex: 6,
  HexTrailingZeros: 7,
  HexMixedCase: 8,
  Reference: 9,
  Array: 10,
  Shaped: 11,
  Object: 12,
} as const;

/** Thrown while packing a value JSON cannot hold as it is (undefined, a function, a bigint): the caller keeps JSON. */
export class UnpackableValueError extends Error {}

export class PackedJson {
  /** Reused by every `pack` (synchronous, never nested): its bytes are copied out. */
  private readonly writer = new Writer();

  constructor(private readonly shapes: ReadonlyArray<readonly string[]>) {}

  /** `value` packed, after the bytes `prefix`. */
  pack(value: unknown, known: readonly string[], prefix: readonly number[] = []): Buffer {
    const writer = this.writer;
    writer.position = 0;
    for (const byte of prefix) writer.byte(byte);
    const seen = new Map<string | number, number>();
    for (const k of known) if (!seen.has(k)) seen.set(k, seen.size);
    this.write(writer, value, seen);
    return writer.bytes();
  }

  unpack(bytes: Uint8Array, known: readonly string[]): unknown {
    const reader = new Reader(bytes);
    const seen: Array<string | number> = [];
    const distinct = new Set<string>();
    for (const k of known) {
      if (distinct.has(k)) continue;
      distinct.add(k);
      seen.push(k);
    }
    const value = this.read(reader, seen);
    if (reader.position !== bytes.length) throw new Error("packed JSON: bytes left over");
    return value;
  }

  private write(w: Writer, value: unknown, seen: Map<string | number, number>): void {
    if (value === null) return w.byte(Tag.Null);
    if (value === true) return w.byte(Tag.True);
    if (value === false) return w.byte(Tag.False);
    if (typeof value === "string" || typeof value === "number") {
      const reference = seen.get(value);
      if (reference !== undefined) {
        w.byte(Tag.Reference);
        return w.varint(reference);
      }
      seen.set(value, seen.size);
      return typeof value === "string" ? writeString(w, value) : writeNumber(w, value);
    }
    if (Array.isArray(value)) {
      w.byte(Tag.Array);
      w.varint(value.length);
      for (const item of value) this.write(w, item, seen);
      return;
    }
    if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      const shape = this.shapeOf(keys);
      if (shape !== undefined) {
        w.byte(Tag.Shaped);
        w.varint(shape);
      } else {
        w.byte(Tag.Object);
        w.varint(keys.length);
      }
      for (const key of keys) {
        if (shape === undefined) w.utf8(key);
        this.write(w, record[key], seen);
      }
      return;
    }
    throw new UnpackableValueError(`packed JSON: a ${typeof value} is not JSON`);
  }

  /** The index of the shape with these keys in this order, if any (a few shapes: compared one by one). */
  private shapeOf(keys: readonly string[]): number | undefined {
    for (let i = 0; i < this.shapes.length; i++) {
      const shape = this.shapes[i];
      if (shape.length !== keys.length) continue;
      let same = true;
      for (let k = 0; k < keys.length && same; k++) same = shape[k] === keys[k];
      if (same) return i;
    }
    return undefined;
  }

  private read(r: Reader, seen: Array<string | number>): unknown {
    const tag = r.byte();
    switch (tag) {
      case Tag.Null:
        return null;
      case Tag.True:
        return true;
      case Tag.False:
        return false;
      case Tag.Reference: {
        const index = r.varint();
        if (index >= seen.length) throw new Error(`packed JSON: reference ${index} to nothing`);
        return seen[index];
      }
      case Tag.Array: {
        const length = r.varint();
        const items: unknown[] = [];
        for (let i = 0; i < length; i++) items.push(this.read(r, seen));
        return items;
      }
      case Tag.Shaped: {
        const keys = this.shapes[r.varint()];
        if (keys === undefined) throw new Error("packed JSON: unknown shape");
        const record: Record<string, unknown> = {};
        for (const key of keys) record[key] = this.read(r, seen);
        return record;
      }
      case Tag.Object: {
        const length = r.varint();
        const record: Record<string, unknown> = {};
        for (let i = 0; i < length; i++) {
          const key = r.utf8();
          record[key] = this.read(r, seen);
        }
        return record;
      }
    }
    const value = readScalar(r, tag);
    seen.push(value);
    return value;
  }
}

function writeString(w: Writer, value: string): void {
  if (value.length < 4 || value.length % 2 !== 0 || !value.startsWith("0x")) {
    w.byte(Tag.String);
    return w.utf8(value);
  }
  const length = (value.length - 2) / 2;
  // The bytes are decoded past a header's room, then moved behind the header. Node's hex decoder stops at the first
  // character that is not a hex digit: fewer bytes than digits means text.
  const header = w.position;
  w.reserve(1 + 2 * 8 + length + Math.ceil(length / 4));
  const bytes = w.buffer;
  const start = header + 1 + 2 * varintLength(length);
  if (bytes.write(value.slice(2), start, length, "hex") !== length) {
    w.byte(Tag.String);
    return w.utf8(value);
  }
  if (UPPER_HEX_DIGIT.test(value)) {
    w.byte(Tag.HexMixedCase);
    w.varint(length);
    bytes.copy(bytes, w.position, start, start + length);
    w.position += length;
    // One bit per hex character: set where it is an upper-case letter.
    const mask = new Uint8Array(Math.ceil((length * 2) / 8));
    for (let i = 0; i < length * 2; i++) {
      const c = value.charCodeAt(2 + i);
      if (c >= 0x41 && c <= 0x46) mask[i >> 3] |= 1 << (i & 7);
    }
    return w.raw(mask);
  }
  let kept = length;
  while (kept > 0 && bytes[start + kept - 1] === 0) kept--;
  if (kept === length) {
    w.byte(Tag.Hex);
    w.varint(length);
  } else {
    w.byte(Tag.HexTrailingZeros);
    w.varint(length);
    w.varint(kept);
  }
  bytes.copy(bytes, w.position, start, start + kept);
  w.position += kept;
}

const UPPER_HEX_DIGIT = /[A-F]/;

function varintLength(value: number): number {
  let length = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    length++;
  }
  return length;
}

function writeNumber(w: Writer, value: number): void {
  if (Number.isSafeInteger(value) && value >= 0) {
    w.byte(Tag.Uint);
    return w.varint(value);
  }
  w.byte(Tag.Double);
  w.double(value);
}

function readScalar(r: Reader, tag: number): string | number {
  switch (tag) {
    case Tag.Uint:
      return r.varint();
    case Tag.Double:
      return r.double();
    case Tag.String:
      return r.utf8();
    case Tag.Hex:
      return "0x" + r.hex(r.varint());
    case Tag.HexTrailingZeros: {
      const length = r.varint();
      const kept = r.varint();
      return "0x" + r.hex(kept) + "00".repeat(length - kept);
    }
    case Tag.HexMixedCase: {
      const length = r.varint();
      const digits = r.hex(length);
      const mask = r.raw(Math.ceil((length * 2) / 8));
      let text = "0x";
      for (let i = 0; i < digits.length; i++) {
        text += mask[i >> 3] & (1 << (i & 7)) ? digits[i].toUpperCase() : digits[i];
      }
      return text;
    }
  }
  throw new Error(`packed JSON: unknown tag ${tag}`);
}

class Writer {
  buffer = Buffer.allocUnsafe(1024);
  position = 0;

  bytes(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.position));
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.position++] = value;
  }

  varint(value: number): void {
    this.reserve(8);
    while (value >= 0x80) {
      this.buffer[this.position++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.buffer[this.position++] = value;
  }

  double(value: number): void {
    this.reserve(8);
    this.position = this.buffer.writeDoubleLE(value, this.position);
  }

  utf8(text: string): void {
    const length = Buffer.byteLength(text);
    this.varint(length);
    this.reserve(length);
    this.position += this.buffer.write(text, this.position, length, "utf8");
  }

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.position);
    this.position += bytes.length;
  }

  reserve(length: number): void {
    if (this.position + length <= this.buffer.length) return;
    const larger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.position + length));
    this.buffer.copy(larger, 0, 0, this.position);
    this.buffer = larger;
  }
}

class Reader {
  position = 0;
  private readonly buffer: Buffer;

  constructor(bytes: Uint8Array) {
    this.buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  byte(): number {
    if (this.position >= this.buffer.length) throw new Error("packed JSON: truncated");
    return this.buffer[this.position++];
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
    }
  }

  double(): number {
    const value = this.buffer.readDoubleLE(this.take(8));
    return value;
  }

  utf8(): string {
    const length = this.varint();
    const start = this.take(length);
    return this.buffer.toString("utf8", start, start + length);
  }

  hex(length: number): string {
    const start = this.take(length);
    return this.buffer.toString("hex", start, start + length);
  }

  raw(length: number): Buffer {
    const start = this.take(length);
    return this.buffer.subarray(start, start + length);
  }

  private take(length: number): number {
    const start = this.position;
    if (start + length > this.buffer.length) throw new Error("packed JSON: truncated");
    this.position += length;
    return start;
  }
}
