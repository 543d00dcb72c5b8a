import { ErrorKind, ExternalSystemError, classifyHttpStatus, parseRetryAfter } from '../../errors';
import { procoreLimits } from './procoreLimits';

/** The parts of an HTTP response the classifier reads. */
export interface ProcoreResponseLike {
  readonly status: number;
  readonly text: string;
  readonly headers: Headers;
}

export interface ProcoreResponseContext {
  /** Method and path, e.g. `PATCH /rest/v1.0/vendors/sync` (never a query string). */
  readonly operation: string;
  readonly now: Date;
}

/** A parsed body (a v1 list is a bare array; 204 has none), or the classified error of the whole call. */
export type ProcoreVerdict =
  | { readonly ok: true; readonly body: unknown }
  | { readonly ok: false; readonly error: ExternalSystemError };

/** Procore's `errors` (a string or field → messages) or `message`, as one line. */
export function procoreErrorText(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const errors = body['errors'] ?? body['error'] ?? body['message'];
    if (typeof errors === 'string') return errors;
    if (errors && typeof errors === 'object') {
      return Object.entries(errors as Record<string, unknown>)
        .map(([field, messages]) => `${field}: ${Array.isArray(messages) ? messages.join(', ') : String(messages)}`)
        .join('; ');
    }
  } catch {
    // not JSON: Procore's 429 body is plain text
  }
  return text.trim().slice(0, 200) || 'no error text';
}

/** Milliseconds until `X-Rate-Limit-Reset` (Unix seconds), when the answer carries it. */
export function untilReset(headers: Headers, now: Date): number | undefined {
  const reset = Number(headers.get('x-rate-limit-reset') ?? Number.NaN);
  if (!Number.isFinite(reset) || reset <= 0) return undefined;
  // At least one second: the header has whole seconds and the window ends within that second.
  return Math.max(1_000, reset * 1000 - now.getTime());
}

/**
 * The one classifier of the Procore API boundary
 * (https://developers.procore.com/documentation/error-reference): 2xx is usable; 401 is
 * auth-expired (one shared new token, then one retry); 403 misconfigured (the app is not
 * installed in the company or lacks a permission); 429 rate-limited for `Retry-After`, or until
 * `X-Rate-Limit-Reset` when it has none (the usual case); 503 with `Retry-After` (platform
 * overload) rate-limited for that long, without it and other 5xx / 408 retryable; other 4xx
 * permanent.
 */
export function classifyProcoreResponse(response: ProcoreResponseLike, context: ProcoreResponseContext): ProcoreVerdict {
  const { status, headers } = response;
  const base = { system: 'procore', operation: context.operation, status };
  if (status >= 200 && status < 300) {
    if (response.text.trim() === '') return { ok: true, body: undefined };
    try {
      return { ok: true, body: JSON.parse(response.text) as unknown };
    } catch {
      return { ok: false, error: new ExternalSystemError(`HTTP ${status} with a body that is not JSON`, { ...base, kind: ErrorKind.Retryable }) };
    }
  }
  const message = `HTTP ${status}: ${procoreErrorText(response.text)}`;
  const fail = (kind: ErrorKind, extra: { retryAfterMs?: number; hint?: string } = {}): ProcoreVerdict => ({
    ok: false,
    error: new ExternalSystemError(message, { ...base, kind, ...extra }),
  });
  const retryAfter = parseRetryAfter(headers.get('retry-after'), context.now);
  if (status === 401) return fail(ErrorKind.AuthExpired);
  if (status === 403) {
    return fail(ErrorKind.Misconfigured, { hint: 'the app is not installed in this company, or its DMSA lacks permission on this tool or project' });
  }
  if (status === 429) return fail(ErrorKind.RateLimited, { retryAfterMs: retryAfter ?? untilReset(headers, context.now) ?? procoreLimits.fallbackWaitMs });
  if (status === 503 && retryAfter !== undefined) return fail(ErrorKind.RateLimited, { retryAfterMs: retryAfter, hint: 'Procore is shedding load' });
  if (status === 400 && /Procore-Company-Id/i.test(response.text)) return fail(ErrorKind.Misconfigured, { hint: 'the company header was not sent' });
  const kind = classifyHttpStatus(status);
  return fail(kind === ErrorKind.Retryable ? kind : ErrorKind.Permanent);
}
