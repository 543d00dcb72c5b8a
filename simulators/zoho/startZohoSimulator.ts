import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningSimulator } from '../../shared/connectors';
import type { ZohoSimulatorOptions } from './ZohoSimulatorOptions';
import { zohoModuleFields, type ZohoFieldSpec } from './zohoModuleFields';

/** The self-client the simulator accepts (fixed test values, not secrets). */
export const ZOHO_SIMULATOR_CREDENTIALS = {
  clientId: '1000.SIMULATORCLIENT',
  clientSecret: 'sim-zoho-secret',
  refreshToken: '1000.sim-refresh-token',
} as const;

/** One API call as the simulator saw it. */
export interface ZohoCall {
  readonly method: string;
  /** Path under the API domain, e.g. `/crm/v8/Contacts/upsert`. */
  readonly path: string;
  readonly status: number;
  readonly credits: number;
  readonly records?: number;
}

/** A notification channel subscribed with `/actions/watch`. */
export interface ZohoChannel {
  readonly channelId: string;
  readonly events: readonly string[];
  readonly token?: string;
  readonly notifyUrl: string;
  /** Epoch ms; after it the channel is silent. */
  readonly expiresAt: number;
}

/** A notification the simulator POSTed to a channel's `notify_url`, and the answer it got. */
export interface ZohoNotificationDelivery {
  readonly url: string;
  readonly body: Record<string, unknown>;
  readonly status: number;
}

export interface ZohoSimulator extends RunningSimulator {
  /** The accounts server (`url`) and the API domain its token answers name. */
  readonly apiDomain: string;
  /** Records by module, then id. */
  readonly records: ReadonlyMap<string, ReadonlyMap<string, Record<string, unknown>>>;
  readonly calls: readonly ZohoCall[];
  /** Access tokens issued (refresh-token grants answered with a token). */
  readonly tokensIssued: number;
  /** Token requests refused for exceeding 10 per 10 minutes. */
  readonly tokenRequestsRefused: number;
  /** Answers 429 TOO_MANY_REQUESTS (concurrency) so far. */
  readonly throttled: number;
  readonly peakInFlight: number;
  readonly peakHeavyInFlight: number;
  readonly creditsUsed: number;
  readonly channels: ReadonlyMap<string, ZohoChannel>;
  readonly deliveries: readonly ZohoNotificationDelivery[];
  /** Makes every issued access token invalid (as after a revoke or an early expiry). */
  invalidateTokens(): void;
  /** Leaves only `remaining` credits in the window; `restoreCredits` gives the full pool back. */
  setCreditsRemaining(remaining: number): void;
  restoreCredits(): void;
  /** Someone edited records in the CRM UI: notifies the channels watching it. */
  simulateChange(module: string, operation: 'insert' | 'update' | 'delete', ids: readonly string[]): Promise<void>;
  /**
   * A user edits a record in the CRM: its fields and `Modified_Time` change and the channels
   * watching the module are notified (unless `notify: false`: a notification Zoho never sent).
   */
  editRecord(module: string, id: string, fields: Readonly<Record<string, unknown>>, options?: { readonly notify?: boolean }): Promise<Record<string, unknown>>;
  /** A user deletes a record in the CRM; the channels watching the module are notified (unless `notify: false`). */
  deleteRecord(module: string, id: string, options?: { readonly notify?: boolean }): Promise<void>;
  /** Waits for notifications on their way. */
  idle(): Promise<void>;
}

const API_VERSIONS = /^v(2|2\.1|[3-9])$/;
const MAX_RECORDS = 100;
const MAX_CRITERIA = 10;
const DAY_MS = 86_400_000;

interface ApiError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

function apiError(status: number, code: string, message: string, details: Record<string, unknown> = {}): ApiError {
  return { status, code, message, details };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function sameValue(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/** A unique field's value as an index key, equal exactly when `sameValue` holds (objects never match). */
function uniqueKey(value: unknown): string | undefined {
  if (typeof value === 'string') return `s:${value.toLowerCase()}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value}:${String(value)}`;
  return undefined;
}

/**
 * A simulated Zoho CRM org, strict where the documents are: an accounts server (refresh-token
 * grant, 10 access tokens per refresh token per 10 minutes, `api_domain` in the answer) and an
 * API domain on another port and path prefix (so a client that hard-codes a host or drops the
 * prefix fails), `Zoho-oauthtoken` tokens that expire into 401 INVALID_TOKEN, upserts of at most
 * 100 records with `duplicate_check_fields`, mandatory, type, unique and lookup checks answered
 * per record in order (200 / 201 / 207 / 400), search by criteria, reads by id and pages of a
 * module sorted by `id`, `Created_Time` or `Modified_Time` (`page`, `per_page` ≤ 200), field metadata,
 * a rolling credit pool (upsert ⌈n/10⌉, others 1) reported in `X-API-CREDITS-REMAINING` once
 * half is used, per-org concurrency with the heavy-call sub-limit (429 TOO_MANY_REQUESTS), and
 * `/actions/watch` channels (expiry 1 h by default, at most 1 day before v4 and 1 week from v4)
 * that POST notifications to their `notify_url` until they expire.
 */
export async function startZohoSimulator(options: ZohoSimulatorOptions = {}): Promise<ZohoSimulator> {
  const now = options.now ?? Date.now;
  const send = options.fetch ?? fetch;
  const clientId = options.clientId ?? ZOHO_SIMULATOR_CREDENTIALS.clientId;
  const clientSecret = options.clientSecret ?? ZOHO_SIMULATOR_CREDENTIALS.clientSecret;
  const refreshToken = options.refreshToken ?? ZOHO_SIMULATOR_CREDENTIALS.refreshToken;
  const lifetimeMs = (options.tokenLifetimeSeconds ?? 3600) * 1000;
  const tokensPerWindow = options.tokensPerWindow ?? 10;
  const tokenWindowMs = options.tokenWindowMs ?? 600_000;
  const pool = options.credits ?? 100_000;
  const concurrency = options.concurrency ?? 20;
  const heavyConcurrency = options.heavyConcurrency ?? 10;
  const prefix = options.apiPrefix ?? '/crm-us';

  const tokens = new Map<string, number>();
  const grants: number[] = [];
  const spent: Array<{ at: number; credits: number }> = [];
  let creditOffset = 0;
  const records = new Map<string, Map<string, Record<string, unknown>>>(Object.keys(zohoModuleFields).map((module) => [module, new Map()]));
  // Module → unique field → value key → record id: an org of 100,000 contacts answers an upsert
  // without scanning them all (the bench runs the simulator in the pipeline's own process).
  const uniqueIndex = new Map<string, Map<string, Map<string, string>>>();
  const indexOf = (module: string, field: string): Map<string, string> => {
    let byField = uniqueIndex.get(module);
    if (!byField) uniqueIndex.set(module, (byField = new Map()));
    let byValue = byField.get(field);
    if (!byValue) byField.set(field, (byValue = new Map()));
    return byValue;
  };
  const findUnique = (module: string, field: string, value: unknown): string | undefined => {
    const key = uniqueKey(value);
    return key === undefined ? undefined : indexOf(module, field).get(key);
  };
  const calls: ZohoCall[] = [];
  const channels = new Map<string, ZohoChannel>();
  const deliveries: ZohoNotificationDelivery[] = [];
  const inTransit = new Set<Promise<void>>();
  let nextId = 5_725_767_000_000_100_001n;
  let tokensIssued = 0;
  let tokenRequestsRefused = 0;
  let throttled = 0;
  let inFlight = 0;
  let heavyInFlight = 0;
  let peakInFlight = 0;
  let peakHeavyInFlight = 0;

  const creditsUsed = (): number => {
    const since = now() - DAY_MS;
    return spent.filter((entry) => entry.at > since).reduce((sum, entry) => sum + entry.credits, 0) + creditOffset;
  };

  // ---------------------------------------------------------------------------------------------
  // Accounts server
  // ---------------------------------------------------------------------------------------------
  const accounts = createServer((request, response) => {
    void (async () => {
      const json = (status: number, body: unknown): void => {
        response.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' });
        response.end(JSON.stringify(body));
      };
      const url = new URL(request.url ?? '/', 'http://accounts');
      if (request.method !== 'POST' || url.pathname !== '/oauth/v2/token') return json(404, { error: 'invalid_request' });
      const form = new URLSearchParams(await readBody(request));
      const param = (name: string): string | null => url.searchParams.get(name) ?? form.get(name);
      // Zoho answers OAuth errors with HTTP 200 and an `error` field.
      if (param('client_id') !== clientId || param('client_secret') !== clientSecret) return json(200, { error: 'invalid_client' });
      if (param('grant_type') !== 'refresh_token') return json(200, { error: 'unsupported_grant_type' });
      if (param('refresh_token') !== refreshToken) return json(200, { error: 'invalid_code' });
      const at = now();
      while (grants.length > 0 && grants[0]! <= at - tokenWindowMs) grants.shift();
      if (grants.length >= tokensPerWindow) {
        tokenRequestsRefused += 1;
        return json(400, {
          error_description: 'You have made too many requests continuously. Please try again after some time.',
          error: 'Access Denied',
          status: 'failure',
        });
      }
      grants.push(at);
      tokensIssued += 1;
      const token = `1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
      tokens.set(token, at + lifetimeMs);
      json(200, { access_token: token, scope: 'ZohoCRM.modules.ALL ZohoCRM.notifications.ALL ZohoCRM.settings.ALL', api_domain: apiDomain, token_type: 'Bearer', expires_in: lifetimeMs / 1000 });
    })();
  });
  const url = await listen(accounts);

  // ---------------------------------------------------------------------------------------------
  // API domain
  // ---------------------------------------------------------------------------------------------
  const fieldsOf = (module: string): readonly ZohoFieldSpec[] | undefined => zohoModuleFields[module];

  const notify = async (module: string, operation: 'insert' | 'update' | 'delete', ids: readonly string[]): Promise<void> => {
    const event = { insert: 'create', update: 'edit', delete: 'delete' }[operation];
    const at = now();
    const sends: Array<Promise<void>> = [];
    for (const channel of channels.values()) {
      if (channel.expiresAt <= at) continue; // an expired channel is silent
      if (!channel.events.includes(`${module}.all`) && !channel.events.includes(`${module}.${event}`)) continue;
      const target = new URL(channel.notifyUrl);
      const body = {
        server_time: at,
        query_params: Object.fromEntries(target.searchParams),
        module,
        resource_uri: `${apiDomain}/crm/v8/${module}`,
        ids: [...ids],
        affected_fields: [],
        operation,
        channel_id: channel.channelId,
        token: channel.token ?? null,
      };
      const delivery = send(channel.notifyUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
        .then(async (answer) => {
          await answer.body?.cancel();
          deliveries.push({ url: channel.notifyUrl, body, status: answer.status });
        })
        .catch(() => {
          deliveries.push({ url: channel.notifyUrl, body, status: 0 });
        });
      sends.push(delivery);
    }
    const all = Promise.all(sends).then(() => undefined);
    inTransit.add(all);
    await all;
    inTransit.delete(all);
  };

  const checkValue = (field: ZohoFieldSpec, value: unknown, path: string): ApiError | undefined => {
    if (value === null) return undefined;
    const invalid = (expected: string, extra: Record<string, unknown> = {}): ApiError =>
      apiError(400, 'INVALID_DATA', 'invalid data', { expected_data_type: expected, api_name: field.api_name, json_path: path, ...extra });
    switch (field.data_type) {
      case 'email':
        return typeof value === 'string' && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value) ? undefined : invalid('email');
      case 'date':
        return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value)) ? undefined : invalid('date');
      case 'lookup': {
        if (typeof value !== 'object' || Array.isArray(value) || typeof (value as { id?: unknown }).id !== 'string') return invalid('jsonobject');
        const id = (value as { id: string }).id;
        return records.get(field.lookup!)?.has(id) ? undefined : apiError(400, 'INVALID_DATA', 'the id given seems to be invalid', { api_name: field.api_name, id, json_path: path });
      }
      default:
        return typeof value === 'string' || typeof value === 'number' ? undefined : invalid(field.data_type === 'phone' ? 'phone' : 'text');
    }
  };

  const upsert = (module: string, body: unknown): { status: number; body: unknown; changed: Array<{ id: string; op: 'insert' | 'update' }> } => {
    const fields = fieldsOf(module)!;
    const parsed = body as { data?: unknown; duplicate_check_fields?: unknown };
    if (!parsed || !Array.isArray(parsed.data) || parsed.data.length === 0) {
      return { status: 400, body: errorBody(apiError(400, 'INVALID_DATA', 'body must have a data array', { expected_data_type: 'jsonarray', api_name: 'data' })), changed: [] };
    }
    if (parsed.data.length > MAX_RECORDS) {
      return { status: 400, body: errorBody(apiError(400, 'LIMIT_EXCEEDED', `only ${MAX_RECORDS} records can be upserted at a time`, { limit: MAX_RECORDS })), changed: [] };
    }
    const uniqueFields = fields.filter((field) => field.unique).map((field) => field.api_name);
    let checks = uniqueFields;
    if (parsed.duplicate_check_fields !== undefined) {
      const asked = parsed.duplicate_check_fields;
      const bad = Array.isArray(asked) ? asked.find((name) => typeof name !== 'string' || !uniqueFields.includes(name)) : asked;
      if (!Array.isArray(asked) || bad !== undefined) {
        return { status: 400, body: errorBody(apiError(400, 'INVALID_DATA', 'invalid data', { api_name: 'duplicate_check_fields', value: bad ?? null })), changed: [] };
      }
      checks = asked as string[];
    }
    const store = records.get(module)!;
    const changed: Array<{ id: string; op: 'insert' | 'update' }> = [];
    const results = parsed.data.map((raw, index): Record<string, unknown> => {
      const fail = (error: ApiError): Record<string, unknown> => ({ code: error.code, details: error.details ?? {}, message: error.message, status: 'error' });
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return fail(apiError(400, 'INVALID_DATA', 'invalid data', { expected_data_type: 'jsonobject', json_path: `$.data[${index}]` }));
      const record = raw as Record<string, unknown>;
      for (const field of fields) {
        if (!(field.api_name in record)) continue;
        const problem = checkValue(field, record[field.api_name], `$.data[${index}].${field.api_name}`);
        if (problem) return fail(problem);
      }
      let matched: { id: string; field: string } | undefined;
      for (const name of checks) {
        const value = record[name];
        if (value === undefined || value === null || value === '') continue;
        const found = findUnique(module, name, value);
        if (found !== undefined) {
          matched = { id: found, field: name };
          break;
        }
      }
      const merged = { ...(matched ? store.get(matched.id) : {}), ...record };
      for (const field of fields) {
        if (field.system_mandatory && (merged[field.api_name] === undefined || merged[field.api_name] === null || merged[field.api_name] === '')) {
          return fail(apiError(400, 'MANDATORY_NOT_FOUND', 'required field not found', { api_name: field.api_name, json_path: `$.data[${index}].${field.api_name}` }));
        }
      }
      for (const name of uniqueFields) {
        const value = merged[name];
        if (value === undefined || value === null || value === '') continue;
        const clash = findUnique(module, name, value);
        if (clash !== undefined && clash !== matched?.id) {
          return fail(apiError(400, 'DUPLICATE_DATA', 'duplicate data', { api_name: name, json_path: `$.data[${index}].${name}`, duplicate_record: { id: clash, module: { api_name: module } }, id: clash }));
        }
      }
      const at = isoSeconds(now());
      const id = matched?.id ?? String(nextId++);
      const previous = store.get(id);
      store.set(id, { ...merged, id, Created_Time: previous?.['Created_Time'] ?? at, Modified_Time: at });
      for (const name of uniqueFields) {
        const byValue = indexOf(module, name);
        const before = uniqueKey(previous?.[name]);
        if (before !== undefined && byValue.get(before) === id) byValue.delete(before);
        const after = uniqueKey(merged[name]);
        if (after !== undefined) byValue.set(after, id);
      }
      changed.push({ id, op: matched ? 'update' : 'insert' });
      return {
        code: 'SUCCESS',
        duplicate_field: matched?.field ?? null,
        action: matched ? 'update' : 'insert',
        details: { Modified_Time: at, Created_Time: store.get(id)!['Created_Time'], id },
        message: matched ? 'record updated' : 'record added',
        status: 'success',
      };
    });
    const ok = results.filter((result) => result.status === 'success').length;
    const status = ok === 0 ? 400 : ok < results.length ? 207 : results.every((result) => result.action === 'insert') ? 201 : 200;
    return { status, body: { data: results }, changed };
  };

  const search = (module: string, criteria: string | null): { status: number; body?: unknown } => {
    const match = criteria?.match(/^\(?(.*?)\)?$/);
    const parts = (match?.[1] ?? '').split(/\)\s*or\s*\(/i).map((part) => part.replace(/^\(+|\)+$/g, ''));
    if (!criteria || parts.length > MAX_CRITERIA) {
      return { status: 400, body: errorBody(apiError(400, 'INVALID_QUERY', `criteria: at most ${MAX_CRITERIA} conditions`, { param: 'criteria' })) };
    }
    const conditions: Array<{ field: string; value: string }> = [];
    for (const part of parts) {
      const [field, operator, ...rest] = part.split(':');
      if (!field || operator !== 'equals' || rest.length === 0) {
        return { status: 400, body: errorBody(apiError(400, 'INVALID_QUERY', 'invalid query formed', { param: 'criteria' })) };
      }
      // In criteria, parentheses and commas inside values are escaped with a backslash.
      conditions.push({ field, value: rest.join(':').replace(/\\([(),\\])/g, '$1') });
    }
    const found = [...records.get(module)!.values()].filter((record) => conditions.some((condition) => sameValue(record[condition.field], condition.value)));
    if (found.length === 0) return { status: 204 };
    return { status: 200, body: { data: found, info: { count: found.length, more_records: false, page: 1, per_page: 200 } } };
  };

  const watch = (method: string, version: string, body: unknown): { status: number; body: unknown } => {
    const maxMs = /^v(2|2\.1|3)$/.test(version) ? DAY_MS : 7 * DAY_MS;
    if (method === 'GET') {
      return {
        status: 200,
        body: {
          watch: [...channels.values()]
            .filter((channel) => channel.expiresAt > now())
            .map((channel) => ({ channel_id: channel.channelId, events: channel.events, channel_expiry: isoSeconds(channel.expiresAt), notify_url: channel.notifyUrl })),
        },
      };
    }
    const items = (body as { watch?: unknown })?.watch;
    if (!Array.isArray(items) || items.length === 0) return { status: 400, body: errorBody(apiError(400, 'INVALID_DATA', 'watch: expected a JSON array', { api_name: 'watch' })) };
    const answers = items.map((raw: Record<string, unknown>, index) => {
      const fail = (message: string, field: string): Record<string, unknown> => ({ code: 'INVALID_DATA', details: { api_name: field, json_path: `$.watch[${index}].${field}` }, message, status: 'error' });
      const channelId = typeof raw.channel_id === 'number' || typeof raw.channel_id === 'string' ? String(raw.channel_id) : '';
      if (!/^\d{1,19}$/.test(channelId)) return fail('channel_id must be a long', 'channel_id');
      const existing = channels.get(channelId);
      if (method === 'PATCH' && !existing) return fail('no channel with this id', 'channel_id');
      const events = raw.events ?? existing?.events;
      if (!Array.isArray(events) || events.length === 0 || events.some((event) => typeof event !== 'string' || !/^[A-Za-z_]+\.(create|edit|delete|all)$/.test(event) || !fieldsOf(event.split('.')[0]!))) {
        return fail('invalid events', 'events');
      }
      const notifyUrl = (raw.notify_url as string | undefined) ?? existing?.notifyUrl;
      if (typeof notifyUrl !== 'string' || !/^https?:\/\//.test(notifyUrl)) return fail('invalid notify_url', 'notify_url');
      const token = raw.token === undefined ? existing?.token : raw.token;
      if (token !== undefined && (typeof token !== 'string' || token.length > 50)) return fail('token: at most 50 characters', 'token');
      // Out of range or absent: the channel lasts the default hour.
      const asked = typeof raw.channel_expiry === 'string' ? Date.parse(raw.channel_expiry) : Number.NaN;
      const expiresAt = Number.isFinite(asked) && asked > now() && asked - now() <= maxMs ? asked : now() + 3_600_000;
      const channel: ZohoChannel = { channelId, events: events as string[], notifyUrl, expiresAt, ...(token ? { token } : {}) };
      channels.set(channelId, channel);
      return {
        code: 'SUCCESS',
        details: {
          events: channel.events.map((event) => ({
            channel_expiry: isoSeconds(expiresAt),
            resource_uri: `${apiDomain}/crm/${version}/${event.split('.')[0]}`,
            resource_id: '5725767000000002175',
            resource_name: event.split('.')[0],
            channel_id: channelId,
          })),
        },
        message: 'Successfully subscribed for actions-watch of the given module',
        status: 'success',
      };
    });
    const ok = answers.every((answer) => answer.status === 'success');
    return { status: ok ? 200 : 400, body: { watch: answers } };
  };

  const api = createServer((request, response) => {
    void (async () => {
      const headers: Record<string, string> = { 'content-type': 'application/json;charset=UTF-8' };
      const reply = (status: number, body?: unknown): void => {
        response.writeHead(status, headers);
        response.end(body === undefined ? undefined : JSON.stringify(body));
      };
      const target = new URL(request.url ?? '/', 'http://api');
      const text = await readBody(request);
      const method = request.method ?? 'GET';
      if (!target.pathname.startsWith(`${prefix}/crm/`)) {
        return reply(404, errorBody(apiError(404, 'INVALID_URL_PATTERN', 'Please check if the URL trying to access is a correct one')));
      }
      const path = target.pathname.slice(prefix.length);
      const [, , version = '', ...rest] = path.split('/');
      const record = (status: number, credits: number, count?: number): void => {
        calls.push({ method, path, status, credits, ...(count === undefined ? {} : { records: count }) });
      };
      const auth = /^Zoho-oauthtoken (\S+)$/.exec(request.headers.authorization ?? '');
      const expiry = auth ? tokens.get(auth[1]!) : undefined;
      if (expiry === undefined || expiry <= now()) {
        record(401, 0);
        return reply(401, errorBody(apiError(401, 'INVALID_TOKEN', 'invalid oauth token')));
      }
      if (!API_VERSIONS.test(version)) {
        record(404, 0);
        return reply(404, errorBody(apiError(404, 'INVALID_URL_PATTERN', 'Please check if the URL trying to access is a correct one')));
      }
      let json: unknown;
      if (text !== '') {
        try {
          json = JSON.parse(text);
        } catch {
          record(400, 0);
          return reply(400, errorBody(apiError(400, 'INVALID_DATA', 'body is not valid JSON')));
        }
      }
      const isUpsert = method === 'POST' && rest.length === 2 && rest[1] === 'upsert';
      const count = isUpsert && Array.isArray((json as { data?: unknown })?.data) ? (json as { data: unknown[] }).data.length : undefined;
      const heavy = isUpsert && (count ?? 0) > 10;
      if (inFlight + 1 > concurrency || (heavy && heavyInFlight + 1 > heavyConcurrency)) {
        throttled += 1;
        record(429, 0, count);
        return reply(429, errorBody(apiError(429, 'TOO_MANY_REQUESTS', 'too many concurrent requests', { concurrency: heavy ? heavyConcurrency : concurrency })));
      }
      const cost = isUpsert ? Math.max(1, Math.ceil(Math.min(count ?? 1, MAX_RECORDS) / 10)) : 1;
      if (pool - creditsUsed() < cost) {
        headers['X-API-CREDITS-REMAINING'] = String(Math.max(0, pool - creditsUsed()));
        record(429, 0, count);
        return reply(429, errorBody(apiError(429, 'LIMIT_REACHED', 'API credits exhausted for the rolling 24-hour window', { limit: pool })));
      }
      inFlight += 1;
      peakInFlight = Math.max(peakInFlight, inFlight);
      if (heavy) {
        heavyInFlight += 1;
        peakHeavyInFlight = Math.max(peakHeavyInFlight, heavyInFlight);
      }
      try {
        if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
        spent.push({ at: now(), credits: cost });
        const used = creditsUsed();
        // Zoho reports the credits left once half of the window's pool is used.
        if (used * 2 >= pool) headers['X-API-CREDITS-REMAINING'] = String(Math.max(0, pool - used));
        const [first, second] = rest;
        let answer: { status: number; body?: unknown };
        let changed: Array<{ id: string; op: 'insert' | 'update' }> = [];
        if (first === 'actions' && second === 'watch' && rest.length === 2 && ['GET', 'POST', 'PUT', 'PATCH'].includes(method)) {
          answer = watch(method, version, json);
        } else if (first === 'actions' && second === 'watch' && method === 'DELETE') {
          const ids = (target.searchParams.get('channel_ids') ?? '').split(',');
          for (const id of ids) channels.delete(id);
          answer = { status: 200, body: { watch: ids.map((id) => ({ code: 'SUCCESS', details: { channel_id: id }, message: 'Successfully unsubscribed', status: 'success' })) } };
        } else if (first === 'settings' && second === 'fields' && method === 'GET') {
          const fields = fieldsOf(target.searchParams.get('module') ?? '');
          answer = fields ? { status: 200, body: { fields } } : { status: 400, body: errorBody(apiError(400, 'INVALID_MODULE', 'the module name given seems to be invalid')) };
        } else if (first && !fieldsOf(first)) {
          answer = { status: 400, body: errorBody(apiError(400, 'INVALID_MODULE', 'the module name given seems to be invalid')) };
        } else if (isUpsert) {
          const result = upsert(first!, json);
          answer = result;
          changed = result.changed;
        } else if (method === 'GET' && rest.length === 2 && second === 'search') {
          answer = search(first!, target.searchParams.get('criteria'));
        } else if (method === 'GET' && rest.length === 1) {
          const fieldsParam = target.searchParams.get('fields');
          const ids = (target.searchParams.get('ids') ?? '').split(',').filter((id) => id !== '');
          if (!fieldsParam || fieldsParam.split(',').length > 50) {
            answer = { status: 400, body: errorBody(apiError(400, 'REQUIRED_PARAM_MISSING', 'fields: required, at most 50', { param: 'fields' })) };
          } else if (ids.length > MAX_RECORDS) {
            answer = { status: 400, body: errorBody(apiError(400, 'LIMIT_EXCEEDED', `at most ${MAX_RECORDS} ids`, { param: 'ids' })) };
          } else {
            const wanted = new Set(['id', ...fieldsParam.split(',')]);
            const store = records.get(first!)!;
            const page = Number(target.searchParams.get('page') ?? '1');
            const perPage = Number(target.searchParams.get('per_page') ?? '200');
            const sortBy = target.searchParams.get('sort_by') ?? 'id';
            const sortOrder = target.searchParams.get('sort_order') ?? 'desc';
            if (ids.length === 0 && (!Number.isInteger(page) || page < 1 || !Number.isInteger(perPage) || perPage < 1 || perPage > 200)) {
              answer = { status: 400, body: errorBody(apiError(400, 'INVALID_DATA', 'page: at least 1; per_page: 1 to 200', { param: 'per_page' })) };
            } else if (!['id', 'Created_Time', 'Modified_Time'].includes(sortBy) || !['asc', 'desc'].includes(sortOrder)) {
              answer = { status: 400, body: errorBody(apiError(400, 'INVALID_DATA', 'sort_by: id, Created_Time or Modified_Time; sort_order: asc or desc', { param: 'sort_by' })) };
            } else {
              let listed: Array<Record<string, unknown>>;
              let more = false;
              if (ids.length > 0) {
                listed = ids.flatMap((id) => (store.has(id) ? [store.get(id)!] : []));
              } else {
                const key = (record: Record<string, unknown>): string => (sortBy === 'id' ? String(record.id).padStart(20, '0') : String(record[sortBy] ?? ''));
                const sorted = [...store.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (sortOrder === 'asc' ? 1 : -1));
                listed = sorted.slice((page - 1) * perPage, page * perPage);
                more = sorted.length > page * perPage;
              }
              const found = listed.map((stored) => Object.fromEntries(Object.entries(stored).filter(([key]) => wanted.has(key))));
              answer = found.length === 0 ? { status: 204 } : { status: 200, body: { data: found, info: { count: found.length, more_records: more, page, per_page: perPage } } };
            }
          }
        } else {
          answer = { status: 404, body: errorBody(apiError(404, 'INVALID_URL_PATTERN', 'Please check if the URL trying to access is a correct one')) };
        }
        record(answer.status, cost, count);
        reply(answer.status, answer.body);
        const inserted = changed.filter((entry) => entry.op === 'insert').map((entry) => entry.id);
        const updated = changed.filter((entry) => entry.op === 'update').map((entry) => entry.id);
        if (inserted.length > 0) void notify(first!, 'insert', inserted);
        if (updated.length > 0) void notify(first!, 'update', updated);
      } finally {
        inFlight -= 1;
        if (heavy) heavyInFlight -= 1;
      }
    })();
  });
  const apiBase = await listen(api);
  const apiDomain = `${apiBase}${prefix}`;

  return {
    url,
    apiDomain,
    records,
    calls,
    get tokensIssued() {
      return tokensIssued;
    },
    get tokenRequestsRefused() {
      return tokenRequestsRefused;
    },
    get throttled() {
      return throttled;
    },
    get peakInFlight() {
      return peakInFlight;
    },
    get peakHeavyInFlight() {
      return peakHeavyInFlight;
    },
    get creditsUsed() {
      return creditsUsed();
    },
    channels,
    deliveries,
    invalidateTokens: () => tokens.clear(),
    setCreditsRemaining: (remaining) => {
      creditOffset = 0;
      creditOffset = pool - remaining - creditsUsed();
    },
    restoreCredits: () => {
      creditOffset = 0;
      spent.length = 0;
    },
    simulateChange: (module, operation, ids) => notify(module, operation, ids),
    editRecord: async (module, id, fields, editOptions = {}) => {
      const store = records.get(module);
      const existing = store?.get(id);
      if (!store || !existing) throw new Error(`the simulated org has no ${module} record ${id}`);
      const edited = { ...existing, ...fields, id, Modified_Time: isoSeconds(now()) };
      store.set(id, edited);
      if (editOptions.notify !== false) await notify(module, 'update', [id]);
      return edited;
    },
    deleteRecord: async (module, id, deleteOptions = {}) => {
      if (!records.get(module)?.delete(id)) throw new Error(`the simulated org has no ${module} record ${id}`);
      if (deleteOptions.notify !== false) await notify(module, 'delete', [id]);
    },
    idle: async () => {
      while (inTransit.size > 0) await Promise.all([...inTransit]);
    },
    summary: () => `${records.get('Contacts')!.size} contacts, ${records.get('Accounts')!.size} accounts, ${creditsUsed()} credits used, ${tokensIssued} access token(s) issued`,
    stop: async () => {
      await Promise.all([close(accounts), close(api)]);
    },
  };
}

function errorBody(error: ApiError): Record<string, unknown> {
  return { code: error.code, details: error.details ?? {}, message: error.message, status: 'error' };
}
