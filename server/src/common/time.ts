/** Unix seconds ↔ ISO 8601, as every API response shows times. */
export function isoTime(seconds: number | bigint | string): string {
  return new Date(Number(seconds) * 1000).toISOString();
}
