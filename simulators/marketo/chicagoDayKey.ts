import { wallClockAt } from '../../shared/time';

/**
 * The calendar day (`YYYY-MM-DD`) in America/Chicago at `at`: the unit of Marketo's daily quota.
 * Marketo resets at midnight US Central time, CST or CDT; a fixed -06:00 would be wrong half the year.
 */
export function chicagoDayKey(at: Date): string {
  const { year, month, day } = wallClockAt(at.getTime(), 'America/Chicago');
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
