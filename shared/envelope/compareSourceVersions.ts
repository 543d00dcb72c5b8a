/**
 * Orders two source versions (`sourceUpdatedAt` values): negative when `a` is older than `b`,
 * zero when equal, positive when newer. Timestamps compare as instants, so `…T10:00:00Z` and
 * `…T10:00:00.000Z` are the same version; anything unreadable compares as text.
 */
export function compareSourceVersions(a: string, b: string): number {
  const at = Date.parse(a);
  const bt = Date.parse(b);
  if (!Number.isNaN(at) && !Number.isNaN(bt)) return at - bt;
  return a < b ? -1 : a > b ? 1 : 0;
}
