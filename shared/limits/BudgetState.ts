/** A call in flight: when it counts as arrived, and when its lease lapses if nobody releases it. */
export interface BudgetLease {
  /** The time this call holds in the window log (ms). */
  readonly at: number;
  /** After this (ms) the lease no longer counts as in flight: its holder is presumed dead. */
  readonly expires: number;
}

/**
 * What a shared call budget remembers. The same shape lives in process memory (local runs) and
 * in one DynamoDB item (deployed); every change goes through `budgetRules` and bumps `version`.
 */
export interface BudgetState {
  /** Bumped by every change; the DynamoDB store writes only over the version it read. */
  readonly version: number;
  /** Log of calls (ms, ascending): when each reached the target, or the latest it may have. */
  readonly calls: readonly number[];
  /** Calls in flight by lease id. */
  readonly leases: Readonly<Record<string, BudgetLease>>;
  /** No call starts before this (ms): the target said to slow down. */
  readonly pausedUntil: number;
  /** What the target last reported as left (response headers), valid until `until` (ms). */
  readonly reported?: { readonly remaining: number; readonly until: number };
  /** Calls counted against the daily quota on `day` (a date in the quota's time zone). */
  readonly quota?: { readonly day: string; readonly used: number };
}

export const emptyBudget: BudgetState = { version: 0, calls: [], leases: {}, pausedUntil: 0 };
