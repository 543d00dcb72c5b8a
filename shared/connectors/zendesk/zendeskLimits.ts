/**
 * Zendesk Support's documented limits and the client-side margins ml-connector keeps under them.
 * https://developer.zendesk.com/api-reference/introduction/rate-limits/
 */
export const zendeskLimits = {
  /** Requests per minute per account are counted over this window; the plan sets how many. */
  rateWindowMs: 60_000,
  /** The highest plan limit (Enterprise Plus or the High Volume API add-on). */
  maxRequestsPerMinute: 2_500,
  /** The lowest current plan limit (Team). */
  minRequestsPerMinute: 200,
  /** Items per bulk request (`create_or_update_many`, `create_many`, `update_many`) and per `show_many`. */
  maxBatch: 100,
  /** Background jobs queued or running per account; one more is refused. */
  maxQueuedJobs: 30,
  /**
   * Calls in flight, and so writers per flow: Zendesk documents no limit on connections. A writer
   * holds one job while it follows it, so one writer per queued-job slot keeps the slots busy.
   */
  inFlight: 30,
  /** Share of the plan's requests per minute left to the account's other clients (agents' apps, other integrations). */
  reservedShare: 0.02,
  /** At least this many requests a minute are left to them. */
  minReserved: 2,
  /** Above this share of the minute's requests left, jobs are looked at every `jobPollMs`. */
  pollFreelyAbove: 0.5,
  /** Below it, looks at jobs take at most this share of the plan's requests per minute. */
  pollShare: 0.05,
  /** Wait after a 429 without a readable `Retry-After`. */
  rateLimitedWaitMs: 10_000,
  /** An in-flight slot outlives the request timeout by this much before it is presumed dead. */
  leaseMarginMs: 5_000,
} as const;
