import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { CallLimiter } from './CallLimiter';
import type { FaultQueue } from './FaultQueue';
import type { CallLogEntry } from './MarketoSimulator';
import { isRecord } from './requestParts';
import { ResponseLevelError } from './ResponseLevelError';
import type { RestCall, RouteTable } from './Route';
import type { TokenIssuer } from './TokenIssuer';

// Marketo's gateway limits: https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes
/** Largest REST body accepted; one byte more is HTTP 413. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Longest request URI accepted; one byte more is HTTP 414. */
export const MAX_URI_BYTES = 8 * 1024;

const IDENTITY_PATH = '/identity/oauth/token';

const FAULT_MESSAGES = {
  '604': 'Request timed out',
  '608': 'API Temporarily Unavailable',
  '611': 'System error',
  '713': 'Transient Error',
} as const;

export interface RequestListenerDeps {
  readonly tokens: TokenIssuer;
  readonly limiter: CallLimiter;
  readonly faults: FaultQueue;
  readonly routes: RouteTable;
  readonly latencyMs: number;
  readonly now: () => Date;
  readonly onIdentityRequest: () => void;
  readonly log: (entry: CallLogEntry) => void;
}

interface ResponseLevel {
  readonly code: string;
  readonly message: string;
}

/**
 * The simulator's front door. A REST call passes, in order: URI and body size (HTTP 414/413),
 * token (601/602), scripted gateway faults, method (605), quota, rate and concurrency
 * (607/606/615), the configured latency, then path, content type and JSON (610/612/609) and the
 * endpoint. Steps Marketo does not bill (601, 602, 604, 605, 608, 611) run before the quota.
 */
export function createRequestListener(deps: RequestListenerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  let requestCount = 0;
  const nextRequestId = (): string => {
    requestCount += 1;
    return `${requestCount.toString(16)}#${Date.now().toString(16)}`;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const path = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
    const query = new URLSearchParams(queryAt < 0 ? '' : rawUrl.slice(queryAt + 1));
    const sentMethod = req.method ?? 'GET';
    const method = sentMethod === 'POST' && query.get('_method') === 'GET' ? 'GET' : sentMethod;
    const isIdentity = path.startsWith('/identity/');
    const at = deps.now();
    const log = (status: number, success: boolean, code?: string, records?: number): void => {
      if (isIdentity) return;
      deps.log({
        at,
        method,
        path,
        status,
        success,
        ...(code === undefined ? {} : { code }),
        ...(records === undefined ? {} : { records }),
      });
    };

    if (Buffer.byteLength(rawUrl) > MAX_URI_BYTES) {
      req.resume();
      log(414, false);
      return sendText(res, 414, 'Request-URI Too Long');
    }
    const body = await readBody(req);
    if (body === undefined) {
      log(413, false);
      return sendText(res, 413, 'Request Entity Too Large');
    }
    if (isIdentity) return identity(req, res, path, query, body);

    const fail = (error: ResponseLevel, records?: number): void => {
      const errors = [{ code: error.code, message: error.message }];
      sendJson(res, 200, { requestId: nextRequestId(), success: false, errors });
      log(200, false, error.code, records);
    };

    const tokenProblem = deps.tokens.check(req.headers.authorization);
    if (tokenProblem !== undefined) {
      const message = tokenProblem === '601' ? 'Access token invalid' : 'Access token expired';
      return fail({ code: tokenProblem, message });
    }
    const fault = deps.faults.peek();
    if (fault !== undefined && fault !== '713') {
      deps.faults.take();
      if (fault === 'http502' || fault === 'http500') {
        const status = fault === 'http502' ? 502 : 500;
        log(status, false);
        return sendText(res, status, status === 502 ? 'Bad Gateway' : 'Internal Server Error');
      }
      return fail({ code: fault, message: FAULT_MESSAGES[fault] });
    }
    const methods = deps.routes.get(path);
    const handler = method === 'GET' || method === 'POST' ? methods?.[method] : undefined;
    if (methods !== undefined && handler === undefined) {
      return fail({ code: '605', message: `Request method '${method}' not supported` });
    }

    const rejection = deps.limiter.admit();
    if (rejection !== undefined) return fail(rejection);
    try {
      if (deps.latencyMs > 0) await delay(deps.latencyMs);
      if (deps.faults.peek() === '713') {
        deps.faults.take();
        return fail({ code: '713', message: FAULT_MESSAGES['713'] });
      }
      if (handler === undefined) return fail({ code: '610', message: 'Requested resource not found' });
      const call = toCall(method, sentMethod, query, body, req.headers['content-type']);
      if ('code' in call) return fail(call);
      const records = countRecords(call);
      try {
        const outcome = handler(call);
        sendJson(res, 200, { requestId: nextRequestId(), success: true, ...outcome });
        log(200, true, undefined, records);
      } catch (error) {
        fail(error instanceof ResponseLevelError ? error : { code: '611', message: 'System error' }, records);
      }
    } finally {
      deps.limiter.release();
    }
  }

  function identity(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
    body: Buffer,
  ): void {
    if (path !== IDENTITY_PATH) return sendJson(res, 404, { error: 'not_found' });
    if (req.method !== 'GET' && req.method !== 'POST') return sendJson(res, 405, { error: 'method_not_allowed' });
    deps.onIdentityRequest();
    const params = new URLSearchParams(query);
    if (req.method === 'POST' && mediaType(req.headers['content-type']) === 'application/x-www-form-urlencoded') {
      for (const [name, value] of new URLSearchParams(body.toString('utf8'))) params.set(name, value);
    }
    const answer = deps.tokens.issue(params);
    sendJson(res, answer.status, answer.body);
  }

  return (req, res) => {
    handle(req, res).catch(() => {
      if (res.headersSent) res.destroy();
      else sendText(res, 500, 'Simulator failure');
    });
  };
}

/**
 * Reads the parameters of a call: the query for a GET; the query plus a form body for a POST
 * overridden with `_method=GET` (Marketo's answer to 414); the query plus a JSON object body for
 * a POST.
 */
function toCall(
  method: string,
  sentMethod: string,
  query: URLSearchParams,
  body: Buffer,
  contentType: string | undefined,
): RestCall | ResponseLevel {
  const type = mediaType(contentType);
  if (method === 'GET' && sentMethod === 'POST') {
    if (type !== 'application/x-www-form-urlencoded') {
      return { code: '612', message: 'Invalid Content Type: _method=GET needs application/x-www-form-urlencoded' };
    }
    const params = new URLSearchParams(query);
    params.delete('_method');
    for (const [name, value] of new URLSearchParams(body.toString('utf8'))) params.append(name, value);
    return { params, body: {} };
  }
  if (method === 'GET') return { params: query, body: {} };
  if (type !== 'application/json') return { code: '612', message: 'Invalid Content Type' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return { code: '609', message: 'Invalid JSON' };
  }
  if (!isRecord(parsed)) return { code: '609', message: 'Invalid JSON: the body must be an object' };
  return { params: query, body: parsed };
}

function countRecords(call: RestCall): number | undefined {
  const input = call.body['input'];
  if (Array.isArray(input)) return input.length;
  const values = call.params.get('filterValues');
  return values === null ? undefined : values.split(',').filter((value) => value.trim() !== '').length;
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Reads the whole body; undefined when it exceeds `MAX_BODY_BYTES` (the rest is drained). */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json;charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain;charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
