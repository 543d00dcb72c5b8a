import { ErrorKind, ExternalSystemError, parseRetryAfter } from '../errors';
import type { HttpResponse } from '../http';
import { valueAtPath } from './valueAtPath';

/** Who the call ran as, for messages (never a password or a secret). */
export type PeopleSoftPrincipal =
  | { readonly kind: 'basic'; readonly oprid: string }
  | { readonly kind: 'oauth2'; readonly clientId: string };

/** What a response is read against: the call and the entity's declared response shape. */
export interface PeopleSoftCallContext {
  /** `GET /PSIGW/RESTListeningConnector/PSFT_HR/ML_EMPLOYEES_GET.v1`: method and path, no query. */
  readonly operation: string;
  /** Entity name in the config, e.g. `employees`. */
  readonly entity: string;
  /** Service operation and version, e.g. `ML_EMPLOYEES_GET.v1`. */
  readonly serviceOperation: string;
  readonly node: string;
  /** Config path of the system (`peoplesoft.systems.hcm`, or `peoplesoft`), for hints. Default `peoplesoft`. */
  readonly systemField?: string;
  /** Names of the date-range parameters, to recognize a handler refusing their form. */
  readonly timestampParams?: readonly string[];
  readonly principal: PeopleSoftPrincipal;
  readonly recordsPath: string;
  readonly countPath?: string;
  readonly morePath?: string;
  readonly now?: Date;
}

/** A successfully read list page. */
export interface PeopleSoftPage {
  readonly records: readonly unknown[];
  /** Rows in the whole window (from `countPath`), when the operation reports it. */
  readonly total?: number;
  /** The "more pages" flag (from `morePath`), when the operation reports it. */
  readonly more?: boolean;
}

export type PeopleSoftReading = ({ readonly ok: true } & PeopleSoftPage) | { readonly ok: false; readonly error: ExternalSystemError };

const SYSTEM = 'peoplesoft';
const MESSAGE_LIMIT = 200;

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MESSAGE_LIMIT ? `${flat.slice(0, MESSAGE_LIMIT - 1)}…` : flat;
}

function decodeXmlText(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The DefaultMessage of an Integration Broker `IBResponse` error document, if the body is one. */
function ibMessage(body: string): string | undefined {
  if (!/<IBResponse\b/i.test(body)) return undefined;
  const match = /<DefaultMessage>([\s\S]{0,4000}?)<\/DefaultMessage>/i.exec(body);
  return match ? clip(decodeXmlText(match[1]!)) : '';
}

function htmlTitle(body: string): string | undefined {
  const match = /<title>([\s\S]{0,500}?)<\/title>/i.exec(body);
  return match ? clip(decodeXmlText(match[1]!)) : undefined;
}

function who(principal: PeopleSoftPrincipal): string {
  return principal.kind === 'basic' ? `OPRID ${principal.oprid}` : `the OPRID mapped to OAuth2 client ${principal.clientId}`;
}

function looksLikeMarkup(response: HttpResponse): boolean {
  const type = response.headers.get('content-type') ?? '';
  return /html|xml/i.test(type) || response.text.trimStart().startsWith('<');
}

function readBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'Y') return true;
  if (value === 'false' || value === 'N') return false;
  return undefined;
}

function readCount(value: unknown): number | undefined {
  const count = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof count === 'number' && Number.isSafeInteger(count) && count >= 0 ? count : undefined;
}

/**
 * The one classifier of PeopleSoft REST responses: turns a response into a page of records or
 * an `ExternalSystemError` whose kind says what to do and whose hint says what to fix.
 *
 * - 401: credentials rejected; 403: the OPRID lacks the operation in its permission lists
 *   (both misconfigured: retrying will not help).
 * - An Integration Broker `IBResponse` error naming the node: wrong node name; saying the
 *   operation is not active: activate it (misconfigured). Other IB errors, other 5xx and 408:
 *   retryable; 429 (from a proxy; PeopleSoft itself has no rate limit): rate-limited.
 * - Other 4xx: the request the config describes is wrong (misconfigured).
 * - 2xx with an HTML page or malformed JSON (what a web server or proxy in front of PSIGW does
 *   when it fails): retryable. JSON without a record array at `recordsPath`: misconfigured.
 */
export function classifyPeopleSoftResponse(response: HttpResponse, context: PeopleSoftCallContext): PeopleSoftReading {
  const fail = (message: string, kind: ErrorKind, extra: { hint?: string; retryAfterMs?: number } = {}): PeopleSoftReading => ({
    ok: false,
    error: new ExternalSystemError(message, { system: SYSTEM, operation: context.operation, kind, status: response.status, ...extra }),
  });
  const { status } = response;
  const principal = who(context.principal);
  const systemField = context.systemField ?? 'peoplesoft';

  if (status === 401) {
    return fail('HTTP 401 Unauthorized', ErrorKind.Misconfigured, {
      hint:
        context.principal.kind === 'basic'
          ? `PeopleSoft rejected the credentials of OPRID ${context.principal.oprid}: check the user and password (and that the account is not locked)`
          : `PeopleSoft rejected the bearer token of OAuth2 client ${context.principal.clientId}: check that PeopleSoft trusts the identity provider and maps the client to an OPRID (PeopleTools > Security > OAuth2 Administration)`,
    });
  }
  if (status === 403) {
    return fail('HTTP 403 Forbidden', ErrorKind.Misconfigured, {
      hint: `${principal} lacks permission for operation ${context.serviceOperation}: add it to a permission list of the user (Permission Lists > Web Services)`,
    });
  }

  const ib = looksLikeMarkup(response) ? ibMessage(response.text) : undefined;
  if (ib !== undefined) {
    const said = ib ? `Integration Broker error: "${ib}"` : 'Integration Broker error';
    const inactive = /not active|inactive/i.test(ib);
    if (inactive) {
      return fail(`HTTP ${status}: ${said}`, ErrorKind.Misconfigured, {
        hint: `activate the service operation ${context.serviceOperation} in Integration Broker (and its handler and routing), or fix peoplesoft.entities.${context.entity}.operation / version`,
      });
    }
    if (/\bnode\b/i.test(ib)) {
      return fail(`HTTP ${status}: ${said}`, ErrorKind.Misconfigured, {
        hint: `wrong node name ${context.node}: set ${systemField}.node to the Integration Broker node that hosts the REST service operations`,
      });
    }
    const params = context.timestampParams ?? [];
    if (params.some((param) => ib.includes(param)) || /invalid (date|time|datetime|timestamp)/i.test(ib)) {
      // The handler could not read a date-range parameter: retrying the same text cannot help.
      return fail(`HTTP ${status}: ${said}`, ErrorKind.Misconfigured, {
        hint: `the operation refuses the form of its date-range parameters: set peoplesoft.entities.${context.entity}.timestamp.queryFormat (iso, local or peoplesoft) to what its handler reads`,
      });
    }
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      return fail(`HTTP ${status}: ${said}`, ErrorKind.Misconfigured, {
        hint: `check peoplesoft.entities.${context.entity} against the service operation's URI template`,
      });
    }
    return fail(`HTTP ${status}: ${said}`, ErrorKind.Retryable);
  }

  if (status === 429) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), context.now);
    return fail('HTTP 429 Too Many Requests', ErrorKind.RateLimited, retryAfterMs === undefined ? {} : { retryAfterMs });
  }
  if (status === 408 || status >= 500) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), context.now);
    const title = looksLikeMarkup(response) ? htmlTitle(response.text) : undefined;
    return fail(`HTTP ${status}${title ? ` (${title})` : ''}`, ErrorKind.Retryable, retryAfterMs === undefined ? {} : { retryAfterMs });
  }
  if (status === 404) {
    return fail('HTTP 404 Not Found', ErrorKind.Misconfigured, {
      hint: `no PSIGW REST listening connector at this address: check ${systemField}.baseUrl (https://host:port of the web server)`,
    });
  }
  if (status >= 400) {
    const detail = errorText(response.text);
    return fail(`HTTP ${status}${detail ? `: ${detail}` : ''}`, ErrorKind.Misconfigured, {
      hint: `PeopleSoft refused the request: check peoplesoft.entities.${context.entity}.params against the service operation's URI template`,
    });
  }
  if (status < 200 || status >= 300) return fail(`unexpected HTTP ${status}`, ErrorKind.Retryable);

  if (looksLikeMarkup(response)) {
    const title = htmlTitle(response.text);
    return fail(
      `PeopleSoft returned an HTML error page instead of JSON (HTTP ${status}${title ? `, "${title}"` : ''})`,
      ErrorKind.Retryable,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    return fail(`PeopleSoft returned malformed JSON (HTTP ${status}, ${response.text.length} characters)`, ErrorKind.Retryable);
  }
  const records = valueAtPath(body, context.recordsPath);
  if (!Array.isArray(records)) {
    return fail(
      `no record array at recordsPath "${context.recordsPath}" in the response`,
      ErrorKind.Misconfigured,
      { hint: `set peoplesoft.entities.${context.entity}.recordsPath to where the operation puts its rows` },
    );
  }
  const total = context.countPath ? readCount(valueAtPath(body, context.countPath)) : undefined;
  const more = context.morePath ? readBoolean(valueAtPath(body, context.morePath)) : undefined;
  return { ok: true, records, ...(total === undefined ? {} : { total }), ...(more === undefined ? {} : { more }) };
}

/** The error text of a JSON error body (`error`, `message`), or undefined. */
function errorText(text: string): string | undefined {
  try {
    const body: unknown = JSON.parse(text);
    const message = valueAtPath(body, 'error') ?? valueAtPath(body, 'message');
    return typeof message === 'string' ? clip(message) : undefined;
  } catch {
    return undefined;
  }
}
