/** How the simulated service operation writes `LASTUPDDTTM`. */
export type TimestampFormat = 'iso' | 'peoplesoft';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

interface WallTime {
  readonly year: string;
  readonly month: string;
  readonly day: string;
  readonly hour: string;
  readonly minute: string;
  readonly second: string;
}

function wallTime(ms: number, timeZone: string): WallTime {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(ms))) parts[part.type] = part.value;
  return {
    year: parts.year!.padStart(4, '0'),
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/**
 * Writes an instant as the simulated operation does: `iso` is ISO-8601 in UTC; `peoplesoft` is
 * the database's own `YYYY-MM-DD-HH.MM.SS.ffffff`, in the database time zone without an offset.
 */
export function formatTimestamp(ms: number, format: TimestampFormat, timeZone: string): string {
  if (format === 'iso') return new Date(ms).toISOString();
  const t = wallTime(ms, timeZone);
  const micros = String((((ms % 1000) + 1000) % 1000) * 1000).padStart(6, '0');
  return `${t.year}-${t.month}-${t.day}-${t.hour}.${t.minute}.${t.second}.${micros}`;
}

/** The calendar date (`YYYY-MM-DD`) of an instant in the database time zone. */
export function formatDate(ms: number, timeZone: string): string {
  const t = wallTime(ms, timeZone);
  return `${t.year}-${t.month}-${t.day}`;
}
