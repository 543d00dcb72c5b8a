import { describe, expect, it } from 'vitest';
import { isCalendarDate, parseSourceTimestamp } from '../../shared/peoplesoft';
import type { SourceTimestampFormat } from '../../shared/peoplesoft';

describe('parseSourceTimestamp', () => {
  const readable: ReadonlyArray<[string, SourceTimestampFormat, string, string]> = [
    // [value, format, database time zone, expected instant]
    ['2024-05-01T10:20:30Z', 'iso', 'UTC', '2024-05-01T10:20:30.000Z'],
    ['2024-05-01T10:20:30.123Z', 'iso', 'America/Chicago', '2024-05-01T10:20:30.123Z'],
    ['2024-05-01t10:20:30z', 'iso', 'UTC', '2024-05-01T10:20:30.000Z'],
    ['2024-05-01T10:20:30.123456789Z', 'iso', 'UTC', '2024-05-01T10:20:30.123Z'],
    ['2024-05-01T10:20:30+05:30', 'iso', 'UTC', '2024-05-01T04:50:30.000Z'],
    ['2024-05-01T10:20:30-0600', 'iso', 'UTC', '2024-05-01T16:20:30.000Z'],
    ['2024-05-01T10:20:30-06', 'iso', 'UTC', '2024-05-01T16:20:30.000Z'],
    ['2024-05-01 10:20:30', 'iso', 'UTC', '2024-05-01T10:20:30.000Z'],
    ['2024-05-01T10:20', 'iso', 'UTC', '2024-05-01T10:20:00.000Z'],
    ['2024-07-01T10:00:00', 'iso', 'America/Chicago', '2024-07-01T15:00:00.000Z'],
    ['2024-01-15T10:00:00', 'iso', 'America/Chicago', '2024-01-15T16:00:00.000Z'],
    ['2024-02-29T00:00:00Z', 'iso', 'UTC', '2024-02-29T00:00:00.000Z'],
    ['2024-05-01-10.20.30.123456', 'peoplesoft', 'UTC', '2024-05-01T10:20:30.123Z'],
    ['2024-05-01-10.20.30', 'peoplesoft', 'UTC', '2024-05-01T10:20:30.000Z'],
    ['2024-05-01-10.20.30.5', 'peoplesoft', 'UTC', '2024-05-01T10:20:30.500Z'],
    ['2024-07-01-10.00.00.000000', 'peoplesoft', 'America/New_York', '2024-07-01T14:00:00.000Z'],
    ['2024-12-01-10.00.00.000000', 'peoplesoft', 'America/New_York', '2024-12-01T15:00:00.000Z'],
    ['2024-01-01-00.00.00.000000', 'peoplesoft', 'Asia/Kolkata', '2023-12-31T18:30:00.000Z'],
    // 02:30 does not exist on the spring-forward night: it moves forward by the gap.
    ['2024-03-10-02.30.00.000000', 'peoplesoft', 'America/New_York', '2024-03-10T07:30:00.000Z'],
    // 01:30 happens twice on the fall-back night: the earlier instant wins.
    ['2024-11-03-01.30.00.000000', 'peoplesoft', 'America/New_York', '2024-11-03T05:30:00.000Z'],
    ['  2024-05-01-10.20.30.000000  ', 'peoplesoft', 'UTC', '2024-05-01T10:20:30.000Z'],
  ];

  it.each(readable)('reads %j (%s, %s) as %s', (value, format, timeZone, expected) => {
    expect(parseSourceTimestamp(value, format, timeZone)?.toISOString()).toBe(expected);
  });

  const unreadable: ReadonlyArray<[unknown, SourceTimestampFormat]> = [
    ['2023-02-29T00:00:00Z', 'iso'],
    ['2024-13-01T00:00:00Z', 'iso'],
    ['2024-04-31T00:00:00Z', 'iso'],
    ['2024-05-01T24:00:00Z', 'iso'],
    ['2024-05-01T10:60:00Z', 'iso'],
    ['2024-05-01T10:00:00+25:00', 'iso'],
    ['2024-05-01', 'iso'],
    ['yesterday', 'iso'],
    ['', 'iso'],
    [1_714_558_830_000, 'iso'],
    [null, 'iso'],
    [undefined, 'peoplesoft'],
    ['2024-05-01T10:20:30Z', 'peoplesoft'],
    ['2024-05-01-10.20.30.123456', 'iso'],
    ['2024-05-01-10.20.30.1234567', 'peoplesoft'],
    ['2024-02-30-10.20.30.000000', 'peoplesoft'],
    ['2024-05-01-25.00.00.000000', 'peoplesoft'],
  ];

  it.each(unreadable)('refuses %j in the %s format', (value, format) => {
    expect(parseSourceTimestamp(value, format, 'UTC')).toBeUndefined();
  });
});

describe('isCalendarDate', () => {
  it.each([
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['2000-02-29', true],
    ['1900-02-29', false],
    ['2024-06-31', false],
    ['2024-6-1', false],
    ['2024-06-01T00:00:00Z', false],
    [20240601, false],
  ])('%j is a calendar date: %s', (value, expected) => {
    expect(isCalendarDate(value)).toBe(expected);
  });
});
