import { CredentialsRefusedError, ErrorKind, ExternalSystemError, classifyHttpStatus, parseRetryAfter } from '../../errors';
import { zendeskLimits } from './zendeskLimits';

/** What the classifier needs besides the response. */
export interface ZendeskResponseContext {
  /** Method and path, e.g. `POST /api/v2/users/create_or_update_many` (never a query string). */
  readonly operation: string;
  readonly now: Date;
  /** Name of the secret holding the API token (named when Zendesk refuses it; never its value). */
  readonly secretName: string;
}

/** The parts of an HTTP response the classifier reads. */
export interface ZendeskResponseLike {
  readonly status: number;
  readonly text: string;
  readonly headers?: Headers;
}

/** A parsed JSON body, or the classified error for the whole call. */
export type ZendeskVerdict =
  | { readonly ok: true; readonly body: Record<string, unknown> }
  | { readonly ok: false; readonly error: ExternalSystemError };

const SYSTEM = 'zendesk';

/** Zendesk's `{"error": ..., "description": ...}` (or `message` / `details`) as one line. */
function vendorText(text: string): { code?: string; message: string } {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const code = typeof body['error'] === 'string' ? body['error'] : typeof (body['error'] as { title?: unknown })?.title === 'string' ? String((body['error'] as { title: string }).title) : undefined;
    const said = [body['description'], body['message']].find((value) => typeof value === 'string') as string | undefined;
    const details = body['details'] === undefined ? '' : ` ${JSON.stringify(body['details']).slice(0, 300)}`;
    return { ...(code ? { code } : {}), message: `${[code, said].filter(Boolean).join(': ') || 'no error text'}${details}` };
  } catch {
    return { message: text.trim().slice(0, 200) || 'empty body' };
  }
}

/**
 * The one classifier of the Zendesk boundary
 * (https://developer.zendesk.com/api-reference/introduction/requests/#response-format): 2xx with
 * a JSON object is usable; 401 means the API token was refused (credentials-refused, naming the
 * secret); 403 is misconfigured (the agent lacks permission, token access is off, or bulk imports
 * are disabled); 429 is rate-limited for `Retry-After` seconds (requests per minute, or the
 * 30-queued-jobs limit); 5xx, 408 and unreadable 2xx bodies are retryable; other 4xx permanent.
 */
export function classifyZendeskResponse(response: ZendeskResponseLike, context: ZendeskResponseContext): ZendeskVerdict {
  const { status } = response;
  const base = { system: SYSTEM, operation: context.operation, status };
  if (status >= 200 && status < 300) {
    try {
      const body = JSON.parse(response.text) as unknown;
      if (body !== null && typeof body === 'object' && !Array.isArray(body)) return { ok: true, body: body as Record<string, unknown> };
    } catch {
      // fall through: not JSON
    }
    return { ok: false, error: new ExternalSystemError(`HTTP ${status} with a body that is not a Zendesk JSON object`, { ...base, kind: ErrorKind.Retryable }) };
  }
  const said = vendorText(response.text);
  const message = `HTTP ${status}: ${said.message}`;
  const code = said.code ? { code: said.code } : {};
  if (status === 401) {
    return {
      ok: false,
      error: new CredentialsRefusedError(message, {
        ...base,
        ...code,
        secretName: context.secretName,
        hint: `Zendesk refused the e-mail / API token in secret ${context.secretName} (Admin Center → Apps and integrations → Zendesk API)`,
      }),
    };
  }
  if (status === 403) {
    return {
      ok: false,
      error: new ExternalSystemError(message, {
        ...base,
        ...code,
        kind: ErrorKind.Misconfigured,
        hint: 'the agent of the API token lacks permission, token access is disabled, or the endpoint is not enabled for the account',
      }),
    };
  }
  const kind = classifyHttpStatus(status);
  if (kind === ErrorKind.RateLimited) {
    const retryAfterMs = parseRetryAfter(response.headers?.get('retry-after'), context.now) ?? zendeskLimits.rateLimitedWaitMs;
    return { ok: false, error: new ExternalSystemError(message, { ...base, ...code, kind, retryAfterMs }) };
  }
  return { ok: false, error: new ExternalSystemError(message, { ...base, ...code, kind: kind === ErrorKind.AuthExpired ? ErrorKind.Permanent : kind }) };
}
