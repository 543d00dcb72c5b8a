import { CredentialsRefusedError, ErrorKind, ExternalSystemError, classifyHttpStatus } from '../../errors';
import { mailchimpLimits } from './mailchimpLimits';

/** What the classifier needs besides the response. */
export interface MailchimpResponseContext {
  /** Method and path, e.g. `POST /3.0/lists/a1b2c3d4e5` (never a query string). */
  readonly operation: string;
  /** Name of the secret holding the API key, for a refused key (never its value). */
  readonly secretName: string;
  /** Values that must never reach a message (the API key). */
  readonly redact?: readonly string[];
}

/** The parts of an HTTP response the classifier reads. */
export interface MailchimpResponseLike {
  readonly status: number;
  readonly text: string;
}

/** A parsed JSON body, or the classified error for the whole call. */
export type MailchimpVerdict =
  | { readonly ok: true; readonly body: Record<string, unknown> }
  | { readonly ok: false; readonly error: ExternalSystemError };

const SYSTEM = 'mailchimp';

/**
 * The one classifier of the Mailchimp boundary. Mailchimp answers errors as problem documents
 * (`application/problem+json`: `title`, `status`, `detail`, `errors[]`), except under overload,
 * when a 429 or 403 may come bare, without a body and without Retry-After.
 * https://mailchimp.com/developer/marketing/docs/errors/
 *
 * - 401: the API key is refused (wrong key, or a key of another data center): credentials-refused,
 *   naming the secret.
 * - 429, and a 403 without a problem document: rate-limited (too many connections), wait and retry.
 * - 403 with a problem document (User Disabled, plan or role): misconfigured.
 * - 404 (audience or route not found): misconfigured.
 * - 5xx and unreadable 2xx bodies (a CDN timeout answers 502 with HTML): retryable.
 * - other 4xx: permanent for the whole call.
 */
export function classifyMailchimpResponse(response: MailchimpResponseLike, context: MailchimpResponseContext): MailchimpVerdict {
  const { status } = response;
  const problem = parseObject(response.text);
  const fail = (message: string, kind: ErrorKind, extra: { hint?: string; retryAfterMs?: number } = {}): MailchimpVerdict => ({
    ok: false,
    error: new ExternalSystemError(redact(message, context.redact), {
      system: SYSTEM,
      operation: context.operation,
      kind,
      status,
      ...(typeof problem?.['title'] === 'string' ? { code: problem['title'] } : {}),
      ...extra,
    }),
  });

  if (status >= 200 && status < 300) {
    if (status === 204) return { ok: true, body: {} };
    return problem ? { ok: true, body: problem } : fail(`HTTP ${status} with a body that is not JSON`, ErrorKind.Retryable);
  }
  const text = describeProblem(status, problem);
  if (status === 401) {
    return {
      ok: false,
      error: new CredentialsRefusedError(redact(text, context.redact), {
        system: SYSTEM,
        operation: context.operation,
        status,
        secretName: context.secretName,
        hint: `check the API key in secret ${context.secretName}: it ends with -<data center>, e.g. -us6`,
      }),
    };
  }
  if (status === 429 || (status === 403 && !problem)) {
    return fail(`${text} (too many simultaneous connections)`, ErrorKind.RateLimited, { retryAfterMs: mailchimpLimits.overloadWaitMs });
  }
  if (status === 403) return fail(text, ErrorKind.Misconfigured, { hint: "the API key's user lacks the role or the plan for this call" });
  if (status === 404) return fail(text, ErrorKind.Misconfigured, { hint: 'check the audience ids under targets.mailchimp.audiences' });
  const kind = classifyHttpStatus(status);
  return fail(text, kind === ErrorKind.AuthExpired ? ErrorKind.Permanent : kind);
}

function describeProblem(status: number, problem: Record<string, unknown> | undefined): string {
  if (!problem) return `HTTP ${status}`;
  const title = typeof problem['title'] === 'string' ? problem['title'] : `HTTP ${status}`;
  const detail = typeof problem['detail'] === 'string' ? `: ${problem['detail']}` : '';
  const fields = Array.isArray(problem['errors'])
    ? problem['errors']
        .map((entry) => (typeof entry === 'object' && entry !== null ? (entry as { field?: unknown; message?: unknown }) : {}))
        .map((entry) => `${String(entry.field ?? '')} ${String(entry.message ?? '')}`.trim())
        .filter((line) => line !== '')
    : [];
  return `HTTP ${status} ${title}${detail}${fields.length > 0 ? ` (${fields.join('; ')})` : ''}`;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function redact(text: string, secrets: readonly string[] | undefined): string {
  let out = text;
  for (const secret of secrets ?? []) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}
