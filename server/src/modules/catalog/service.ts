import { id as keccakUtf8, ZeroHash } from "ethers";
import { canonicalJson } from "../../../../core/json/canonical-json";
import { OPEN_TYPE, SECURITY_LEVEL, SHARE_TYPE } from "../../../../core/codes/enumerations";
import { isoTime } from "../../common/time";
import { validationError, type FieldError } from "../../common/errors";
import type { KuajieChain, WriteResult } from "../../chain/adapter";
import type { CatalogResource, CatalogStore, ShareType } from "../../store/catalog";
import type { UpstreamStore } from "../../store/upstreams";
import { departmentRef, type DepartmentService } from "../departments/service";
import { NotProviderError, ResourceExistsError, ResourceNotFoundError, ResourceRetiredError } from "./errors";
import { UPDATE_CYCLES, type RegisterResource, type UpdateResource } from "./schemas";

/** Everything a provider describes about a resource: what goes into the canonical metadata JSON. */
type Description = Omit<RegisterResource, "upstream">;

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/**
 * The canonical metadata of a description: every property of the request but `upstream` (which backend serves the
 * resource is the provider gateway's private configuration, never on chain), fields in order (bit i = fields[i])
 * with `personal` made explicit.
 */
function metadataOf(d: Description): Record<string, unknown> {
  return {
    code: d.code,
    name: d.name,
    summary: d.summary,
    shareType: d.shareType,
    openType: d.openType ?? "restricted",
    securityLevel: d.securityLevel,
    personal: d.personal,
    sensitive: d.sensitive ?? false,
    fields: d.fields.map((f) => ({ name: f.name, type: f.type, personal: f.personal ?? false })),
    updateCycle: d.updateCycle,
    legalBasis: d.legalBasis,
  };
}

/** The DataCatalog `ResourceTerms` tuple of a description. */
function termsOf(d: Description, legalBasisHash: string | null) {
  return {
    shareType: SHARE_TYPE.toIndex(d.shareType),
    openType: OPEN_TYPE.toIndex(d.openType ?? "restricted"),
    securityLevel: SECURITY_LEVEL.toIndex(d.securityLevel),
    personal: d.personal,
    sensitive: d.sensitive ?? false,
    itemCount: d.fields.length,
    legalBasis: d.legalBasis !== undefined ? keccakUtf8(d.legalBasis) : (legalBasisHash ?? ZeroHash),
  };
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Who reads a resource: the calling department, or null for a token of no department (an auditor's). */
export type Viewer = { id: string } | null;

/** What other features may read of the catalog. */
export interface CatalogLookup {
  get(resourceId: string): CatalogResource | null;
}

/**
 * The catalog: providers register, update and retire their resources through DataCatalog (signed by the gateway
 * for the caller's department); reads come from the CatalogStore projection. The projection answers 404 and 403
 * before the chain is asked; the contract remains the final guard (its refusals come back as 422 with errorName).
 */
export class CatalogService {
  constructor(
    private readonly store: CatalogStore,
    private readonly chain: KuajieChain,
    private readonly departments: DepartmentService,
    private readonly upstreams: UpstreamStore,
  ) {}

  /** The resource, or 404 naming where its id came from. */
  require(resourceId: string, where = "params.id"): CatalogResource {
    const resource = this.store.get(resourceId);
    if (!resource) throw new ResourceNotFoundError(resourceId, where);
    return resource;
  }

  async register(caller: { key: string; id: string }, body: RegisterResource) {
    const existing = this.store.idOfCode(caller.id, body.code);
    if (existing !== null) throw new ResourceExistsError(existing, body.code);
    const metadata = canonicalJson(metadataOf(body));
    const result = await this.chain.write(caller.key, "DataCatalog", "register", [
      body.code,
      termsOf(body, null),
      metadata,
    ]);
    const event = result.events.find((e) => e.name === "ResourceRegistered");
    const resourceId = String(event?.args.resourceId ?? "");
    if (resourceId !== "") this.upstreams.set(resourceId, body.upstream.url);
    return this.written(resourceId, result, 1, caller);
  }

  async update(caller: { key: string; id: string }, resourceId: string, patch: UpdateResource) {
    const resource = this.changeable(caller, resourceId, "update this resource");
    const merged = this.merge(resource, patch);
    const metadata = canonicalJson(metadataOf(merged));
    const result = await this.chain.write(caller.key, "DataCatalog", "update", [
      resource.resourceId,
      termsOf(merged, resource.legalBasisHash),
      metadata,
    ]);
    const event = result.events.find((e) => e.name === "ResourceUpdated");
    if (patch.upstream !== undefined) this.upstreams.set(resource.resourceId, patch.upstream.url);
    return this.written(resource.resourceId, result, Number(event?.args.version ?? resource.version + 1), caller);
  }

  /** Marks the resource returned (回流) to the departments below the provider, or withdraws the mark. */
  async setReturned(caller: { key: string; id: string }, resourceId: string, returned: boolean) {
    const resource = this.changeable(caller, resourceId, "mark this resource returned");
    const result = await this.chain.write(caller.key, "DataCatalog", "setReturned", [resource.resourceId, returned]);
    return this.written(resource.resourceId, result, resource.version, caller);
  }

  async retire(caller: { key: string; id: string }, resourceId: string) {
    const resource = this.changeable(caller, resourceId, "retire this resource");
    const result = await this.chain.write(caller.key, "DataCatalog", "retire", [resource.resourceId]);
    return this.written(resource.resourceId, result, resource.version, caller);
  }

  list(query: { provider?: string; shareType?: ShareType; status?: "active" | "retired" }, caller: Viewer) {
    let provider: string | undefined;
    if (query.provider !== undefined) {
      const id = BYTES32.test(query.provider) ? query.provider.toLowerCase() : this.departments.idOf(query.provider);
      if (id === null) {
        throw validationError([
          { field: "query.provider", message: "expected a department id (0x…) or the key of a served department" },
        ]);
      }
      provider = id;
    }
    const items = this.store.list({ provider, shareType: query.shareType, status: query.status });
    const block = this.block();
    return { items: items.map((r) => this.view(r, caller, block)), block };
  }

  detail(resourceId: string, caller: Viewer) {
    const resource = this.require(resourceId);
    return {
      ...this.view(resource, caller, this.block()),
      history: this.store.history(resource.resourceId).map((e) => ({
        event: e.name,
        version: e.version,
        block: e.blockNumber,
        time: isoTime(e.blockTime),
        txHash: e.txHash,
      })),
    };
  }

  /** A resource as the API shows it: its upstream only to callers of the provider department itself. */
  view(r: CatalogResource, caller: Viewer, block = this.block()) {
    const upstreamUrl =
      caller !== null && caller.id.toLowerCase() === r.provider ? this.upstreams.get(r.resourceId) : null;
    return {
      resourceId: r.resourceId,
      code: r.code,
      provider: departmentRef(this.departments, r.provider),
      version: r.version,
      status: r.status,
      name: str(r.metadata?.name) ?? null,
      shareType: r.shareType,
      openType: r.openType,
      securityLevel: r.securityLevel,
      personal: r.personal,
      sensitive: r.sensitive,
      returned: r.returned,
      itemCount: r.itemCount,
      fields: r.fields,
      upstream: upstreamUrl === null ? null : { url: upstreamUrl },
      legalBasisHash: r.legalBasisHash,
      metadataHash: r.metadataHash,
      metadata: r.metadata,
      registeredBlock: r.registeredBlock,
      registeredAt: isoTime(r.registeredAt),
      updatedBlock: r.updatedBlock,
      updatedAt: isoTime(r.updatedAt),
      txHash: r.updatedTx,
      block,
    };
  }

  private block(): number {
    return this.chain.indexer.indexedBlock();
  }

  /** After a write: the resource as indexed (read-your-writes), with the write's transaction. */
  private written(resourceId: string, result: WriteResult, version: number, caller: Viewer) {
    const resource = this.store.get(resourceId);
    if (resource === null) {
      // Mined but not indexed within the wait: answer from the write itself.
      return { resourceId, version, txHash: result.txHash, blockNumber: result.blockNumber, block: this.block() };
    }
    return { ...this.view(resource, caller), txHash: result.txHash, blockNumber: result.blockNumber };
  }

  /** The resource if the caller's department provides it and it is not retired: 404, 403, 409 otherwise. */
  private changeable(caller: { id: string }, resourceId: string, what: string): CatalogResource {
    const resource = this.require(resourceId);
    if (resource.provider !== caller.id) {
      throw new NotProviderError(what, departmentRef(this.departments, resource.provider), caller.id);
    }
    if (resource.status === "retired") throw new ResourceRetiredError(resource.resourceId);
    return resource;
  }

  /** The new description: the current one (from the metadata on chain) with the patch's properties replaced. */
  private merge(resource: CatalogResource, patch: UpdateResource): Description {
    const m = resource.metadata ?? {};
    const errors: FieldError[] = [];
    if (patch.code !== undefined && patch.code !== resource.code) {
      errors.push({ field: "body.code", message: `the code cannot change (it is '${resource.code}')` });
    }
    const fields = patch.fields ?? resource.fields;
    resource.fields.forEach((old, i) => {
      if (patch.fields === undefined) return;
      const now = patch.fields[i];
      if (now === undefined) {
        errors.push({
          field: "body.fields",
          message: `fields cannot be removed: agreements refer to them by position (${resource.fields.length} exist)`,
        });
      } else if (now.name !== old.name) {
        errors.push({
          field: `body.fields[${i}].name`,
          message: `field ${i} is '${old.name}': existing fields keep their names and positions; append new ones`,
        });
      }
    });
    const name = patch.name ?? str(m.name);
    const updateCycle = patch.updateCycle ?? UPDATE_CYCLES.find((c) => c === m.updateCycle);
    const merged = {
      code: resource.code,
      name: name ?? "",
      summary: patch.summary ?? str(m.summary),
      shareType: patch.shareType ?? resource.shareType,
      openType: patch.openType ?? resource.openType,
      securityLevel: patch.securityLevel ?? resource.securityLevel,
      personal: patch.personal ?? resource.personal,
      sensitive: patch.sensitive ?? resource.sensitive,
      fields: fields.map((f) => ({ name: f.name, type: f.type, personal: f.personal ?? false })),
      updateCycle,
      legalBasis: patch.legalBasis ?? str(m.legalBasis),
    };
    if (name === undefined) errors.push({ field: "body.name", message: "the resource has no name yet: give one" });
    if (merged.shareType === "not_shareable" && merged.legalBasis === undefined && resource.legalBasisHash === null) {
      errors.push({
        field: "body.legalBasis",
        message: "a not_shareable resource needs the legal basis for not sharing it",
      });
    }
    if (errors.length > 0) throw validationError(errors);
    return merged;
  }
}
