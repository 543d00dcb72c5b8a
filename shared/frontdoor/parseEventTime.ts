/**
 * Reads a time a sender wrote: ISO-8601 text, or Unix time as a number or digits (seconds, or
 * milliseconds when it has 13 digits or more). Undefined when it is neither.
 */
export function parseEventTime(value: unknown): Date | undefined {
  if (typeof value === 'number') return fromUnix(value);
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d{1,16}(\.\d+)?$/.test(text)) return fromUnix(Number(text));
  // An ISO date needs at least a full date; Date.parse alone would take "1" or "May 1".
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : new Date(at);
}

function fromUnix(value: number): Date | undefined {
  if (!Number.isFinite(value) || value < 0) return undefined;
  return new Date(value >= 1e12 ? value : value * 1000);
}
