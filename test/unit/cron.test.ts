import { describe, expect, it } from 'vitest';
import { cronMatches, nextCronFire, parseCron } from '../../shared/config';

describe('EventBridge cron expressions', () => {
  it.each([
    ['0 6 ? * MON-FRI *', '2026-11-23T12:00:00Z', 'America/Chicago', true], // Monday 06:00 CST
    ['0 6 ? * MON-FRI *', '2026-11-22T12:00:00Z', 'America/Chicago', false], // Sunday
    ['*/15 * * * ? *', '2026-11-22T10:45:00Z', 'UTC', true],
    ['*/15 * * * ? *', '2026-11-22T10:44:00Z', 'UTC', false],
    ['0 0 1 JAN,JUL ? *', '2026-07-01T00:00:00Z', 'UTC', true],
  ])('%s at %s (%s) fires: %s', (expression, at, zone, expected) => {
    expect(cronMatches(parseCron(expression), new Date(at), zone)).toBe(expected);
  });

  it('finds the next firing in the schedule time zone across a DST change', () => {
    // 2026-03-08: Chicago moves from CST (UTC-6) to CDT (UTC-5).
    const next = nextCronFire(parseCron('0 2 * * ? *'), new Date('2026-03-09T00:00:00Z'), 'America/Chicago');
    expect(next?.toISOString()).toBe('2026-03-09T07:00:00.000Z');
  });

  it.each([
    ['0 6 * * *', '6 fields'],
    ['0 6 * * MON *', 'exactly one of day-of-month and day-of-week'],
    ['0 25 * * ? *', 'hours: 25 is outside 0-23'],
    ['0 6 L * ? *', 'not supported'],
  ])('refuses %s with a message saying why', (expression, message) => {
    expect(() => parseCron(expression)).toThrow(message);
  });
});
