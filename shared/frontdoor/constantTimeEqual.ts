import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets in time that depends on neither their contents nor their lengths: both
 * are hashed to 32 bytes first (`timingSafeEqual` alone needs equal lengths, and refusing early
 * on a length difference would tell an attacker the length).
 */
export function constantTimeEqual(given: string | Buffer, expected: string | Buffer): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
