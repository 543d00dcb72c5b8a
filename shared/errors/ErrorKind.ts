/**
 * What the caller should do about a failure. Every error that crosses a boundary (an external
 * system, the queue, the table) carries one of these kinds.
 */
export const ErrorKind = {
  /** Transient (network, 5xx, timeouts): retry the same request later. */
  Retryable: 'retryable',
  /** The system asked us to slow down: wait `retryAfterMs`, then retry. Never fails a record. */
  RateLimited: 'rate-limited',
  /** A daily or monthly quota is used up: park the work until `resetsAt`. */
  QuotaExhausted: 'quota-exhausted',
  /** This record (or request) will never succeed as sent: audit it and dead-letter it. */
  Permanent: 'permanent',
  /** Credentials expired or were revoked: refresh them once, then retry. */
  AuthExpired: 'auth-expired',
  /**
   * The system refused our credentials (wrong client id or secret): a human must fix the named
   * secret. The work waits (nothing is dead-lettered for it) and is tried again after a while.
   */
  CredentialsRefused: 'credentials-refused',
  /** Configuration is wrong: a human must fix something; retrying will not help. */
  Misconfigured: 'misconfigured',
} as const;
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];
