/**
 * A catalog resource's data items, read one way by everyone who reads them: the catalog's API, the agreements' and
 * grants' field names, and the access decision that says which fields a fetch delivers. Item i is bit i of every
 * field mask on chain; the chain knows only how many items a resource has (`itemCount`), their names and types are in
 * the metadata JSON its event carries.
 */

/** The types a field of the metadata may declare. */
export const FIELD_TYPES = ["string", "number", "boolean", "date"] as const;
type FieldType = (typeof FIELD_TYPES)[number];

/** One data item of a resource; item i of the list is bit i of every field mask. */
export interface ResourceField {
  name: string;
  type: FieldType;
  personal: boolean;
}

/**
 * The resource's `itemCount` items in bit order: the metadata's `fields[i]` where it names one, else `item_<i>` (the
 * name the provider's backend is then asked for and its answer filtered by); a type the metadata does not give, or
 * one not in `FIELD_TYPES`, reads as "string"; entries past `itemCount` are no item (no mask can name them).
 */
export function resourceFields(metadata: Readonly<Record<string, unknown>> | null, itemCount: number): ResourceField[] {
  const listed = Array.isArray(metadata?.fields) ? (metadata.fields as unknown[]) : [];
  const fields: ResourceField[] = [];
  for (let i = 0; i < itemCount; i++) {
    const f = listed[i] as Record<string, unknown> | null | undefined;
    const name = typeof f?.name === "string" ? f.name : `item_${i}`;
    const type = FIELD_TYPES.find((t) => t === f?.type) ?? "string";
    fields.push({ name, type, personal: f?.personal === true });
  }
  return fields;
}
