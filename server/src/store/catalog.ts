import { resourceFields, type ResourceField } from "../../../core/catalog/fields";
import { OPEN_TYPE, SECURITY_LEVEL, SHARE_TYPE } from "../../../core/codes/enumerations";
import type { IndexedEvent } from "../common/indexed-event";
import type { Db } from "../common/db";
import { migrate } from "../common/db";

export type ShareType = (typeof SHARE_TYPE.values)[number];
type OpenType = (typeof OPEN_TYPE.values)[number];
type SecurityLevel = (typeof SECURITY_LEVEL.values)[number];

/**
 * A catalog resource as the chain says it is now (DataCatalog events), with its metadata JSON parsed back.
 * Stable interface: the fetch feature reads `provider`, `status`, `version`, `fields` and `upstreamUrl`.
 */
export interface CatalogResource {
  resourceId: string;
  /** The provider department's on-chain id. */
  provider: string;
  code: string;
  shareType: ShareType;
  openType: OpenType;
  securityLevel: SecurityLevel;
  personal: boolean;
  sensitive: boolean;
  itemCount: number;
  /** keccak256 of the legal-basis reference, null when none was given. */
  legalBasisHash: string | null;
  version: number;
  status: "active" | "retired";
  metadataHash: string;
  /** The metadata JSON as emitted, parsed; null when it is not a JSON object (a resource registered by hand). */
  metadata: Record<string, unknown> | null;
  /** The resource's items in bit order (core/catalog/fields.ts: `item_<i>` where the metadata names none). */
  fields: ResourceField[];
  /** Where the gateway fetches the data (`POST {url}/query`); null when the metadata names none. */
  upstreamUrl: string | null;
  /** Marked returned (回流) to the departments below the provider (`ResourceReturnChanged`). */
  returned: boolean;
  registeredBlock: number;
  registeredAt: number;
  registeredTx: string;
  updatedBlock: number;
  updatedAt: number;
  updatedTx: string;
}

/** One DataCatalog event of a resource, for its history. */
export interface CatalogEventRow {
  resourceId: string;
  name: string;
  version: number;
  blockNumber: number;
  logIndex: number;
  blockTime: number;
  txHash: string;
}

export interface CatalogFilter {
  provider?: string;
  shareType?: ShareType;
  status?: "active" | "retired";
}

interface RawResource {
  id: string;
  provider: string;
  code: string;
  share_type: number;
  open_type: number;
  security_level: number;
  personal: number;
  sensitive: number;
  item_count: number;
  legal_basis: string;
  metadata_hash: string;
  metadata: string;
  version: number;
  status: "active" | "retired";
  registered_block: number;
  registered_at: number;
  registered_tx: string;
  updated_block: number;
  updated_at: number;
  updated_tx: string;
  returned: number;
}

interface RawEvent {
  resource_id: string;
  name: string;
  version: number;
  block_number: number;
  log_index: number;
  block_time: number;
  tx_hash: string;
}

const ZERO = `0x${"0".repeat(64)}`;

/** The columns a ResourceRegistered or ResourceUpdated sets from its terms and metadata. */
function termsColumns(a: IndexedEvent["args"]) {
  const t = (a.terms ?? {}) as Record<string, unknown>;
  return {
    share_type: Number(t.shareType),
    open_type: Number(t.openType),
    security_level: Number(t.securityLevel),
    personal: t.personal === true ? 1 : 0,
    sensitive: t.sensitive === true ? 1 : 0,
    item_count: Number(t.itemCount),
    legal_basis: String(t.legalBasis ?? ZERO).toLowerCase(),
    metadata_hash: String(a.metadataHash).toLowerCase(),
    metadata: String(a.metadata),
  };
}

/**
 * The catalog projection: every resource as rebuilt from DataCatalog events alone (the metadata JSON is in the
 * events), and each resource's event history. Applying the same event twice changes nothing.
 */
export class CatalogStore {
  /** True when the tables were created now and the indexed history must be replayed into them. */
  readonly fresh: boolean;
  private readonly sql;

  constructor(private readonly db: Db) {
    this.fresh =
      migrate(db, "catalog", [
        `CREATE TABLE catalog_resources (
           id TEXT PRIMARY KEY, provider TEXT NOT NULL, code TEXT NOT NULL,
           share_type INTEGER NOT NULL, open_type INTEGER NOT NULL, security_level INTEGER NOT NULL,
           personal INTEGER NOT NULL, sensitive INTEGER NOT NULL, item_count INTEGER NOT NULL,
           legal_basis TEXT NOT NULL, metadata_hash TEXT NOT NULL, metadata TEXT NOT NULL,
           version INTEGER NOT NULL, status TEXT NOT NULL,
           registered_block INTEGER NOT NULL, registered_at INTEGER NOT NULL, registered_tx TEXT NOT NULL,
           updated_block INTEGER NOT NULL, updated_at INTEGER NOT NULL, updated_tx TEXT NOT NULL)`,
        `CREATE INDEX catalog_resources_provider ON catalog_resources (provider)`,
        `CREATE TABLE catalog_events (
           block_number INTEGER NOT NULL, log_index INTEGER NOT NULL, tx_hash TEXT NOT NULL,
           resource_id TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL, block_time INTEGER NOT NULL,
           PRIMARY KEY (block_number, log_index))`,
        `CREATE INDEX catalog_events_resource ON catalog_events (resource_id)`,
        `ALTER TABLE catalog_resources ADD COLUMN returned INTEGER NOT NULL DEFAULT 0`,
      ]) > 0;
    this.sql = {
      seen: db.prepare(`SELECT 1 FROM catalog_events WHERE block_number = ? AND log_index = ?`),
      register: db.prepare(
        `INSERT OR REPLACE INTO catalog_resources VALUES
           (@id, @provider, @code, @share_type, @open_type, @security_level, @personal, @sensitive, @item_count,
            @legal_basis, @metadata_hash, @metadata, 1, 'active', @block, @at, @tx, @block, @at, @tx, 0)`,
      ),
      update: db.prepare(
        `UPDATE catalog_resources SET share_type = @share_type, open_type = @open_type,
           security_level = @security_level, personal = @personal, sensitive = @sensitive, item_count = @item_count,
           legal_basis = @legal_basis, metadata_hash = @metadata_hash, metadata = @metadata, version = @version,
           updated_block = @block, updated_at = @at, updated_tx = @tx WHERE id = @id`,
      ),
      returned: db.prepare(
        `UPDATE catalog_resources SET returned = ?, updated_block = ?, updated_at = ?, updated_tx = ? WHERE id = ?`,
      ),
      version: db.prepare(`SELECT version FROM catalog_resources WHERE id = ?`),
      retire: db.prepare(
        `UPDATE catalog_resources SET status = 'retired', updated_block = ?, updated_at = ?, updated_tx = ?
         WHERE id = ?`,
      ),
      resource: db.prepare(`SELECT * FROM catalog_resources WHERE id = ?`),
      idOfCode: db.prepare(`SELECT id FROM catalog_resources WHERE provider = ? AND code = ?`),
      history: db.prepare(`SELECT * FROM catalog_events WHERE resource_id = ? ORDER BY block_number, log_index`),
      recordEvent: db.prepare(`INSERT OR IGNORE INTO catalog_events VALUES (?, ?, ?, ?, ?, ?, ?)`),
    };
  }

  /** Applies DataCatalog events; runs inside the indexer's transaction. */
  apply(events: readonly IndexedEvent[]): void {
    for (const e of events) {
      if (e.contract !== "DataCatalog") continue;
      const a = e.args;
      const id = String(a.resourceId).toLowerCase();
      if (this.sql.seen.get(e.blockNumber, e.logIndex)) continue;
      switch (e.name) {
        case "ResourceRegistered": {
          this.sql.register.run({
            ...termsColumns(a),
            id,
            provider: String(a.provider).toLowerCase(),
            code: String(a.code),
            block: e.blockNumber,
            at: e.blockTime,
            tx: e.txHash,
          });
          this.recordEvent(e, id, 1);
          break;
        }
        case "ResourceUpdated": {
          const version = Number(a.version);
          this.sql.update.run({ ...termsColumns(a), version, block: e.blockNumber, at: e.blockTime, tx: e.txHash, id });
          this.recordEvent(e, id, version);
          break;
        }
        case "ResourceReturnChanged": {
          this.sql.returned.run(a.returned === true ? 1 : 0, e.blockNumber, e.blockTime, e.txHash, id);
          const row = this.sql.version.get(id) as { version: number } | undefined;
          this.recordEvent(e, id, row?.version ?? 0);
          break;
        }
        case "ResourceRetired": {
          this.sql.retire.run(e.blockNumber, e.blockTime, e.txHash, id);
          this.recordEvent(e, id, Number(a.version));
          break;
        }
      }
    }
  }

  reset(): void {
    this.db.exec(`DELETE FROM catalog_resources; DELETE FROM catalog_events;`);
  }

  /** The resource now, or null when the chain has no such resource. */
  get(resourceId: string): CatalogResource | null {
    const row = this.sql.resource.get(resourceId.toLowerCase()) as RawResource | undefined;
    return row ? fromRaw(row) : null;
  }

  /** The id of a provider's resource code, or null. */
  idOfCode(provider: string, code: string): string | null {
    const row = this.sql.idOfCode.get(provider.toLowerCase(), code) as { id: string } | undefined;
    return row?.id ?? null;
  }

  list(filter: CatalogFilter = {}): CatalogResource[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (filter.provider !== undefined) {
      where.push("provider = ?");
      args.push(filter.provider.toLowerCase());
    }
    if (filter.shareType !== undefined) {
      where.push("share_type = ?");
      args.push(SHARE_TYPE.toIndex(filter.shareType));
    }
    if (filter.status !== undefined) {
      where.push("status = ?");
      args.push(filter.status);
    }
    const sql =
      `SELECT * FROM catalog_resources` +
      (where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "") +
      ` ORDER BY registered_block, id`;
    return (this.db.prepare(sql).all(...args) as RawResource[]).map(fromRaw);
  }

  /** The resource's DataCatalog events in chain order. */
  history(resourceId: string): CatalogEventRow[] {
    return (this.sql.history.all(resourceId.toLowerCase()) as RawEvent[]).map((r) => ({
      resourceId: r.resource_id,
      name: r.name,
      version: r.version,
      blockNumber: r.block_number,
      logIndex: r.log_index,
      blockTime: r.block_time,
      txHash: r.tx_hash,
    }));
  }

  private recordEvent(e: IndexedEvent, resourceId: string, version: number): void {
    this.sql.recordEvent.run(e.blockNumber, e.logIndex, e.txHash, resourceId, e.name, version, e.blockTime);
  }
}

function parseMetadata(json: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(json);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function upstreamOf(metadata: Record<string, unknown> | null): string | null {
  const upstream = metadata?.upstream as Record<string, unknown> | undefined;
  return typeof upstream?.url === "string" ? upstream.url : null;
}

function fromRaw(r: RawResource): CatalogResource {
  const metadata = parseMetadata(r.metadata);
  return {
    resourceId: r.id,
    provider: r.provider,
    code: r.code,
    shareType: SHARE_TYPE.fromIndex(r.share_type),
    openType: OPEN_TYPE.fromIndex(r.open_type),
    securityLevel: SECURITY_LEVEL.fromIndex(r.security_level),
    personal: r.personal === 1,
    sensitive: r.sensitive === 1,
    itemCount: r.item_count,
    legalBasisHash: r.legal_basis === ZERO ? null : r.legal_basis,
    version: r.version,
    status: r.status,
    metadataHash: r.metadata_hash,
    metadata,
    fields: resourceFields(metadata, r.item_count),
    upstreamUrl: upstreamOf(metadata),
    returned: r.returned === 1,
    registeredBlock: r.registered_block,
    registeredAt: r.registered_at,
    registeredTx: r.registered_tx,
    updatedBlock: r.updated_block,
    updatedAt: r.updated_at,
    updatedTx: r.updated_tx,
  };
}
