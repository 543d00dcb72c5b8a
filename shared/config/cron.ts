import { wallClockAt } from '../time';

/**
 * EventBridge Scheduler cron expressions (`minutes hours day-of-month month day-of-week year`),
 * parsed once so that a bad expression fails config validation, and evaluated by the local
 * scheduler. Supported: `*`, `?`, lists, ranges, steps and month / weekday names; the `L`, `W`
 * and `#` forms are refused with a clear message rather than approximated.
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based
 */
export interface CronExpression {
  readonly source: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number> | '?';
  readonly months: ReadonlySet<number>;
  /** 1 = Sunday ... 7 = Saturday, as in EventBridge. */
  readonly daysOfWeek: ReadonlySet<number> | '?';
  readonly years: ReadonlySet<number> | '*';
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function parseField(text: string, name: string, min: number, max: number, names: readonly string[] = []): Set<number> {
  const values = new Set<number>();
  const value = (token: string): number => {
    const named = names.indexOf(token.toUpperCase());
    if (named >= 0) return named + min;
    if (!/^\d+$/.test(token)) throw new Error(`${name}: "${token}" is not a number${names.length ? ' or name' : ''}`);
    const number = Number(token);
    if (number < min || number > max) throw new Error(`${name}: ${number} is outside ${min}-${max}`);
    return number;
  };
  for (const part of text.split(',')) {
    if (/[LW#]/.test(part.replace(/[A-Z]{3}/gi, ''))) throw new Error(`${name}: the L, W and # forms are not supported`);
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`${name}: bad step "${stepText}"`);
    let from: number;
    let to: number;
    if (range === '*') {
      from = min;
      to = max;
    } else if (range!.includes('-')) {
      const [a, b] = range!.split('-');
      from = value(a!);
      to = value(b!);
    } else {
      from = value(range!);
      to = stepText === undefined ? from : max;
    }
    if (from > to) throw new Error(`${name}: range ${range} runs backwards`);
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

export function parseCron(source: string): CronExpression {
  const text = source.trim().replace(/^cron\((.*)\)$/, '$1');
  const fields = text.split(/\s+/);
  if (fields.length !== 6) {
    throw new Error(`"${source}" needs 6 fields (minutes hours day-of-month month day-of-week year), e.g. "0 6 ? * MON-FRI *"`);
  }
  const [min, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) {
    throw new Error(`"${source}": exactly one of day-of-month and day-of-week must be "?"`);
  }
  return {
    source,
    minutes: parseField(min, 'minutes', 0, 59),
    hours: parseField(hour, 'hours', 0, 23),
    daysOfMonth: dom === '?' ? '?' : parseField(dom, 'day-of-month', 1, 31),
    months: parseField(month, 'month', 1, 12, MONTHS),
    daysOfWeek: dow === '?' ? '?' : parseField(dow, 'day-of-week', 1, 7, DAYS),
    years: year === '*' ? '*' : parseField(year, 'year', 1970, 2199),
  };
}

/** True when the expression fires in the minute that contains `at`, read in `timeZone`. */
export function cronMatches(cron: CronExpression, at: Date, timeZone: string): boolean {
  const t = wallClockAt(at.getTime(), timeZone);
  return (
    cron.minutes.has(t.minute) &&
    cron.hours.has(t.hour) &&
    cron.months.has(t.month) &&
    (cron.daysOfMonth === '?' || cron.daysOfMonth.has(t.day)) &&
    (cron.daysOfWeek === '?' || cron.daysOfWeek.has(t.weekday)) &&
    (cron.years === '*' || cron.years.has(t.year))
  );
}

/** The first minute strictly after `after` at which the expression fires (searches two years). */
export function nextCronFire(cron: CronExpression, after: Date, timeZone: string): Date | undefined {
  const start = Math.floor(after.getTime() / 60_000) * 60_000 + 60_000;
  for (let t = start, end = start + 2 * 366 * 24 * 60 * 60_000; t < end; t += 60_000) {
    const at = new Date(t);
    if (cronMatches(cron, at, timeZone)) return at;
  }
  return undefined;
}
