import { describe, expect, it } from 'vitest';
import { classifyMarketoResponse } from '../../shared/connectors/marketo';
import { ErrorKind } from '../../shared/errors';

const operation = 'POST /rest/v1/leads.json';
const now = new Date('2024-06-15T18:00:00Z');

function envelope(code: string, message = `error ${code}`): string {
  return JSON.stringify({ requestId: 'r#1', success: false, errors: [{ code, message }] });
}

function classify(status: number, text: string, headers?: Headers) {
  return classifyMarketoResponse({ status, text, ...(headers ? { headers } : {}) }, { operation, now });
}

function errorOf(status: number, text: string, headers?: Headers) {
  const verdict = classify(status, text, headers);
  if (verdict.ok) throw new Error('expected an error verdict');
  return verdict.error;
}

describe('classifyMarketoResponse', () => {
  it('passes a success envelope through', () => {
    const verdict = classify(200, JSON.stringify({ requestId: 'r', success: true, result: [{ id: 1, status: 'created' }] }));
    expect(verdict.ok).toBe(true);
    if (verdict.ok) expect(verdict.envelope.result).toEqual([{ id: 1, status: 'created' }]);
  });

  it.each([
    ['601', ErrorKind.AuthExpired],
    ['602', ErrorKind.AuthExpired],
    ['603', ErrorKind.Misconfigured],
    ['604', ErrorKind.Retryable],
    ['605', ErrorKind.Permanent],
    ['606', ErrorKind.RateLimited],
    ['607', ErrorKind.QuotaExhausted],
    ['608', ErrorKind.Retryable],
    ['609', ErrorKind.Permanent],
    ['610', ErrorKind.Permanent],
    ['611', ErrorKind.Retryable],
    ['612', ErrorKind.Permanent],
    ['614', ErrorKind.Misconfigured],
    ['615', ErrorKind.RateLimited],
    ['701', ErrorKind.Permanent],
    ['713', ErrorKind.Retryable],
    ['1003', ErrorKind.Permanent],
    ['9999', ErrorKind.Permanent],
  ])('classifies response-level code %s as %s', (code, kind) => {
    const error = errorOf(200, envelope(code));
    expect(error.kind).toBe(kind);
    expect(error.code).toBe(code);
    expect(error.system).toBe('marketo');
    expect(error.message).toContain(operation);
  });

  it('accepts numeric codes as well as quoted ones', () => {
    const error = errorOf(200, JSON.stringify({ success: false, errors: [{ code: 606, message: 'Max rate limit' }] }));
    expect(error.kind).toBe(ErrorKind.RateLimited);
    expect(error.code).toBe('606');
  });

  it('gives 606 a wait of one rate window and 615 a short one', () => {
    expect(errorOf(200, envelope('606')).retryAfterMs).toBe(20_000);
    const concurrency = errorOf(200, envelope('615')).retryAfterMs ?? 0;
    expect(concurrency).toBeGreaterThanOrEqual(1_000);
    expect(concurrency).toBeLessThanOrEqual(2_000);
  });

  it('uses a caller-supplied wait for 606 when given one', () => {
    const verdict = classifyMarketoResponse({ status: 200, text: envelope('606') }, { operation, now, rateLimitedWaitMs: 7_000 });
    expect(verdict.ok ? undefined : verdict.error.retryAfterMs).toBe(7_000);
  });

  it('parks 607 until the next midnight in Chicago', () => {
    const error = errorOf(200, envelope('607', "Max daily quota '50000' reached"));
    expect(error.resetsAt?.toISOString()).toBe('2024-06-16T05:00:00.000Z');
    expect(error.message).toContain('2024-06-16T05:00:00.000Z');
  });

  it('names the permission problem on 603', () => {
    expect(errorOf(200, envelope('603', 'Access denied')).message).toContain(
      'API user lacks permission or IP not allow-listed',
    );
  });

  it.each([
    [500, ErrorKind.Retryable],
    [502, ErrorKind.Retryable],
    [503, ErrorKind.Retryable],
    [429, ErrorKind.RateLimited],
    [404, ErrorKind.Permanent],
    [413, ErrorKind.Permanent],
    [414, ErrorKind.Permanent],
  ])('classifies HTTP %i as %s', (status, kind) => {
    expect(errorOf(status, '<html>gateway</html>').kind).toBe(kind);
  });

  it('names the size limit on 413 and 414', () => {
    expect(errorOf(413, '').message).toMatch(/413.*too large.*1048576 bytes/);
    expect(errorOf(414, '').message).toMatch(/414.*URI too long.*8192 bytes/);
  });

  it('reads Retry-After on HTTP 429 when a gateway sends one', () => {
    expect(errorOf(429, '', new Headers({ 'retry-after': '3' })).retryAfterMs).toBe(3_000);
  });

  it('treats an HTTP 200 that is not a Marketo envelope as retryable', () => {
    expect(errorOf(200, '<html>maintenance</html>').kind).toBe(ErrorKind.Retryable);
    expect(errorOf(200, JSON.stringify({ hello: 'world' })).kind).toBe(ErrorKind.Retryable);
  });

  it('never puts a token or secret into the message', () => {
    const token = 'cdf01657-110d-4155-99a7-f986b2ff13a0:int';
    const verdict = classifyMarketoResponse(
      { status: 200, text: envelope('601', `Access token invalid: ${token} (secret s3cr3t-value)`) },
      { operation, now, redact: [token, 's3cr3t-value'] },
    );
    const message = verdict.ok ? '' : verdict.error.message;
    expect(message).toContain('[redacted]');
    expect(message).not.toContain(token);
    expect(message).not.toContain('s3cr3t-value');
  });
});
