import { ErrorKind, ExternalSystemError, classifyHttpStatus } from '../../errors';

/** The parts of an answer the classifier reads. */
export interface ZohoResponseLike {
  readonly status: number;
  readonly text: string;
}

/** A usable body (undefined for 204 / 304), or the classified error of the whole call. */
export type ZohoVerdict =
  | { readonly ok: true; readonly body: Record<string, unknown> | undefined }
  | { readonly ok: false; readonly error: ExternalSystemError };

export interface ZohoResponseContext {
  readonly operation: string;
  readonly now: Date;
  /** When Zoho's credit pool is empty, when to look again. */
  readonly creditsProbeMs: number;
}

/** Wait after 429 TOO_MANY_REQUESTS: a call in flight usually ends within a second or two. */
const CONCURRENCY_WAIT_MS = 1_500;

/**
 * The one classifier of the Zoho API boundary. 2xx, and 400 / 207 bodies that carry per-record
 * results (`data[]`), are usable; 401 INVALID_TOKEN / AUTHENTICATION_FAILURE are auth-expired
 * (one shared refresh, then one retry); 401 OAUTH_SCOPE_MISMATCH and 403 are misconfigured; 429
 * TOO_MANY_REQUESTS (concurrency) is rate-limited; any other 429 means the credit pool is empty:
 * quota-exhausted until the next probe; 5xx and unreadable bodies retryable; the rest permanent.
 * https://www.zoho.com/crm/developer/docs/api/v8/status-codes.html
 */
export function classifyZohoResponse(response: ZohoResponseLike, context: ZohoResponseContext): ZohoVerdict {
  const { status } = response;
  let body: Record<string, unknown> | undefined;
  if (response.text.trim() !== '') {
    try {
      const parsed: unknown = JSON.parse(response.text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      body = undefined;
    }
  }
  const code = typeof body?.['code'] === 'string' ? body['code'] : undefined;
  const vendorMessage = typeof body?.['message'] === 'string' ? body['message'] : undefined;
  const fail = (kind: ErrorKind, extra: { retryAfterMs?: number; resetsAt?: Date; hint?: string } = {}): ZohoVerdict => ({
    ok: false,
    error: new ExternalSystemError(`HTTP ${status}${code ? ` ${code}` : ''}${vendorMessage ? `: ${vendorMessage}` : ''}`, {
      system: 'zoho',
      operation: context.operation,
      kind,
      status,
      ...(code ? { code } : {}),
      ...extra,
    }),
  });

  if (status === 204 || status === 304) return { ok: true, body: undefined };
  if (status >= 200 && status < 300) {
    return body ? { ok: true, body } : fail(ErrorKind.Retryable, { hint: 'the answer is not a Zoho JSON body' });
  }
  // A write whose records all failed answers 400 with the per-record results.
  if (status === 400 && Array.isArray(body?.['data'])) return { ok: true, body };
  if (status === 401) {
    if (code === 'OAUTH_SCOPE_MISMATCH') {
      return fail(ErrorKind.Misconfigured, { hint: 'the refresh token lacks a scope: ZohoCRM.modules.ALL, ZohoCRM.settings.ALL, ZohoCRM.notifications.ALL' });
    }
    return fail(ErrorKind.AuthExpired);
  }
  if (status === 403) return fail(ErrorKind.Misconfigured, { hint: 'the Zoho user behind the refresh token lacks permission on this module' });
  if (status === 429) {
    if (code === 'TOO_MANY_REQUESTS') return fail(ErrorKind.RateLimited, { retryAfterMs: CONCURRENCY_WAIT_MS });
    const resetsAt = new Date(context.now.getTime() + context.creditsProbeMs);
    return fail(ErrorKind.QuotaExhausted, { resetsAt, hint: `the org's API credits are used up; writes wait until ${resetsAt.toISOString()}` });
  }
  if (status >= 500) return fail(ErrorKind.Retryable);
  return fail(classifyHttpStatus(status) === ErrorKind.RateLimited ? ErrorKind.RateLimited : ErrorKind.Permanent);
}
