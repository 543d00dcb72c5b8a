/**
 * Abbreviations and legacy names people write for a zone, mapped to the IANA zone they almost
 * always mean. Several are valid but wrong: `EST` is a fixed UTC-5 offset (no daylight saving),
 * `MST` never changes, `US/Central` is a deprecated link.
 */
const aliases: Readonly<Record<string, string>> = {
  est: 'America/New_York',
  edt: 'America/New_York',
  est5edt: 'America/New_York',
  eastern: 'America/New_York',
  cst: 'America/Chicago',
  cdt: 'America/Chicago',
  cst6cdt: 'America/Chicago',
  central: 'America/Chicago',
  mst: 'America/Denver',
  mdt: 'America/Denver',
  mst7mdt: 'America/Denver',
  mountain: 'America/Denver',
  pst: 'America/Los_Angeles',
  pdt: 'America/Los_Angeles',
  pst8pdt: 'America/Los_Angeles',
  pacific: 'America/Los_Angeles',
  akst: 'America/Anchorage',
  hst: 'Pacific/Honolulu',
  gmt: 'UTC',
  uct: 'UTC',
  zulu: 'UTC',
  universal: 'UTC',
  'etc/utc': 'UTC',
  'etc/gmt': 'UTC',
  cet: 'Europe/Paris',
  met: 'Europe/Paris',
  eet: 'Europe/Athens',
  wet: 'Europe/Lisbon',
  bst: 'Europe/London',
  ist: 'Asia/Kolkata',
  jst: 'Asia/Tokyo',
  aest: 'Australia/Sydney',
};

/** tzdata zones named like abbreviations that never observe daylight saving. */
const FIXED_OFFSETS: ReadonlySet<string> = new Set(['EST', 'MST', 'HST']);

/** IANA's geographic areas; a canonical zone is `Area/Location` in one of them, or `UTC`. */
const CANONICAL = /^(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)(\/[A-Z][A-Za-z0-9_+-]*)+$/;

let supported: ReadonlySet<string> | undefined;
function supportedZones(): ReadonlySet<string> {
  supported ??= new Set(['UTC', ...Intl.supportedValuesOf('timeZone')]);
  return supported;
}

/** The zone this runtime's ICU resolves a name to, or undefined when it does not know the name. */
function resolved(zone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The canonical zone a user most likely meant by `zone`, if one is close enough to suggest. */
function nearest(zone: string): string | undefined {
  const lower = zone.toLowerCase();
  const alias = aliases[lower] ?? aliases[lower.replace(/^us\//, '')];
  if (alias) return alias;
  const zones = [...supportedZones()];
  const sameLetters = zones.find((candidate) => candidate.toLowerCase() === lower);
  if (sameLetters) return sameLetters;
  const known = resolved(zone);
  if (known && supportedZones().has(known)) return known;
  let best: { zone: string; distance: number } | undefined;
  for (const candidate of zones) {
    const d = distance(lower, candidate.toLowerCase());
    if (!best || d < best.distance) best = { zone: candidate, distance: d };
  }
  return best && best.distance <= Math.max(2, Math.floor(zone.length / 5)) ? best.zone : undefined;
}

/**
 * Why `zone` is not accepted as a time zone, with the nearest canonical name, or undefined when
 * it is a canonical IANA name (`America/Chicago`, `UTC`). Abbreviations (`EST`), deprecated links
 * (`US/Central`) and names in the wrong case are refused even though ICU would accept them: they
 * go verbatim into the deployed schedule, and `EST` silently means "no daylight saving".
 */
export function timeZoneProblem(zone: string): string | undefined {
  // A canonical name this ICU knows, or a newer IANA spelling of one (Asia/Kolkata for Asia/Calcutta).
  if (supportedZones().has(zone) || (CANONICAL.test(zone) && resolved(zone) !== undefined)) return undefined;
  const suggestion = nearest(zone);
  const why = FIXED_OFFSETS.has(zone.toUpperCase())
    ? `"${zone}" is a fixed offset without daylight saving, not a place's local time`
    : `"${zone}" is not a canonical IANA time zone name`;
  return suggestion ? `${why}; use "${suggestion}"` : `${why}; use a name such as America/Chicago or UTC`;
}
