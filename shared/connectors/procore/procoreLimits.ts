/**
 * Procore's documented limits and the margins ml-connector keeps under them.
 * https://developers.procore.com/documentation/rate-limiting
 */
export const procoreLimits = {
  /** Requests per hour per app and company (DMSA with `Procore-Company-Id`); docs warn it varies. */
  hourlyCalls: 3_600,
  hourlyWindowMs: 3_600_000,
  /** Requests per spike window (the documentation's example: 25 per 10 s). */
  spikeCalls: 25,
  spikeWindowMs: 10_000,
  /** Items per sync action. */
  maxSyncItems: 1_000,
  /** Calls in flight: Procore documents none; this keeps one company's writers polite. */
  inFlight: 4,
  /** Wait after a throttling answer that names no time at all. */
  fallbackWaitMs: 10_000,
  /** Throttled answers (429 / 503) waited out inside one call before the call gives up. */
  throttledAttempts: 3,
  /** An in-flight slot outlives the request timeout by this much before it is presumed dead. */
  leaseMarginMs: 5_000,
} as const;
