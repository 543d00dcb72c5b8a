/**
 * Mailchimp Marketing API limits and the client-side margins ml-connector keeps under them.
 * https://mailchimp.com/developer/marketing/docs/fundamentals/#api-limits
 */
export const mailchimpLimits = {
  /** Members per batch subscribe / unsubscribe call (`POST /lists/{list_id}`). */
  maxBatch: 500,
  /** Simultaneous connections per user; the 11th is answered 429 (or a bare 403 / 429). */
  inFlight: 10,
  /** Mailchimp ends a call after 120 s; the client waits a little longer for that answer. */
  serverTimeoutMs: 120_000,
  defaultRequestTimeoutMs: 130_000,
  /** An in-flight slot outlives the request timeout by this much before it is presumed dead. */
  leaseMarginMs: 5_000,
  /** Wait after a 429 / bare 403: Mailchimp sends no Retry-After; a connection frees up within seconds. */
  overloadWaitMs: 2_000,
  /** Most records per page of a members or merge-fields read. */
  pageSize: 1_000,
  /** Most pages one read follows before giving up (a vendor bug must not loop forever). */
  maxPages: 1_000,
} as const;
