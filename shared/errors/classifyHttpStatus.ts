import { ErrorKind } from './ErrorKind';

/**
 * Default classification of an HTTP status, shared by every boundary: 429 → rate-limited,
 * 5xx (and 408) → retryable, 401 → auth-expired, other 4xx → permanent. Connectors override
 * only where their vendor differs.
 */
export function classifyHttpStatus(status: number): ErrorKind {
  if (status === 429) return ErrorKind.RateLimited;
  if (status === 408 || status >= 500) return ErrorKind.Retryable;
  if (status === 401) return ErrorKind.AuthExpired;
  return ErrorKind.Permanent;
}

/**
 * Reads a `Retry-After` header in either of its forms (delta seconds or an HTTP date) and
 * returns the wait in milliseconds, or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date = new Date()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}
