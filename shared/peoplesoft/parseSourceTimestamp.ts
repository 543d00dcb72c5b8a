import { wallTimeAsUtc, zonedWallTimeToUtc, type WallTime } from '../time';

// Re-exported for the importers that knew them from here, before shared/time existed.
export { zonedWallTimeToUtc };
export type { WallTime };

/** How a source timestamp is written: ISO-8601, or PeopleSoft's `YYYY-MM-DD-HH.MM.SS.ffffff`. */
export type SourceTimestampFormat = 'iso' | 'peoplesoft';

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;
const PEOPLESOFT = /^(\d{4})-(\d{2})-(\d{2})-(\d{2})\.(\d{2})\.(\d{2})(?:\.(\d{1,6}))?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function isValidWallTime(t: WallTime): boolean {
  return (
    t.month >= 1 &&
    t.month <= 12 &&
    t.day >= 1 &&
    t.day <= daysInMonth(t.year, t.month) &&
    t.hour <= 23 &&
    t.minute <= 59 &&
    t.second <= 59
  );
}

function fraction(digits: string | undefined): number {
  return digits ? Number(digits.padEnd(3, '0').slice(0, 3)) : 0;
}

/**
 * Reads a source timestamp. `iso` is ISO-8601 (`T` or a space, optional seconds and fraction,
 * `Z` or an offset; without one the time is read in `timeZone`); `peoplesoft` is
 * `YYYY-MM-DD-HH.MM.SS.ffffff` in `timeZone`. Fractions finer than a millisecond are truncated.
 * Returns undefined for anything else, including impossible dates such as February 30.
 */
export function parseSourceTimestamp(value: unknown, format: SourceTimestampFormat, timeZone: string): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const match = (format === 'iso' ? ISO : PEOPLESOFT).exec(text);
  if (!match) return undefined;
  const wall: WallTime = {
    year: Number(match[1]),
    month: Number(match[2]),
    day: Number(match[3]),
    hour: Number(match[4]),
    minute: Number(match[5]),
    second: Number(match[6] ?? 0),
    millisecond: fraction(match[7]),
  };
  if (!isValidWallTime(wall)) return undefined;
  if (format === 'iso' && match[8]) return new Date(wallTimeAsUtc(wall));
  if (format === 'iso' && match[9]) {
    const hours = Number(match[10]);
    const minutes = Number(match[11] ?? 0);
    if (hours > 23 || minutes > 59) return undefined;
    const sign = match[9] === '-' ? -1 : 1;
    return new Date(wallTimeAsUtc(wall) - sign * (hours * 60 + minutes) * 60_000);
  }
  return new Date(zonedWallTimeToUtc(wall, timeZone));
}

/** Whether `value` is a calendar date written `YYYY-MM-DD`. */
export function isCalendarDate(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const match = DATE.exec(value.trim());
  if (!match) return false;
  return isValidWallTime({
    year: Number(match[1]),
    month: Number(match[2]),
    day: Number(match[3]),
    hour: 0,
    minute: 0,
    second: 0,
    millisecond: 0,
  });
}
