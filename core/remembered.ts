/**
 * A pure function of a string, remembered: each result is computed once and kept, and the whole memory is forgotten
 * past `limit` entries, so that it stays bounded whatever the input (a file of receipts repeats a handful of
 * accounts and codes, an attacker's need not).
 */
export function remembered<T>(compute: (key: string) => T, limit = 4_096): (key: string) => T {
  const results = new Map<string, T>();
  return (key) => {
    if (results.has(key)) return results.get(key) as T;
    const result = compute(key);
    if (results.size >= limit) results.clear();
    results.set(key, result);
    return result;
  };
}
