/** How a table's seeded rows are derived from their index. */
export interface SeededTableSpec {
  readonly count: number;
  /** Seeded last-update times are spread evenly over [periodStartMs, periodEndMs), ascending. */
  readonly periodStartMs: number;
  readonly periodEndMs: number;
  /** Key of the seeded row at `index`; must ascend with the index (see `compareKeys`). */
  readonly keyAt: (index: number) => string;
  /** Index of the seeded row with `key`, or undefined when no seeded row has it. */
  readonly indexOf: (key: string) => number | undefined;
  readonly generate: (index: number, lastUpdatedMs: number) => Record<string, unknown>;
}

/** A stored row and the instant that orders it. */
export interface TableRow {
  readonly row: Record<string, unknown>;
  readonly updatedMs: number;
}

export interface TablePage {
  readonly rows: TableRow[];
  /** Rows in the whole range, not only this page. */
  readonly total: number;
}

interface OverlayEntry {
  readonly key: string;
  readonly updatedMs: number;
  readonly row: Record<string, unknown>;
}

/** Orders keys; all-digit keys of different lengths compare as numbers. */
export function compareKeys(a: string, b: string): number {
  if (a.length !== b.length && /^\d+$/.test(a) && /^\d+$/.test(b)) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** First position in [lo, hi) where `isAtOrAfter` holds (it must be monotonic), else hi. */
function lowerBound(lo: number, hi: number, isAtOrAfter: (position: number) => boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (isAtOrAfter(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * A table of seeded rows that are never materialized: row `i` is generated from its index on
 * demand, and its last-update time is an arithmetic function of `i`, ascending, so a date range
 * maps to an index range by binary search over that function. Changed and added rows live in a
 * small overlay sorted by (last update, key); a changed seeded row is hidden from the seeded
 * range. Memory grows with the number of changes, never with `count`.
 */
export class SeededTable {
  private readonly overlay: OverlayEntry[] = [];
  private readonly overlayByKey = new Map<string, OverlayEntry>();
  /** Seeded indexes superseded by the overlay, ascending. */
  private readonly hidden: number[] = [];
  private readonly hiddenSet = new Set<number>();
  private readonly spanSeconds: number;

  public constructor(private readonly spec: SeededTableSpec) {
    this.spanSeconds = Math.floor((spec.periodEndMs - spec.periodStartMs) / 1000);
  }

  /** Last-update time of the seeded row at `index`. */
  public seededTime(index: number): number {
    return this.spec.periodStartMs + Math.floor((index * this.spanSeconds) / this.spec.count) * 1000;
  }

  public get(key: string): TableRow | undefined {
    const changed = this.overlayByKey.get(key);
    if (changed) return { row: changed.row, updatedMs: changed.updatedMs };
    const index = this.seededIndex(key);
    if (index === undefined) return undefined;
    const updatedMs = this.seededTime(index);
    return { row: this.spec.generate(index, updatedMs), updatedMs };
  }

  /** Stores a changed (or new) row, which from now on sorts at `updatedMs`. */
  public put(key: string, row: Record<string, unknown>, updatedMs: number): void {
    const previous = this.overlayByKey.get(key);
    if (previous) {
      this.overlay.splice(this.overlayPosition(previous.updatedMs, previous.key), 1);
    } else {
      const index = this.seededIndex(key);
      if (index !== undefined && !this.hiddenSet.has(index)) {
        this.hiddenSet.add(index);
        this.hidden.splice(lowerBound(0, this.hidden.length, (p) => this.hidden[p]! >= index), 0, index);
      }
    }
    const entry: OverlayEntry = { key, updatedMs, row };
    this.overlay.splice(this.overlayPosition(updatedMs, key), 0, entry);
    this.overlayByKey.set(key, entry);
  }

  /** Keys of every row: seeded ones in index order, then added ones, at most `limit`. */
  public keys(limit = Number.POSITIVE_INFINITY): string[] {
    const keys: string[] = [];
    for (let index = 0; index < this.spec.count && keys.length < limit; index += 1) keys.push(this.spec.keyAt(index));
    const added = [...this.overlayByKey.keys()].filter((key) => this.seededIndex(key) === undefined);
    for (const key of added.sort(compareKeys)) {
      if (keys.length >= limit) break;
      keys.push(key);
    }
    return keys;
  }

  /**
   * Rows with sinceMs <= last update < beforeMs, sorted by (last update, key), skipping
   * `offset` and returning at most `limit`, plus the size of the whole range.
   */
  public query(sinceMs: number, beforeMs: number, offset: number, limit: number): TablePage {
    if (!(beforeMs > sinceMs)) return { rows: [], total: 0 };
    const lo = this.firstSeededAtOrAfter(sinceMs);
    const hi = this.firstSeededAtOrAfter(beforeMs);
    const hLo = lowerBound(0, this.hidden.length, (p) => this.hidden[p]! >= lo);
    const hHi = lowerBound(0, this.hidden.length, (p) => this.hidden[p]! >= hi);
    const oLo = lowerBound(0, this.overlay.length, (p) => this.overlay[p]!.updatedMs >= sinceMs);
    const oHi = lowerBound(0, this.overlay.length, (p) => this.overlay[p]!.updatedMs >= beforeMs);
    const total = hi - lo - (hHi - hLo) + (oHi - oLo);
    if (offset >= total || limit <= 0) return { rows: [], total };

    // Position the two cursors at merged position `offset` without walking the rows before it.
    let o = oLo;
    while (o < oHi && this.visibleSeededBefore(this.overlay[o]!, lo, hi, hLo) + (o - oLo) < offset) o += 1;
    let s = lo + (offset - (o - oLo));
    for (let p = hLo; p < hHi && this.hidden[p]! <= s; p += 1) s += 1;

    const rows: TableRow[] = [];
    while (rows.length < limit) {
      while (s < hi && this.hiddenSet.has(s)) s += 1;
      const seededLeft = s < hi;
      const overlayLeft = o < oHi;
      if (!seededLeft && !overlayLeft) break;
      const entry = overlayLeft ? this.overlay[o]! : undefined;
      const takeSeeded =
        seededLeft && (entry === undefined || this.compareSeeded(s, entry.updatedMs, entry.key) < 0);
      if (takeSeeded) {
        const updatedMs = this.seededTime(s);
        rows.push({ row: this.spec.generate(s, updatedMs), updatedMs });
        s += 1;
      } else {
        rows.push({ row: entry!.row, updatedMs: entry!.updatedMs });
        o += 1;
      }
    }
    return { rows, total };
  }

  private seededIndex(key: string): number | undefined {
    const index = this.spec.indexOf(key);
    return index !== undefined && index >= 0 && index < this.spec.count ? index : undefined;
  }

  private firstSeededAtOrAfter(ms: number): number {
    return lowerBound(0, this.spec.count, (index) => this.seededTime(index) >= ms);
  }

  private compareSeeded(index: number, updatedMs: number, key: string): number {
    return this.seededTime(index) - updatedMs || compareKeys(this.spec.keyAt(index), key);
  }

  /** How many visible seeded rows of [lo, hi) sort before `entry`. */
  private visibleSeededBefore(entry: OverlayEntry, lo: number, hi: number, hLo: number): number {
    const position = lowerBound(lo, hi, (index) => this.compareSeeded(index, entry.updatedMs, entry.key) >= 0);
    const hiddenBefore = lowerBound(hLo, this.hidden.length, (p) => this.hidden[p]! >= position) - hLo;
    return position - lo - hiddenBefore;
  }

  private overlayPosition(updatedMs: number, key: string): number {
    return lowerBound(0, this.overlay.length, (p) => {
      const entry = this.overlay[p]!;
      return (entry.updatedMs - updatedMs || compareKeys(entry.key, key)) >= 0;
    });
  }
}
