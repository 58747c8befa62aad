/** The mask of the named fields in a resource's field list (bit i = field i). Unknown names are returned apart. */
export function fieldsToMask(
  resourceFields: readonly { name: string }[],
  names: readonly string[],
): { mask: bigint; unknown: string[] } {
  let mask = 0n;
  const unknown: string[] = [];
  for (const name of names) {
    const index = resourceFields.findIndex((f) => f.name === name);
    if (index < 0) unknown.push(name);
    else mask |= 1n << BigInt(index);
  }
  return { mask, unknown };
}

/** The names of the fields set in `mask`, in the resource's order. */
export function maskToFields(resourceFields: readonly { name: string }[], mask: bigint | string): string[] {
  const m = BigInt(mask);
  return resourceFields.filter((_, i) => (m >> BigInt(i)) & 1n).map((f) => f.name);
}
