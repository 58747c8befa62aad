/**
 * Who is who, from events alone: departments (Consortium `DepartmentAdmitted`, with their names and codes, which
 * are only emitted) and catalog resources (DataCatalog registrations and updates, with the metadata JSON that names
 * the fields), so that reports say "Guangzhou Civil Affairs Bureau" and "household-registration / address" rather
 * than hashes and bit numbers.
 */
import { decodeBytes32String, keccak256, toUtf8Bytes } from "ethers";
import type { DepartmentAdmittedEvent } from "../../../typechain-types/contracts/consortium/IConsortium";
import type { ResourceRegisteredEvent } from "../../../typechain-types/contracts/catalog/IDataCatalog";
import { interfaces } from "../contracts";
import type { AuditContext } from "../connect";
import type { ChainEvent } from "../event-source";
import { argsOf } from "./fold";
import {
  LEVEL,
  SECURITY_LEVEL,
  SHARE_TYPE,
  type Level,
  type SecurityLevel,
  type ShareType,
} from "../../../core/codes/enumerations";

export interface DepartmentInfo {
  id: string;
  code: string;
  name: string;
  level: Level;
  /** GB/T 2260. */
  regionCode: number;
  parent: string;
  admitted: ChainEvent;
}

export interface ResourceInfo {
  id: string;
  provider: string;
  code: string;
  shareType: ShareType;
  securityLevel: SecurityLevel;
  personal: boolean;
  sensitive: boolean;
  /** The name in the latest metadata, null when it gives none. */
  name: string | null;
  /** Field names in bit order, from the latest metadata; empty when the metadata names none. */
  fields: string[];
  /** The names of the fields the latest metadata marks `personal`, in bit order. */
  personalFields: string[];
  /** Whether every metadata JSON emitted hashes to the hash emitted beside it. */
  metadataIntact: boolean;
  registered: ChainEvent;
  /** Registration, updates and retirement, in chain order. */
  events: ChainEvent[];
}

export class Directory {
  constructor(
    readonly departments: Map<string, DepartmentInfo>,
    readonly resources: Map<string, ResourceInfo>,
  ) {}

  departmentName(id: string): string {
    return this.departments.get(id.toLowerCase())?.name ?? short(id);
  }

  resourceName(id: string): string {
    return this.resources.get(id.toLowerCase())?.code ?? short(id);
  }

  /** The names of the fields in `mask` (bit i is field i), e.g. `name, address`; bit numbers when unnamed. */
  fieldNames(resourceId: string, mask: bigint): string {
    const fields = this.resources.get(resourceId.toLowerCase())?.fields ?? [];
    const names: string[] = [];
    for (let bit = 0; mask >> BigInt(bit) > 0n; bit++) {
      if ((mask >> BigInt(bit)) & 1n) names.push(fields[bit] ?? `item ${bit}`);
    }
    return names.length ? names.join(", ") : "none";
  }
}

/** A bytes32 such as a purpose code as its string when it holds one, else as hex. */
export function bytes32Text(value: string): string {
  try {
    const text = decodeBytes32String(value);
    if (/^[\x20-\x7e]+$/.test(text)) return text;
  } catch {
    // not a short string
  }
  return value;
}

export function short(hex: string): string {
  return hex.length > 18 ? `${hex.slice(0, 10)}…${hex.slice(-6)}` : hex;
}

export async function loadDirectory(ctx: AuditContext, resourceIds?: Iterable<string>): Promise<Directory> {
  const { Consortium, DataCatalog } = ctx.deployment.contracts;
  const admitted = await ctx.events.events(Consortium, interfaces.Consortium, [
    interfaces.Consortium.getEvent("DepartmentAdmitted").topicHash,
  ]);
  const departments = new Map<string, DepartmentInfo>();
  for (const event of admitted) {
    const d = argsOf<DepartmentAdmittedEvent.OutputObject>(event);
    departments.set(d.departmentId.toLowerCase(), {
      id: d.departmentId,
      code: d.code,
      name: d.name,
      level: LEVEL.values[Number(d.level)],
      regionCode: Number(d.regionCode),
      parent: d.parent,
      admitted: event,
    });
  }
  const ids = resourceIds ? [...new Set([...resourceIds].map((r) => r.toLowerCase()))] : undefined;
  const catalogEvents = await ctx.events.events(DataCatalog, interfaces.DataCatalog, ids ? [null, ids] : []);
  const resources = new Map<string, ResourceInfo>();
  for (const event of catalogEvents) {
    const id = String(event.args[0]).toLowerCase();
    if (event.name === "ResourceRegistered") {
      const r = argsOf<ResourceRegisteredEvent.OutputObject>(event);
      resources.set(id, {
        id: r.resourceId,
        provider: r.provider,
        code: r.code,
        shareType: SHARE_TYPE.values[Number(r.terms.shareType)],
        securityLevel: SECURITY_LEVEL.values[Number(r.terms.securityLevel)],
        personal: r.terms.personal,
        sensitive: r.terms.sensitive,
        ...describedBy(r.metadata),
        metadataIntact: keccak256(toUtf8Bytes(r.metadata)) === r.metadataHash,
        registered: event,
        events: [event],
      });
    } else {
      const resource = resources.get(id);
      if (!resource) continue;
      resource.events.push(event);
      if (event.name === "ResourceUpdated") {
        const u = argsOf<ResourceRegisteredEvent.OutputObject>(event); // same terms, hash and metadata fields
        resource.shareType = SHARE_TYPE.values[Number(u.terms.shareType)];
        resource.securityLevel = SECURITY_LEVEL.values[Number(u.terms.securityLevel)];
        resource.personal = u.terms.personal;
        resource.sensitive = u.terms.sensitive;
        Object.assign(resource, describedBy(u.metadata));
        resource.metadataIntact &&= keccak256(toUtf8Bytes(u.metadata)) === u.metadataHash;
      }
    }
  }
  return new Directory(departments, resources);
}

/** What the metadata JSON says of the resource: its name and its fields' names, personal ones apart. */
function describedBy(metadata: string): Pick<ResourceInfo, "name" | "fields" | "personalFields"> {
  let parsed: { name?: unknown; fields?: { name?: unknown; personal?: unknown }[] };
  try {
    parsed = JSON.parse(metadata) as typeof parsed;
  } catch {
    return { name: null, fields: [], personalFields: [] };
  }
  const fields = Array.isArray(parsed.fields)
    ? parsed.fields.map((f, i) => ({
        name: typeof f?.name === "string" ? f.name : `item ${i}`,
        personal: f?.personal === true,
      }))
    : [];
  return {
    name: typeof parsed.name === "string" ? parsed.name : null,
    fields: fields.map((f) => f.name),
    personalFields: fields.filter((f) => f.personal).map((f) => f.name),
  };
}
