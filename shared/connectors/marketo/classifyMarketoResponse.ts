import { ErrorKind, ExternalSystemError, classifyHttpStatus, parseRetryAfter, type ExternalSystemErrorDetails } from '../../errors';
import { marketoLimits } from './marketoLimits';
import { parseMarketoEnvelope, type MarketoEnvelope } from './MarketoEnvelope';
import { nextMidnightInZone } from './nextMidnightInZone';

/** What the classifier needs besides the response. */
export interface MarketoResponseContext {
  /** Method and path, e.g. `POST /rest/v1/leads.json` (never a query string). */
  readonly operation: string;
  readonly now: Date;
  /** Values that must never reach a message (access token, client secret). */
  readonly redact?: readonly string[];
  /** Wait suggested after 606; defaults to one whole rate window. */
  readonly rateLimitedWaitMs?: number;
}

/** The parts of an HTTP response the classifier reads. */
export interface MarketoResponseLike {
  readonly status: number;
  readonly text: string;
  readonly headers?: Headers;
}

/** A usable envelope, or the classified error for the whole call. */
export type MarketoVerdict =
  | { readonly ok: true; readonly envelope: MarketoEnvelope }
  | { readonly ok: false; readonly error: ExternalSystemError };

interface CodeRule {
  readonly kind: ErrorKind;
  readonly hint?: string;
}

/**
 * Response-level codes (HTTP 200, `success:false`) by what the caller should do.
 * https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes
 * Codes not listed (605, 609, 610, 612, 613, 7xx, 1xxx) are request errors: permanent.
 */
const responseCodes: Readonly<Record<string, CodeRule>> = {
  '601': { kind: ErrorKind.AuthExpired, hint: 'access token invalid' },
  '602': { kind: ErrorKind.AuthExpired, hint: 'access token expired' },
  '603': { kind: ErrorKind.Misconfigured, hint: 'API user lacks permission or IP not allow-listed' },
  '604': { kind: ErrorKind.Retryable },
  '606': { kind: ErrorKind.RateLimited },
  '607': { kind: ErrorKind.QuotaExhausted, hint: 'daily API quota used up; it resets at 00:00 America/Chicago' },
  '608': { kind: ErrorKind.Retryable },
  '611': { kind: ErrorKind.Retryable },
  '614': { kind: ErrorKind.Misconfigured, hint: 'invalid subscription: check the Munchkin id or base URL' },
  '615': { kind: ErrorKind.RateLimited },
  '713': { kind: ErrorKind.Retryable },
};

const SYSTEM = 'marketo';

/**
 * The one classifier of the Marketo boundary: maps an HTTP status and Marketo's envelope to a
 * usable envelope or an `ExternalSystemError` whose kind says what to do next. 601/602 come back
 * as auth-expired (the connector refreshes its token and retries once); 606/615 as rate-limited
 * with a wait (Marketo sends no `Retry-After`); 607 as quota-exhausted until the next midnight in
 * Chicago; 604/608/611/713, 5xx and unreadable bodies as retryable; 603 and 614 as misconfigured;
 * everything else as permanent.
 */
export function classifyMarketoResponse(response: MarketoResponseLike, context: MarketoResponseContext): MarketoVerdict {
  const fail = (message: string, details: Omit<ExternalSystemErrorDetails, 'system' | 'operation'>): MarketoVerdict => ({
    ok: false,
    error: new ExternalSystemError(redact(message, context.redact), { system: SYSTEM, operation: context.operation, ...details }),
  });
  const { status } = response;

  if (status === 413) {
    return fail(`HTTP 413: request body too large (Marketo accepts at most ${marketoLimits.maxBodyBytes} bytes per call)`, {
      kind: ErrorKind.Permanent,
      status,
      hint: 'send fewer or smaller records per call',
    });
  }
  if (status === 414) {
    return fail(`HTTP 414: request URI too long (Marketo accepts at most ${marketoLimits.maxUriBytes} bytes)`, {
      kind: ErrorKind.Permanent,
      status,
    });
  }
  if (status < 200 || status >= 300) {
    const kind = classifyHttpStatus(status);
    const retryAfterMs =
      kind === ErrorKind.RateLimited
        ? (parseRetryAfter(response.headers?.get('retry-after'), context.now) ?? context.rateLimitedWaitMs ?? marketoLimits.rateLimitedWaitMs)
        : undefined;
    return fail(`HTTP ${status}`, { kind, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }

  const envelope = parseMarketoEnvelope(response.text);
  if (!envelope) {
    return fail(`HTTP ${status} with a body that is not a Marketo response`, { kind: ErrorKind.Retryable, status });
  }
  if (envelope.success) return { ok: true, envelope };

  const first = envelope.errors[0];
  const code = first?.code;
  const vendorText = envelope.errors.map((error) => `${error.message || 'no message'} (${error.code ?? 'no code'})`).join('; ');
  const message = vendorText === '' ? 'success:false without an error code' : vendorText;
  const rule: CodeRule = (code === undefined ? undefined : responseCodes[code]) ?? { kind: ErrorKind.Permanent };
  const base = { kind: rule.kind, status, ...(code === undefined ? {} : { code }), ...(rule.hint ? { hint: rule.hint } : {}) };

  if (code === '606') {
    return fail(message, { ...base, retryAfterMs: context.rateLimitedWaitMs ?? marketoLimits.rateLimitedWaitMs });
  }
  if (code === '615') {
    return fail(message, { ...base, retryAfterMs: marketoLimits.concurrencyLimitedWaitMs });
  }
  if (code === '607') {
    const resetsAt = nextMidnightInZone(marketoLimits.quotaTimeZone, context.now);
    return fail(message, { ...base, resetsAt, hint: `daily API quota used up; it resets at ${resetsAt.toISOString()} (00:00 America/Chicago)` });
  }
  return fail(message, base);
}

function redact(text: string, secrets: readonly string[] | undefined): string {
  let out = text;
  for (const secret of secrets ?? []) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}
