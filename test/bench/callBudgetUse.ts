/** What a run made of a target's call budget, read from the target's own log of arrivals. */
export interface CallBudgetUse {
  /** Median calls over every 20-s window that starts after the first window (ramp-up) and ends by the last call. */
  readonly sustained: number;
  /** The most calls any 20-s window held. */
  readonly busiest: number;
  /** How many steady-state windows the median is taken over. */
  readonly windows: number;
}

/**
 * Calls per rolling window from arrival times (ms): windows slide by one second, the first
 * window of the run (the ramp-up: poller starting, first batches filling) is left out.
 */
export function callBudgetUse(arrivals: readonly number[], windowMs = 20_000, stepMs = 1_000): CallBudgetUse {
  const sorted = [...arrivals].sort((a, b) => a - b);
  if (sorted.length === 0) return { sustained: 0, busiest: 0, windows: 0 };
  const first = sorted[0]!;
  const last = sorted.at(-1)!;
  const count = (from: number): number => sorted.filter((at) => at >= from && at < from + windowMs).length;
  const counts: number[] = [];
  for (let from = first + windowMs; from + windowMs <= last; from += stepMs) counts.push(count(from));
  let busiest = 0;
  for (let from = first; from <= last; from += stepMs) busiest = Math.max(busiest, count(from));
  if (counts.length === 0) return { sustained: count(first), busiest, windows: 0 };
  const ordered = [...counts].sort((a, b) => a - b);
  return { sustained: ordered[Math.floor(ordered.length / 2)]!, busiest, windows: counts.length };
}
