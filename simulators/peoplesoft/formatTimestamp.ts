import { zoneOffsetMs } from '../../shared/time';

/** How the simulated service operation writes `LASTUPDDTTM`. */
export type TimestampFormat = 'iso' | 'peoplesoft';

/** The wall-clock time of `ms` in `timeZone`, as `YYYY-MM-DDTHH:MM:SS.mmm`. */
function wallTime(ms: number, timeZone: string): string {
  return new Date(ms + zoneOffsetMs(ms, timeZone)).toISOString().slice(0, 23);
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
