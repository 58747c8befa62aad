import { MEDICAL_INSTITUTIONS, type ResourceDefinition } from "../../backends/datasets";
import type { BackendsFile } from "./dev-files";

/** The `POST /v1/catalog/resources` body of a demo resource, its upstream the demo backend of its provider. */
export function catalogBody(def: ResourceDefinition, backends: BackendsFile) {
  return {
    code: def.code,
    name: def.name,
    summary: def.summary,
    shareType: def.shareType,
    openType: def === MEDICAL_INSTITUTIONS ? "open" : "restricted",
    securityLevel: def.securityLevel,
    personal: def.personal,
    sensitive: def.sensitive,
    fields: def.fields.map(({ name, type, personal }) => ({ name, type, personal })),
    updateCycle: def.updateCycle,
    upstream: { url: backends.urls[def.provider] },
  };
}
