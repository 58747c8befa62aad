import { expect } from "chai";
import { CHAIN_MIGRATIONS, migrateChainSchema } from "../../../server/src/chain/schema";
import { openDatabase } from "../../../server/src/common/db";

describe("chain adapter schema", function () {
  it("creates its tables once, as component 'chain', however often components ask for them", function () {
    const db = openDatabase(":memory:");
    migrateChainSchema(db);
    migrateChainSchema(db);

    const versions = db
      .prepare("SELECT version FROM schema_migrations WHERE component = 'chain' ORDER BY version")
      .all();
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]
    ).map((t) => t.name);

    expect(versions).to.have.length(CHAIN_MIGRATIONS.length);
    expect(tables).to.include.members([
      "chain_meta",
      "outbox",
      "outbox_calldata",
      "outbox_signed",
      "outbox_nonces",
      "events",
      "indexer_state",
    ]);
    db.close();
  });
});
