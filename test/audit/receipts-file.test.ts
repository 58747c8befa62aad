/** The auditor's reading of receipts files: JSON lines streamed chunk by chunk, a JSON array read whole. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { ReceiptEntrySchema, entryOf, streamReceiptsFile, type ReceiptEntry } from "../../scripts/audit/receipts-file";

const entry = (n: number) => ({ receipt: { id: `receipt ${n}`, note: `第${n}条 记录` }, status: "pending" });

async function readAll(file: string, chunkBytes?: number): Promise<ReceiptEntry[]> {
  const out: ReceiptEntry[] = [];
  for await (const e of streamReceiptsFile(file, chunkBytes)) out.push(e);
  return out;
}

/** The error reading the file ends with, or undefined when it reads to the end. */
async function readError(file: string, chunkBytes?: number): Promise<Error | undefined> {
  try {
    await readAll(file, chunkBytes);
    return undefined;
  } catch (e) {
    return e as Error;
  }
}

describe("receipts file stream", function () {
  let dir: string;
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-receipts-file-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads a file of many chunks, each line split across chunks (multi-byte characters too), in order", async function () {
    const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify(entry(i + 1)));
    const file = write("many.jsonl", lines.join("\n") + "\n");
    expect(fs.statSync(file).size).to.be.greaterThan(100 * 7);

    // 7 bytes a chunk: every line spans several chunks and most multi-byte characters are cut in two.
    const entries = await readAll(file, 7);

    expect(entries).to.have.length(200);
    expect(entries.map((e) => e.receipt.note)).to.deep.equal(lines.map((_, i) => `第${i + 1}条 记录`));
    expect(entries[199].position).to.equal("line 200");
  });

  it("reads the last line without a newline, skips blank lines and accepts CRLF", async function () {
    const file = write("crlf.jsonl", `\r\n${JSON.stringify(entry(1))}\r\n\r\n${JSON.stringify(entry(2))}`);

    const entries = await readAll(file, 5);

    expect(entries.map((e) => [e.receipt.id, e.position])).to.deep.equal([
      ["receipt 1", "line 2"],
      ["receipt 2", "line 4"],
    ]);
  });

  it("reads what the whole text split at its newlines reads, whatever the chunks cut (property)", async function () {
    const blank = fc.constantFrom("", " ", "\r", "\t \r", "\u3000");
    const line = fc.oneof(
      fc
        .record({ n: fc.nat(999), note: fc.string({ unit: "grapheme", maxLength: 6 }) })
        .map(({ n, note }) => JSON.stringify({ receipt: { id: `receipt ${n}`, note } })),
      blank,
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 12 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 40 }),
        async (lines, lastNewline, chunkBytes) => {
          const text = lines.join("\n") + (lastNewline ? "\n" : "");
          const file = write(`property-${run++}.jsonl`, text);
          const expected = text
            .split("\n")
            .map((l, i) => ({ l, position: `line ${i + 1}` }))
            .filter(({ l }) => l.trim() !== "")
            .map(({ l, position }) => ({ ...(JSON.parse(l) as object), position }));
          expect(await readAll(file, chunkBytes)).to.deep.equal(expected);
        },
      ),
      { numRuns: 150, seed: 20261202 },
    );
  });

  it("decides the format past a first chunk of blank space, and reads a first line that opens with a wide character", async function () {
    const blankThenArray = write("late-array.json", `${" ".repeat(50)}\n${JSON.stringify([entry(1)])}`);
    expect((await readAll(blankThenArray, 8)).map((e) => e.position)).to.deep.equal(["entry 1"]);
    const blankThenLines = write("late-lines.jsonl", `${"\n".repeat(20)}${JSON.stringify(entry(3))}\n`);
    expect((await readAll(blankThenLines, 8)).map((e) => e.position)).to.deep.equal(["line 21"]);
    // "第" cut after its first byte: not `[`, so lines; the line is then not JSON, and says so by its number.
    const wide = write("wide.jsonl", `\n第${JSON.stringify(entry(4))}\n`);
    const error = await readError(wide, 2);
    expect(error?.message).to.equal(`${wide} line 2 is not JSON: pass a JSON array or one receipt per line`);
  });

  it("names the line number of a line that is not JSON, past the first chunk", async function () {
    const file = write("bad.jsonl", [entry(1), entry(2)].map((e) => JSON.stringify(e)).join("\n") + "\n\n{not json\n");

    const error = await readError(file, 16);

    expect(error?.message).to.equal(`${file} line 4 is not JSON: pass a JSON array or one receipt per line`);
  });

  it("names the line of an entry that is not a receipt envelope", async function () {
    const file = write("shape.jsonl", `${JSON.stringify(entry(1))}\n{"nope": 1}\n`);

    const error = await readError(file, 8);

    expect(error?.message).to.match(/line 2 is not a receipt as GET \/v1\/receipts\/:id returns it \(receipt: /);
  });

  it("reads a JSON array whole, after leading blank space, naming entries by their place", async function () {
    const file = write("array.json", `\n  ${JSON.stringify([entry(1), entry(2)], null, 2)}\n`);

    const entries = await readAll(file, 10);

    expect(entries.map((e) => [e.receipt.id, e.position])).to.deep.equal([
      ["receipt 1", "entry 1"],
      ["receipt 2", "entry 2"],
    ]);
  });

  it("refuses a file it cannot read as a usage error naming it", async function () {
    const file = path.join(dir, "missing.jsonl");

    const error = await readError(file);

    expect(error?.name).to.equal("UsageError");
    expect(error?.message).to.contain(`cannot read the receipts file ${file}`);
  });

  it("reads an entry as ReceiptEntrySchema does: the same fields, or the same usage error (property)", function () {
    const hex32 = "0x" + "ab".repeat(32);
    const edge = fc.constantFrom<unknown>(
      undefined,
      null,
      0,
      -1,
      1,
      1.5,
      Number.MAX_SAFE_INTEGER + 1,
      "",
      "x",
      hex32,
      hex32.toUpperCase().replace("0X", "0x"),
      "0x" + "ab".repeat(31),
      "pending",
      "anchored",
      "provider",
      [],
      [hex32],
      [hex32, 7],
      {},
      { id: hex32 },
      { sequence: 1, root: hex32 },
      { sequence: 0, root: hex32 },
      { sequence: 1, root: hex32, txHash: "0x01", blockNumber: 3 },
      { sequence: 1, root: hex32, blockNumber: -1 },
      { sequence: 1, root: hex32, extra: true },
      JSON.parse('{"__proto__": {"id": 1}}'),
    );
    const key = fc.constantFrom(
      "receipt",
      "leaf",
      "status",
      "batch",
      "proof",
      "requestId",
      "role",
      "exchange",
      "other",
    );
    const entries = fc.dictionary(key, edge, { maxKeys: 6 });
    const outcome = (read: () => unknown) => {
      try {
        return read();
      } catch (error) {
        return { threw: (error as Error).message };
      }
    };
    const bySchema = (value: unknown) => () => {
      const parsed = ReceiptEntrySchema.safeParse(value);
      if (parsed.success) return { ...parsed.data, position: "line 1" };
      const issue = parsed.error.issues[0];
      const where = issue.path.join(".") || "entry";
      throw new Error(
        `f.jsonl line 1 is not a receipt as GET /v1/receipts/:id returns it (${where}: ${issue.message})`,
      );
    };
    fc.assert(
      fc.property(entries, (value) => {
        expect(outcome(() => entryOf(value, "line 1", "f.jsonl"))).to.deep.equal(outcome(bySchema(value)));
      }),
      { numRuns: 2_000 },
    );
    const plain = {
      receipt: { id: hex32 },
      leaf: hex32,
      status: "anchored",
      batch: { sequence: 2, root: hex32 },
      proof: [hex32],
    };
    expect(entryOf(plain, "line 1", "f.jsonl")).to.deep.equal({
      ...ReceiptEntrySchema.parse(plain),
      position: "line 1",
    });
  });
});
