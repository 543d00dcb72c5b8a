/**
 * Marketo's documented limits and the client-side margins ml-connector keeps under them.
 * Source: https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/rest-api
 */
export const marketoLimits = {
  /** 100 calls per rolling 20 s per instance (error 606); `pacing.callsPer20s` may lower the count. */
  rateWindowMs: 20_000,
  /** An in-flight slot outlives the request timeout by this much before it is presumed dead. */
  leaseMarginMs: 5_000,
  /** Records per sync / delete call, values per `filterValues`, records per page. */
  maxBatch: 300,
  /** Request body limit (HTTP 413). */
  maxBodyBytes: 1_048_576,
  /** URI limit (HTTP 414); longer reads are sent as `POST ...?_method=GET`. */
  maxUriBytes: 8_192,
  /** Wait after 606 when nothing better is known: one whole rate window. */
  rateLimitedWaitMs: 20_000,
  /** Wait after 615 (too many calls in flight): a call usually finishes within a second or two. */
  concurrencyLimitedWaitMs: 1_500,
  /** The daily quota (607) resets at midnight in this zone. */
  quotaTimeZone: 'America/Chicago',
  /** Refresh the access token this long before Marketo says it expires. */
  tokenRefreshMarginMs: 60_000,
  /** Most pages one read follows before giving up (300 keys rarely need more than two). */
  maxPages: 50,
} as const;
