/** How the simulated service operation writes `LASTUPDDTTM`. */
export type TimestampFormat = 'iso' | 'peoplesoft';

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();
// Time zones change offset only on quarter-hour boundaries, so one lookup per quarter hour is
// exact; it keeps Intl (slow) out of the per-row path when 200 000 rows are served.
const BUCKET_MS = 900_000;
const MAX_CACHED_OFFSETS = 50_000;

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Offset of `timeZone` from UTC at `ms` (wall clock minus UTC), in milliseconds. */
function offsetAt(ms: number, timeZone: string): number {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return 0;
  const bucket = Math.floor(ms / BUCKET_MS);
  const key = `${timeZone}|${bucket}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const at = bucket * BUCKET_MS;
    const parts: Record<string, string> = {};
    for (const part of formatterFor(timeZone).formatToParts(new Date(at))) parts[part.type] = part.value;
    const wall = Date.UTC(
      Number(parts.year),
      Number(parts.month) - 1,
      Number(parts.day),
      Number(parts.hour),
      Number(parts.minute),
      Number(parts.second),
    );
    offset = wall - at;
    if (offsets.size >= MAX_CACHED_OFFSETS) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

/** The wall-clock time of `ms` in `timeZone`, as `YYYY-MM-DDTHH:MM:SS.mmm`. */
function wallTime(ms: number, timeZone: string): string {
  return new Date(ms + offsetAt(ms, timeZone)).toISOString().slice(0, 23);
}

/**
 * Writes an instant as the simulated operation does: `iso` is ISO-8601 in UTC; `peoplesoft` is
 * the database's own `YYYY-MM-DD-HH.MM.SS.ffffff`, in the database time zone without an offset.
 */
export function formatTimestamp(ms: number, format: TimestampFormat, timeZone: string): string {
  if (format === 'iso') return new Date(ms).toISOString();
  const wall = wallTime(ms, timeZone);
  return `${wall.slice(0, 10)}-${wall.slice(11, 13)}.${wall.slice(14, 16)}.${wall.slice(17, 19)}.${wall.slice(20, 23)}000`;
}

/** The calendar date (`YYYY-MM-DD`) of an instant in the database time zone. */
export function formatDate(ms: number, timeZone: string): string {
  return wallTime(ms, timeZone).slice(0, 10);
}
