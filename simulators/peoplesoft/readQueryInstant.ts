import { wallTimeAsUtc, zoneOffsetMs } from '../../shared/time';

/** Which forms of the date-range parameters the simulated operation's handler reads. */
export type QueryFormat = 'iso' | 'local' | 'peoplesoft' | 'any';

/**
 * A date-range parameter as read: an instant (ISO-8601 with an offset, or a date), or a wall
 * time in the database time zone, written `YYYY-MM-DDTHH:MM:SS.mmm` so that walls compare as text.
 */
export type QueryBound = { readonly instant: number } | { readonly wall: string };

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;
const PEOPLESOFT = /^(\d{4})-(\d{2})-(\d{2})-(\d{2})\.(\d{2})\.(\d{2})\.(\d{6})$/;

function wallOf(match: RegExpExecArray): string | undefined {
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = wallTimeAsUtc({ year, month, day, hour, minute, second, millisecond: 0 });
  const text = new Date(ms).toISOString().slice(0, 23);
  // Rolled over (February 30, hour 24): not a wall time.
  return text.slice(0, 19) === `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}` ? text : undefined;
}

/**
 * Reads one date-range parameter in the forms `format` allows: `iso` (an instant with `Z` or an
 * offset), `local` (`YYYY-MM-DDTHH:MM:SS`, wall time), `peoplesoft` (`YYYY-MM-DD-HH.MM.SS.ffffff`,
 * wall time), or `any` of them (and a plain date, read as UTC midnight). Undefined when it is
 * none of them.
 */
export function readQueryBound(raw: string, format: QueryFormat): QueryBound | undefined {
  if (format === 'iso' || format === 'any') {
    if ((format === 'iso' ? ISO_INSTANT : ISO).test(raw)) {
      const instant = Date.parse(raw);
      if (!Number.isNaN(instant)) return { instant };
    }
  }
  if (format === 'local' || format === 'any') {
    const match = LOCAL.exec(raw);
    const wall = match ? wallOf(match) : undefined;
    if (wall) return { wall };
  }
  if (format === 'peoplesoft' || format === 'any') {
    const match = PEOPLESOFT.exec(raw);
    const wall = match ? wallOf(match) : undefined;
    if (wall) return { wall: `${wall.slice(0, 20)}${match![7]!.slice(0, 3)}` };
  }
  return undefined;
}

/** The wall time of an instant in `timeZone`, `YYYY-MM-DDTHH:MM:SS.mmm`. */
export function wallAt(ms: number, timeZone: string): string {
  return new Date(ms + zoneOffsetMs(ms, timeZone)).toISOString().slice(0, 23);
}

/**
 * Every instant whose wall time in `timeZone` is `wall`, ascending: one, two in the hour a
 * fall-back change repeats, none in the hour a spring-forward change skips.
 */
export function instantsOfWall(wall: string, timeZone: string): number[] {
  const asUtc = Date.parse(`${wall}Z`);
  const offsets = new Set([-86_400_000, 0, 86_400_000].map((delta) => zoneOffsetMs(asUtc + delta, timeZone)));
  return [...offsets]
    .map((offset) => asUtc - offset)
    .filter((instant) => wallAt(instant, timeZone) === wall)
    .sort((a, b) => a - b);
}
