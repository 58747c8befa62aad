import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { expect } from "chai";
import { migrate, openDatabase } from "../../../server/src/common/db";

describe("common/db", function () {
  it("opens a file database with WAL, synchronous=FULL, foreign keys on and a 64 MiB cache, creating its folder", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-db-"));
    const db = openDatabase(path.join(dir, "nested", "gateway.db"));
    try {
      expect(db.pragma("journal_mode", { simple: true })).to.equal("wal");
      expect(db.pragma("synchronous", { simple: true })).to.equal(2);
      expect(db.pragma("foreign_keys", { simple: true })).to.equal(1);
      // 64 MiB of page cache (negative: KiB), not the build's 16 MB.
      expect(db.pragma("cache_size", { simple: true })).to.equal(-65536);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("creates a new database with 16 KiB pages and leaves an existing one its own", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-db-"));
    try {
      const fresh = openDatabase(path.join(dir, "fresh.db"));
      fresh.exec("CREATE TABLE t (x)");
      expect(fresh.pragma("page_size", { simple: true })).to.equal(16384);
      fresh.close();
      const older = new Database(path.join(dir, "older.db"));
      older.exec("CREATE TABLE t (x)");
      expect(older.pragma("page_size", { simple: true })).to.equal(4096);
      older.close();
      const reopened = openDatabase(path.join(dir, "older.db"));
      expect(reopened.pragma("page_size", { simple: true })).to.equal(4096);
      expect(reopened.prepare("SELECT COUNT(*) AS n FROM t").get()).to.deep.equal({ n: 0 });
      reopened.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("opens an in-memory database", function () {
    const db = openDatabase(":memory:");
    expect(db.pragma("foreign_keys", { simple: true })).to.equal(1);
    db.close();
  });

  it("applies each statement once, in order, and only the new ones on a later run", function () {
    const db = openDatabase(":memory:");
    const v1 = ["CREATE TABLE a (x INTEGER)", "INSERT INTO a VALUES (1)"];
    expect(migrate(db, "demo", v1)).to.equal(2);
    expect(migrate(db, "demo", v1)).to.equal(0);
    expect(migrate(db, "demo", [...v1, "INSERT INTO a VALUES (2)"])).to.equal(1);
    expect(db.prepare("SELECT x FROM a ORDER BY rowid").all()).to.deep.equal([{ x: 1 }, { x: 2 }]);
    const versions = db
      .prepare("SELECT version FROM schema_migrations WHERE component = 'demo' ORDER BY version")
      .all();
    expect(versions).to.deep.equal([{ version: 1 }, { version: 2 }, { version: 3 }]);
  });

  it("keeps each component's versions apart", function () {
    const db = openDatabase(":memory:");
    migrate(db, "one", ["CREATE TABLE one (x)"]);
    expect(migrate(db, "two", ["CREATE TABLE two (x)", "CREATE TABLE two_b (x)"])).to.equal(2);
    expect(migrate(db, "one", ["CREATE TABLE one (x)"])).to.equal(0);
  });

  it("rolls back every pending statement when one fails", function () {
    const db = openDatabase(":memory:");
    expect(() => migrate(db, "broken", ["CREATE TABLE b (x)", "THIS IS NOT SQL"])).to.throw();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'b'").get()).to.equal(undefined);
    expect(migrate(db, "broken", ["CREATE TABLE b (x)"])).to.equal(1);
  });

  it("refuses a database whose schema is newer than the code", function () {
    const db = openDatabase(":memory:");
    migrate(db, "c", ["CREATE TABLE c (x)", "CREATE TABLE c2 (x)"]);
    expect(() => migrate(db, "c", ["CREATE TABLE c (x)"])).to.throw(/version 2 but this code knows only 1/);
  });
});
