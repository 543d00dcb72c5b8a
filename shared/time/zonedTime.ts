/** A wall-clock time with no zone attached. */
export interface WallTime {
  /** Astronomical numbering: 1 BC is year 0, 2 BC is year -1. */
  readonly year: number;
  /** 1 = January ... 12 = December. */
  readonly month: number;
  readonly day: number;
  /** 0-23. */
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

/** What a clock in some time zone reads at an instant, to the second. */
export interface WallClock extends Omit<WallTime, 'millisecond'> {
  /** 1 = Sunday ... 7 = Saturday, as in EventBridge cron. */
  readonly weekday: number;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

// Building a DateTimeFormat costs far more than using one.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      era: 'short',
      weekday: 'short',
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

/** The wall clock in the IANA zone `timeZone` at the instant `ms` (milliseconds since the epoch). */
export function wallClockAt(ms: number, timeZone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(ms))) parts[part.type] = part.value;
  const year = Number(parts.year);
  return {
    year: parts.era === 'BC' ? 1 - year : year,
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS.indexOf(parts.weekday ?? '') + 1,
  };
}

/**
 * Milliseconds since the epoch of a wall time read as UTC. Unlike `Date.UTC`, years 0-99 stay
 * themselves; out-of-range fields roll over (day 32 of January is February 1).
 */
export function wallTimeAsUtc(wall: WallTime): number {
  const date = new Date(0);
  date.setUTCFullYear(wall.year, wall.month - 1, wall.day);
  date.setUTCHours(wall.hour, wall.minute, wall.second, wall.millisecond);
  return date.getTime();
}

function isUtc(timeZone: string): boolean {
  return timeZone === 'UTC' || timeZone === 'Etc/UTC';
}

function exactOffsetMs(ms: number, timeZone: string): number {
  const wall = wallClockAt(ms, timeZone);
  return wallTimeAsUtc({ ...wall, millisecond: 0 }) - (ms - (((ms % 1000) + 1000) % 1000));
}

// Zones change offset on quarter hours nowadays, so one Intl lookup per quarter hour serves every
// instant in it; that keeps Intl (slow) out of per-row paths such as 200 000 generated rows.
const BUCKET_MS = 900_000;
const MAX_CACHED_BUCKETS = 50_000;
const offsetsByZone = new Map<string, Map<number, number>>();

function bucketOffset(offsets: Map<number, number>, bucket: number, timeZone: string): number {
  let offset = offsets.get(bucket);
  if (offset === undefined) {
    offset = exactOffsetMs(bucket * BUCKET_MS, timeZone);
    if (offsets.size >= MAX_CACHED_BUCKETS) offsets.clear();
    offsets.set(bucket, offset);
  }
  return offset;
}

/**
 * Offset of `timeZone` from UTC at the instant `ms`, in milliseconds: wall clock minus UTC
 * (America/Chicago: -6 h in winter, -5 h in summer; Asia/Kolkata: +5.5 h).
 */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  if (isUtc(timeZone)) return 0;
  let offsets = offsetsByZone.get(timeZone);
  if (!offsets) {
    offsets = new Map();
    offsetsByZone.set(timeZone, offsets);
  }
  const bucket = Math.floor(ms / BUCKET_MS);
  const offset = bucketOffset(offsets, bucket, timeZone);
  // Old local-mean-time changes fall between quarter hours: a bucket whose two ends disagree
  // holds a change, so it is read exactly rather than from the cache.
  return bucketOffset(offsets, bucket + 1, timeZone) === offset ? offset : exactOffsetMs(ms, timeZone);
}

const DAY_MS = 86_400_000;

/**
 * The instant (milliseconds since the epoch) a wall-clock time denotes in an IANA time zone. In
 * the hour a DST change repeats, the earlier instant wins; a time that DST skips moves forward by
 * the gap (as `java.time` and Temporal's "compatible" mode do).
 */
export function zonedWallTimeToUtc(wall: WallTime, timeZone: string): number {
  const asUtc = wallTimeAsUtc(wall);
  if (isUtc(timeZone)) return asUtc;
  const before = zoneOffsetMs(asUtc - DAY_MS, timeZone);
  // Zones change offset at most once a day, so the offsets a day either side are the candidates.
  const candidates = new Set([before, zoneOffsetMs(asUtc, timeZone), zoneOffsetMs(asUtc + DAY_MS, timeZone)]);
  let earliest: number | undefined;
  for (const offset of candidates) {
    const instant = asUtc - offset;
    if (zoneOffsetMs(instant, timeZone) === offset && (earliest === undefined || instant < earliest)) earliest = instant;
  }
  return earliest ?? asUtc - before;
}

/**
 * The first local midnight in `timeZone` strictly after `now`, daylight saving included (a day can
 * be 23 or 25 hours long). A daily quota resetting at midnight in a vendor's zone is the common case.
 */
export function nextMidnightInZone(timeZone: string, now: Date): Date {
  const today = wallClockAt(now.getTime(), timeZone);
  const midnight = { year: today.year, month: today.month, day: today.day + 1, hour: 0, minute: 0, second: 0, millisecond: 0 };
  return new Date(zonedWallTimeToUtc(midnight, timeZone));
}
