/** How a simulated Zoho CRM org behaves; every default follows Zoho's documented limits. */
export interface ZohoSimulatorOptions {
  /** The self-client's id, secret and refresh token the accounts server accepts. */
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly refreshToken?: string;
  /** Access-token lifetime (Zoho: 1 hour). */
  readonly tokenLifetimeSeconds?: number;
  /** Access tokens per refresh token per `tokenWindowMs` (Zoho: 10 per 10 minutes). */
  readonly tokensPerWindow?: number;
  readonly tokenWindowMs?: number;
  /** API credits in the rolling 24-hour window (Enterprise with 50 users: 100,000). */
  readonly credits?: number;
  /** Calls in flight per org and app (Enterprise: 20) and heavy calls (upserts of more than 10 records: 10). */
  readonly concurrency?: number;
  readonly heavyConcurrency?: number;
  /** Time each API call takes, so concurrency shows. */
  readonly latencyMs?: number;
  /** Path prefix of the API domain the token answer names (a real one has none; tests check it is kept). */
  readonly apiPrefix?: string;
  readonly now?: () => number;
  /** Used to deliver notifications to a channel's `notify_url`. */
  readonly fetch?: typeof fetch;
}
