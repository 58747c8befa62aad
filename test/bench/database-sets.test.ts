/**
 * The scale-replay part measures the fetch at 10^3 and 10^6 consents in alternate turns by renaming each size's
 * database files into place: a swap must carry the WAL with its database and never mix two sets.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DatabaseSets } from "../../bench/lib/database-sets";

describe("database sets (benchmark: two indexed states swapped in place)", function () {
  let dir: string;
  let files: string[];
  const contentOf = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null);

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-database-sets-"));
    files = ["consumer", "provider"].map((key) => path.join(dir, `${key}.db`));
    for (const file of files) {
      fs.writeFileSync(file, `${path.basename(file)} small`);
      fs.writeFileSync(`${file}-wal`, `${path.basename(file)} small wal`);
    }
  });

  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("keeps a copy, then swaps each set in whole, its WAL with it, and back", function () {
    const sets = new DatabaseSets(files, "large");
    sets.copyAs("small");
    // What the gateways do next to the set in place: it becomes the large one, and loses its WAL to a checkpoint.
    for (const file of files) {
      fs.writeFileSync(file, `${path.basename(file)} large`);
      fs.rmSync(`${file}-wal`);
    }

    sets.use("small");
    for (const file of files) {
      expect(contentOf(file)).to.equal(`${path.basename(file)} small`);
      expect(contentOf(`${file}-wal`)).to.equal(`${path.basename(file)} small wal`);
    }
    sets.use("large");
    for (const file of files) {
      expect(contentOf(file)).to.equal(`${path.basename(file)} large`);
      expect(contentOf(`${file}-wal`)).to.equal(null);
    }
    sets.use("large");
    expect(contentOf(files[0])).to.equal("consumer.db large");
  });

  it("refuses a set it never kept, and leaves the one in place where it is", function () {
    expect(() => new DatabaseSets(files, "large").use("small")).to.throw('no database set "small"');
    for (const file of files) expect(contentOf(file)).to.equal(`${path.basename(file)} small`);
  });
});
