import { describe, expect, it } from 'vitest';
import { nextMidnightInZone, wallClockAt, wallTimeAsUtc, zonedWallTimeToUtc, zoneOffsetMs } from '../../shared/time';
import type { WallTime } from '../../shared/time';

// 2026 in America/Chicago: CST (UTC-6) until 2026-03-08 02:00 local (08:00Z), CDT (UTC-5) until
// 2026-11-01 02:00 local (07:00Z). Asia/Kolkata is UTC+5:30 all year.
const HOUR = 3_600_000;

/** `YYYY-MM-DDTHH:MM:SS` as fields. */
const fields = (text: string): Omit<WallTime, 'millisecond'> => {
  const [year, month, day, hour, minute, second] = text.split(/[-T:]/).map(Number) as [number, number, number, number, number, number];
  return { year, month, day, hour, minute, second };
};
const wall = (text: string): WallTime => ({ ...fields(text), millisecond: 0 });

describe('wallClockAt', () => {
  it.each([
    // [instant, zone, wall clock, weekday (1 = Sunday)]
    ['2026-03-08T07:59:59Z', 'America/Chicago', '2026-03-08T01:59:59', 1],
    ['2026-03-08T08:00:00Z', 'America/Chicago', '2026-03-08T03:00:00', 1],
    ['2026-11-01T06:30:00Z', 'America/Chicago', '2026-11-01T01:30:00', 1],
    ['2026-11-01T07:30:00Z', 'America/Chicago', '2026-11-01T01:30:00', 1],
    ['2026-11-01T05:59:59Z', 'America/Chicago', '2026-11-01T00:59:59', 1],
    ['2026-11-01T04:59:59Z', 'America/Chicago', '2026-10-31T23:59:59', 7],
    ['2025-12-31T18:29:59Z', 'Asia/Kolkata', '2025-12-31T23:59:59', 4],
    ['2025-12-31T18:30:00Z', 'Asia/Kolkata', '2026-01-01T00:00:00', 5],
    ['2026-01-03T23:59:59Z', 'UTC', '2026-01-03T23:59:59', 7],
    ['2026-01-04T00:00:00Z', 'UTC', '2026-01-04T00:00:00', 1],
  ])('%s in %s reads %s, weekday %i', (at, timeZone, expected, weekday) => {
    const { weekday: actualWeekday, ...clock } = wallClockAt(Date.parse(at), timeZone);
    expect(clock).toEqual(fields(expected));
    expect(actualWeekday).toBe(weekday);
  });

  it('numbers years astronomically, 1 BC being year 0', () => {
    const ms = wallTimeAsUtc({ year: 0, month: 6, day: 15, hour: 12, minute: 0, second: 0, millisecond: 0 });
    expect(wallClockAt(ms, 'UTC')).toMatchObject({ year: 0, month: 6, day: 15, hour: 12 });
    expect(wallTimeAsUtc(wall('0050-01-01T00:00:00'))).toBe(new Date('0050-01-01T00:00:00Z').getTime());
  });
});

describe('zoneOffsetMs', () => {
  it.each([
    ['2026-03-08T07:59:59.999Z', 'America/Chicago', -6 * HOUR],
    ['2026-03-08T08:00:00Z', 'America/Chicago', -5 * HOUR],
    ['2026-11-01T06:59:59.999Z', 'America/Chicago', -5 * HOUR],
    ['2026-11-01T07:00:00Z', 'America/Chicago', -6 * HOUR],
    ['2026-07-01T12:34:56.789Z', 'Asia/Kolkata', 5.5 * HOUR],
    ['2026-07-01T12:34:56.789Z', 'UTC', 0],
    ['2026-07-01T12:34:56.789Z', 'Etc/UTC', 0],
    // Abidjan left local mean time (-0:16:08) at 1912-01-01T00:16:08Z, inside a quarter hour.
    ['1912-01-01T00:16:07.999Z', 'Africa/Abidjan', -968_000],
    ['1912-01-01T00:16:08Z', 'Africa/Abidjan', 0],
  ])('%s in %s is %i ms', (at, timeZone, expected) => {
    expect(zoneOffsetMs(Date.parse(at), timeZone)).toBe(expected);
  });

  it('agrees with the uncached wall clock minute by minute across both 2026 Chicago changes', () => {
    for (const day of ['2026-03-08T00:00:00Z', '2026-11-01T00:00:00Z']) {
      const start = Date.parse(day);
      for (let at = start; at < start + 24 * HOUR; at += 60_000 + 7) {
        const clock = wallClockAt(at, 'America/Chicago');
        const offset = wallTimeAsUtc({ ...clock, millisecond: at % 1000 }) - at;
        expect(zoneOffsetMs(at, 'America/Chicago')).toBe(offset);
      }
    }
  });
});

describe('zonedWallTimeToUtc', () => {
  it.each([
    ['2026-03-08T01:59:59', 'America/Chicago', '2026-03-08T07:59:59.000Z'],
    // 02:30 does not exist on the spring-forward night: it moves forward by the gap.
    ['2026-03-08T02:30:00', 'America/Chicago', '2026-03-08T08:30:00.000Z'],
    ['2026-03-08T03:00:00', 'America/Chicago', '2026-03-08T08:00:00.000Z'],
    // 01:30 happens twice on the fall-back night: the earlier instant wins.
    ['2026-11-01T01:30:00', 'America/Chicago', '2026-11-01T06:30:00.000Z'],
    ['2026-11-01T02:00:00', 'America/Chicago', '2026-11-01T08:00:00.000Z'],
    ['2026-01-01T00:00:00', 'Asia/Kolkata', '2025-12-31T18:30:00.000Z'],
    ['2026-07-01T12:00:00', 'UTC', '2026-07-01T12:00:00.000Z'],
  ])('%s in %s is %s', (text, timeZone, expected) => {
    expect(new Date(zonedWallTimeToUtc(wall(text), timeZone)).toISOString()).toBe(expected);
  });
});

describe('nextMidnightInZone', () => {
  it.each([
    ['2026-03-07T12:00:00Z', 'America/Chicago', '2026-03-08T06:00:00.000Z'],
    ['2026-03-08T12:00:00Z', 'America/Chicago', '2026-03-09T05:00:00.000Z'],
    ['2026-10-31T12:00:00Z', 'America/Chicago', '2026-11-01T05:00:00.000Z'],
    ['2026-11-01T06:30:00Z', 'America/Chicago', '2026-11-02T06:00:00.000Z'],
    ['2025-12-31T18:29:59Z', 'Asia/Kolkata', '2025-12-31T18:30:00.000Z'],
    ['2025-12-31T18:30:00Z', 'Asia/Kolkata', '2026-01-01T18:30:00.000Z'],
    ['2026-07-01T23:59:59.999Z', 'UTC', '2026-07-02T00:00:00.000Z'],
    ['2026-07-02T00:00:00Z', 'UTC', '2026-07-03T00:00:00.000Z'],
    // Santiago skips 00:00-00:59 on 2024-09-08: the day starts at 01:00 -03.
    ['2024-09-08T03:30:00Z', 'America/Santiago', '2024-09-08T04:00:00.000Z'],
  ])('after %s in %s is %s', (now, timeZone, expected) => {
    expect(nextMidnightInZone(timeZone, new Date(now)).toISOString()).toBe(expected);
  });
});
