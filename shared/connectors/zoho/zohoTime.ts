/** A Zoho date-time (`2019-12-23T16:39:18+05:30`) as ISO-8601 UTC; undefined when unreadable. */
export function zohoTime(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}
