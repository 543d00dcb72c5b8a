const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

function wallClock(timeZone: string, at: number): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(at))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts['year'] ?? 0,
    month: parts['month'] ?? 1,
    day: parts['day'] ?? 1,
    hour: parts['hour'] ?? 0,
    minute: parts['minute'] ?? 0,
    second: parts['second'] ?? 0,
  };
}

/** Local time minus UTC at the instant `at`, in milliseconds (Chicago: -6 h in winter, -5 h in summer). */
function offsetMs(timeZone: string, at: number): number {
  const wall = wallClock(timeZone, at);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - (at - (((at % 1000) + 1000) % 1000));
}

/**
 * The first local midnight in `timeZone` strictly after `now`, daylight saving included (a day can
 * be 23 or 25 hours long). Marketo resets its daily quota at 00:00 America/Chicago.
 */
export function nextMidnightInZone(timeZone: string, now: Date): Date {
  const today = wallClock(timeZone, now.getTime());
  // Midnight of the next local day, read as if it were UTC, then shifted by the zone's offset at
  // that instant. The offset is looked up twice because the first guess can sit across a change.
  const target = Date.UTC(today.year, today.month - 1, today.day + 1);
  const first = target - offsetMs(timeZone, target);
  return new Date(target - offsetMs(timeZone, first));
}
