import type { QueryTimestampFormat } from '../config/schema';
import { zoneOffsetMs } from '../time';

/** The date-range parameters of one request, as the operation reads them. */
export interface QueryRange {
  readonly since?: string;
  readonly until?: string;
}

const HOUR_MS = 3_600_000;
// Wider than any daylight-saving shift in use (at most 2 h, historically).
const SEARCH_MS = 3 * HOUR_MS;

/** `YYYY-MM-DDTHH:MM:SS` of the instant `ms` on a clock `offsetMs` ahead of UTC. */
function wallText(ms: number, offsetMs: number): string {
  return new Date(ms + offsetMs).toISOString().slice(0, 19);
}

function written(wall: string, format: Exclude<QueryTimestampFormat, 'iso'>): string {
  if (format === 'local') return wall;
  return `${wall.slice(0, 10)}-${wall.slice(11, 13)}.${wall.slice(14, 16)}.${wall.slice(17, 19)}.000000`;
}

/**
 * The wall-clock hour that a fall-back change near `ms` repeats, when `ms` lies in either of its
 * two passes: `[first, end)` in wall time (e.g. 01:00 .. 02:00 on the first Sunday of November
 * in Chicago). Undefined when no clock change repeats the wall time around `ms`.
 */
function repeatedHourAround(ms: number, timeZone: string): { first: string; end: string } | undefined {
  const before = zoneOffsetMs(ms - SEARCH_MS, timeZone);
  const after = zoneOffsetMs(ms + SEARCH_MS, timeZone);
  if (before <= after) return undefined;
  // The first instant on the later (smaller) offset.
  let lo = ms - SEARCH_MS;
  let hi = ms + SEARCH_MS;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (zoneOffsetMs(mid, timeZone) === after) hi = mid;
    else lo = mid;
  }
  const change = hi - (hi % 1000);
  const shift = before - after;
  if (ms < change - shift || ms >= change + shift) return undefined;
  return { first: wallText(change, after), end: wallText(change, before) };
}

/**
 * Writes the two ends of the half-open range `[from, to)` as an operation compares them with its
 * last-update column. `iso` is the UTC instant. `local` and `peoplesoft` are wall time in the
 * system's `timeZone`, to the second (a DateTime column holds no offset).
 *
 * Wall time is ambiguous in the hour a fall-back change repeats: a row committed in its second
 * pass carries a smaller stamp than one committed late in the first, so a range ending or
 * starting inside that hour would miss rows of the other pass (or come out inverted). A range
 * with an end in either pass is widened to the whole repeated hour; the rows read twice are
 * unchanged and cost no target call.
 */
export function formatQueryRange(from: Date | undefined, to: Date | undefined, format: QueryTimestampFormat, timeZone: string): QueryRange {
  if (format === 'iso') {
    return { ...(from ? { since: from.toISOString() } : {}), ...(to ? { until: to.toISOString() } : {}) };
  }
  let since = from ? wallText(from.getTime(), zoneOffsetMs(from.getTime(), timeZone)) : undefined;
  let until = to ? wallText(to.getTime(), zoneOffsetMs(to.getTime(), timeZone)) : undefined;
  for (const edge of [from, to]) {
    const repeated = edge ? repeatedHourAround(edge.getTime(), timeZone) : undefined;
    if (!repeated) continue;
    if (since !== undefined && repeated.first < since) since = repeated.first;
    if (until !== undefined && repeated.end > until) until = repeated.end;
  }
  return { ...(since ? { since: written(since, format) } : {}), ...(until ? { until: written(until, format) } : {}) };
}
