import { describe, expect, it } from 'vitest';
import { nextMidnightInZone } from '../../shared/connectors/marketo';

const chicagoClock = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/Chicago',
  hourCycle: 'h23',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

describe('nextMidnightInZone (Marketo quota reset, America/Chicago)', () => {
  it.each([
    ['summer afternoon (CDT, UTC-5)', '2024-06-15T18:00:00Z', '2024-06-16T05:00:00.000Z'],
    ['winter afternoon (CST, UTC-6)', '2024-01-15T18:00:00Z', '2024-01-16T06:00:00.000Z'],
    ['evening in Chicago, already next day in UTC', '2024-07-01T03:00:00Z', '2024-07-01T05:00:00.000Z'],
    ['day before DST starts: next midnight is still CST', '2024-03-09T12:00:00Z', '2024-03-10T06:00:00.000Z'],
    ['one second before midnight ahead of the spring change', '2024-03-10T05:59:59Z', '2024-03-10T06:00:00.000Z'],
    ['exactly midnight on the 23-hour day', '2024-03-10T06:00:00Z', '2024-03-11T05:00:00.000Z'],
    ['after the spring change (03:30 CDT)', '2024-03-10T08:30:00Z', '2024-03-11T05:00:00.000Z'],
    ['day before DST ends: next midnight is still CDT', '2024-11-02T12:00:00Z', '2024-11-03T05:00:00.000Z'],
    ['exactly midnight on the 25-hour day', '2024-11-03T05:00:00Z', '2024-11-04T06:00:00.000Z'],
    ['inside the repeated hour (01:30 CDT)', '2024-11-03T06:30:00Z', '2024-11-04T06:00:00.000Z'],
    ['inside the repeated hour (01:30 CST)', '2024-11-03T07:30:00Z', '2024-11-04T06:00:00.000Z'],
    ['new year', '2024-12-31T23:00:00Z', '2025-01-01T06:00:00.000Z'],
    ['leap day', '2024-02-28T20:00:00Z', '2024-02-29T06:00:00.000Z'],
    ['milliseconds do not shift the answer', '2024-06-15T18:00:00.999Z', '2024-06-16T05:00:00.000Z'],
  ])('%s: %s → %s', (_label, now, expected) => {
    expect(nextMidnightInZone('America/Chicago', new Date(now)).toISOString()).toBe(expected);
  });

  it('is always strictly later and at most 25 hours ahead', () => {
    const start = Date.parse('2024-01-01T00:00:00Z');
    for (let at = start; at < start + 366 * 86_400_000; at += 3 * 3_600_000 + 17_000) {
      const reset = nextMidnightInZone('America/Chicago', new Date(at)).getTime();
      expect(reset).toBeGreaterThan(at);
      expect(reset - at).toBeLessThanOrEqual(25 * 3_600_000);
      expect(chicagoClock.format(new Date(reset))).toBe('00:00:00');
    }
  });
});
