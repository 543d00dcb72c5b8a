import { describe, expect, it } from 'vitest';
import { classifyHttpStatus, ErrorKind, parseRetryAfter } from '../../shared/errors';

describe('default HTTP classification', () => {
  it.each([
    [429, ErrorKind.RateLimited],
    [500, ErrorKind.Retryable],
    [503, ErrorKind.Retryable],
    [408, ErrorKind.Retryable],
    [401, ErrorKind.AuthExpired],
    [400, ErrorKind.Permanent],
    [404, ErrorKind.Permanent],
  ])('%i → %s', (status, kind) => {
    expect(classifyHttpStatus(status)).toBe(kind);
  });

  it.each([
    ['120', 120_000],
    ['1.5', 1_500],
    ['Sun, 22 Nov 2026 00:01:00 GMT', 60_000],
    ['soon', undefined],
    [null, undefined],
  ])('reads Retry-After %s', (value, ms) => {
    expect(parseRetryAfter(value, new Date('2026-11-22T00:00:00Z'))).toBe(ms);
  });
});
