import type { MarketoConfig } from './marketoSettingsSchema';
import { ErrorKind, ExternalSystemError } from '../../errors';
import { HostGuard, HttpClient, type HostPolicy, type HttpRequest } from '../../http';
import { inProcessLimiters, type CallLimiter, type LimiterFactory } from '../../limits';
import {
  ItemOutcome,
  TargetAction,
  type ConnectorStats,
  type ItemResult,
  type PingCheck,
  type StoredTargetRecord,
  type TargetConnector,
  type TargetDeclaration,
  type TargetItem,
  type TargetLimits,
} from '../TargetConnector';
import { CallTally } from '../CallTally';
import { classifyMarketoResponse } from './classifyMarketoResponse';
import { marketoDeclaration } from './declaration';
import {
  marketoEndpoints,
  normalizeKey,
  type MarketoObjectEndpoints,
  type MarketoReadEndpoint,
  type MarketoWriteContext,
  type MarketoWriteEndpoint,
} from './marketoEndpoints';
import type { MarketoEnvelope } from './MarketoEnvelope';
import { marketoLimits } from './marketoLimits';
import { readDescribedFields } from './readDescribedFields';
import { MarketoTokenProvider, type MarketoCredentials } from './MarketoTokenProvider';

/** What a `MarketoConnector` is built from; `fetch`, `now` and `sleep` default to the real ones. */
export interface MarketoConnectorOptions {
  readonly config: MarketoConfig;
  readonly credentials: MarketoCredentials;
  /** Which addresses the base URL may resolve to (loopback only for local runs). */
  readonly hostPolicy: HostPolicy;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
  /** Used by the default limiter while it waits for a slot. */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * Where Marketo's call budget lives, shared with every other caller of the instance. Default:
   * this process (`inProcessLimiters`), on the connector's clock.
   */
  readonly limiters?: LimiterFactory;
}

interface MarketoCall {
  readonly method: 'GET' | 'POST';
  /** Path under the base URL, e.g. `/rest/v1/leads.json`. */
  readonly path: string;
  readonly query?: URLSearchParams;
  /** JSON body of a POST. */
  readonly body?: string;
}

const SYSTEM = 'marketo';
const noIds: MarketoWriteContext = { ids: new Map() };

/**
 * `config.baseUrl` (or `https://{munchkinId}.mktorest.com`) without a trailing slash, and without
 * the `/rest` or `/identity` suffix Marketo's admin page shows, so paths never double a slash.
 */
function marketoBaseUrl(config: MarketoConfig): string {
  const raw = config.baseUrl ?? `https://${config.munchkinId}.mktorest.com`;
  return raw.replace(/\/+$/, '').replace(/\/(rest|identity)$/, '');
}

/** Marketo's declared limits, lowered where the config's `pacing` asks for less. */
function budgetOf(config: MarketoConfig): TargetLimits {
  const declared = marketoDeclaration.limits;
  return {
    ...declared,
    windows: declared.windows.map((window) =>
      window.windowMs === marketoLimits.rateWindowMs ? { ...window, calls: Math.min(window.calls, config.pacing.callsPer20s) } : window,
    ),
    inFlight: Math.min(declared.inFlight, config.pacing.concurrency),
  };
}

/**
 * Adobe Marketo Engage as a target: leads, companies and sales persons through the REST API.
 * Waits for the instance's shared call budget (`marketoDeclaration.limits`, lowered by
 * `config.pacing`) before every call and pauses it on 606/615, authenticates
 * with a shared cached token, refreshes it and retries once on 601/602 (the only retry it does),
 * and throws every other whole-call failure as a classified `ExternalSystemError`.
 */
export class MarketoConnector implements TargetConnector {
  public readonly declaration: TargetDeclaration = marketoDeclaration;
  private readonly baseUrl: string;
  private readonly http: HttpClient;
  private readonly tokens: MarketoTokenProvider;
  private readonly limiter: CallLimiter;
  private readonly now: () => Date;
  private readonly secrets: readonly string[];
  private readonly tally = new CallTally();

  public constructor(options: MarketoConnectorOptions) {
    const { config } = options;
    this.now = options.now ?? (() => new Date());
    this.baseUrl = marketoBaseUrl(config);
    this.secrets = [options.credentials.clientSecret];
    this.http = new HttpClient({
      system: SYSTEM,
      guard: new HostGuard(options.hostPolicy),
      timeoutMs: config.requestTimeoutMs,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    this.tokens = new MarketoTokenProvider({
      http: this.http,
      tokenUrl: new URL(`${this.baseUrl}/identity/oauth/token`),
      credentials: options.credentials,
      secretName: config.secret,
      now: this.now,
    });
    const limiters = options.limiters ?? inProcessLimiters({ now: () => this.now().getTime(), ...(options.sleep ? { sleep: options.sleep } : {}) });
    this.limiter = limiters({
      target: SYSTEM,
      account: this.baseUrl,
      limits: budgetOf(config),
      // A call never runs longer than the request timeout; its slot must outlive it.
      leaseMs: config.requestTimeoutMs + marketoLimits.leaseMarginMs,
    });
  }

  public async write(object: string, action: TargetAction, items: readonly TargetItem[]): Promise<ItemResult[]> {
    const endpoints = this.endpointsOf(object, `write ${object}:${action}`);
    if (!marketoDeclaration.objects[object]?.actions.includes(action)) {
      throw this.programmerError(`write ${object}:${action}`, `action ${JSON.stringify(action)} is not supported on ${object}`);
    }
    this.assertBatchSize(`write ${object}:${action}`, items.length);
    if (items.length === 0) return [];
    const endpoint = action === TargetAction.Upsert ? endpoints.upsert : endpoints.delete;
    const stat = `${object}:${action}`;
    if (!endpoint.resolveIds) return this.writeBatch(stat, endpoint, items, noIds);

    const context: MarketoWriteContext = { ids: await this.readIds(stat, endpoints.read, items) };
    const results: ItemResult[] = items
      .filter((item) => endpoint.inputCount(item, context) === 0)
      .map((item) => ({ ref: item.ref, outcome: ItemOutcome.NotFound }));
    const found = items.filter((item) => endpoint.inputCount(item, context) > 0);
    for (const chunk of chunkByInputs(found, (item) => endpoint.inputCount(item, context))) {
      results.push(...(await this.writeBatch(stat, endpoint, chunk, context)));
    }
    return results;
  }

  public async readBack(object: string, keys: readonly string[], fields?: readonly string[]): Promise<StoredTargetRecord[]> {
    const { read } = this.endpointsOf(object, `readBack ${object}`);
    this.assertBatchSize(`readBack ${object}`, keys.length);
    if (keys.length === 0) return [];
    const wanted = new Map(keys.map((key) => [normalizeKey(read, key), key]));
    const asked = fields && fields.length > 0 ? [...new Set(['id', read.keyField, ...fields])] : read.fields;
    const records = await this.readRecords(`${object}:read`, read, [...wanted.values()], asked);
    const stored: StoredTargetRecord[] = [];
    for (const record of records) {
      const value = record[read.keyField];
      if (typeof value !== 'string' && typeof value !== 'number') continue;
      const key = wanted.get(normalizeKey(read, String(value)));
      if (key === undefined) continue;
      const id = record['id'];
      stored.push({
        key,
        ...(typeof id === 'string' || typeof id === 'number' ? { targetId: String(id) } : {}),
        fields: record,
      });
    }
    return stored;
  }

  public async ping(): Promise<PingCheck[]> {
    const tokenCheck = 'marketo: access token';
    const readCheck = 'marketo: read leads (describe)';
    try {
      await this.tokens.token();
    } catch (error) {
      return [
        { name: tokenCheck, ok: false, detail: describe(error) },
        { name: readCheck, ok: false, detail: 'not attempted: no access token' },
      ];
    }
    const checks: PingCheck[] = [{ name: tokenCheck, ok: true, detail: `token issued by ${new URL(this.baseUrl).host}` }];
    const describePath = marketoEndpoints['leads']?.describePath ?? '/rest/v1/leads/describe.json';
    try {
      await this.call('leads:describe', { method: 'GET', path: describePath });
      checks.push({ name: readCheck, ok: true, detail: `GET ${describePath} answered` });
    } catch (error) {
      checks.push({ name: readCheck, ok: false, detail: describe(error) });
    }
    return checks;
  }

  /** Field API names of an object, from Marketo's describe call (one paced call). */
  public async describeFields(object: string): Promise<ReadonlySet<string>> {
    const { describePath } = this.endpointsOf(object, `describe ${object}`);
    return readDescribedFields(await this.call(`${object}:describe`, { method: 'GET', path: describePath }));
  }

  public stats(): ConnectorStats {
    return this.tally.stats();
  }

  private endpointsOf(object: string, operation: string): MarketoObjectEndpoints {
    const endpoints = marketoEndpoints[object];
    if (!endpoints || !marketoDeclaration.objects[object]) {
      throw this.programmerError(operation, `unknown object ${JSON.stringify(object)} (known: ${Object.keys(marketoEndpoints).join(', ')})`);
    }
    return endpoints;
  }

  private assertBatchSize(operation: string, size: number): void {
    if (size > marketoDeclaration.maxBatch) {
      throw this.programmerError(operation, `${size} items in one call; Marketo accepts at most ${marketoDeclaration.maxBatch}`);
    }
  }

  private programmerError(operation: string, message: string): ExternalSystemError {
    return new ExternalSystemError(message, { system: SYSTEM, operation, kind: ErrorKind.Misconfigured });
  }

  private async writeBatch(
    stat: string,
    endpoint: MarketoWriteEndpoint,
    items: readonly TargetItem[],
    context: MarketoWriteContext,
  ): Promise<ItemResult[]> {
    const body = JSON.stringify(endpoint.toRequest(items, context));
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > marketoLimits.maxBodyBytes) {
      throw new ExternalSystemError(
        `request body of ${bytes} bytes for ${items.length} records exceeds Marketo's limit of ${marketoLimits.maxBodyBytes} bytes`,
        { system: SYSTEM, operation: `POST ${endpoint.path}`, kind: ErrorKind.Permanent, hint: 'send fewer or smaller records per call' },
      );
    }
    const envelope = await this.call(stat, { method: 'POST', path: endpoint.path, body });
    return endpoint.readResults(envelope, items, context);
  }

  /** Ids of the records matching each item's key, for endpoints that address records by id. */
  private async readIds(stat: string, read: MarketoReadEndpoint, items: readonly TargetItem[]): Promise<Map<string, string[]>> {
    const keys = [...new Set(items.map((item) => normalizeKey(read, item.key)))];
    const records = await this.readRecords(stat, read, keys, ['id', read.keyField]);
    const ids = new Map<string, string[]>();
    for (const record of records) {
      const key = record[read.keyField];
      const id = record['id'];
      if ((typeof key !== 'string' && typeof key !== 'number') || (typeof id !== 'string' && typeof id !== 'number')) continue;
      const normalized = normalizeKey(read, String(key));
      const list = ids.get(normalized) ?? [];
      if (!list.includes(String(id))) list.push(String(id));
      ids.set(normalized, list);
    }
    return ids;
  }

  /** A filter read, following `nextPageToken` until `moreResult` is false. */
  private async readRecords(
    stat: string,
    read: MarketoReadEndpoint,
    keys: readonly string[],
    fields: readonly string[] | undefined,
  ): Promise<Array<Record<string, unknown>>> {
    const records: Array<Record<string, unknown>> = [];
    const seenTokens = new Set<string>();
    let pageToken: string | undefined;
    for (let page = 1; ; page += 1) {
      const query = new URLSearchParams({
        filterType: read.filterType,
        filterValues: keys.join(','),
        batchSize: String(marketoLimits.maxBatch),
      });
      if (fields) query.set('fields', fields.join(','));
      if (pageToken) query.set('nextPageToken', pageToken);
      const envelope: MarketoEnvelope = await this.call(stat, { method: 'GET', path: read.path, query });
      for (const raw of envelope.result) {
        if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) records.push(raw as Record<string, unknown>);
      }
      const next = envelope.nextPageToken;
      if (envelope.moreResult !== true || !next) return records;
      // A vendor bug that repeats a page token must not loop forever.
      if (seenTokens.has(next) || page >= marketoLimits.maxPages) {
        throw new ExternalSystemError(`paging did not end after ${page} pages (repeated or endless nextPageToken)`, {
          system: SYSTEM,
          operation: `GET ${read.path}`,
          kind: ErrorKind.Retryable,
        });
      }
      seenTokens.add(next);
      pageToken = next;
    }
  }

  /**
   * One REST call: token, budget slot, request, classification. A 601/602 refreshes the token
   * (shared with every other caller) and retries once; 606/615 pause everyone sharing the budget.
   */
  private async call(stat: string, call: MarketoCall): Promise<MarketoEnvelope> {
    const operation = `${call.method} ${call.path}`;
    for (let attempt = 1; ; attempt += 1) {
      const token = await this.tokens.token();
      const request = this.toHttpRequest(call, token, operation);
      const response = await this.limiter.run(
        () => {
          this.tally.call(stat);
          return this.http.send(request);
        },
        (answer) => answer.headers,
      );
      const verdict = classifyMarketoResponse(response, { operation, now: this.now(), redact: [token, ...this.secrets] });
      if (verdict.ok) return verdict.envelope;
      const { error } = verdict;
      if (error.kind === ErrorKind.RateLimited) {
        this.tally.throttled();
        await this.limiter.pause(error.retryAfterMs ?? marketoLimits.rateLimitedWaitMs);
      }
      if (error.kind === ErrorKind.AuthExpired && attempt === 1) {
        await this.tokens.refresh(token);
        continue;
      }
      throw error;
    }
  }

  private toHttpRequest(call: MarketoCall, token: string, operation: string): HttpRequest {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    const url = new URL(`${this.baseUrl}${call.path}`);
    if (call.method === 'POST') {
      return { method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, body: call.body ?? '{}', operation };
    }
    const query = call.query?.toString() ?? '';
    if (query !== '') url.search = query;
    if (url.href.length <= marketoLimits.maxUriBytes - 1024) return { method: 'GET', url, headers, operation };
    // Long filter lists (300 e-mail addresses) exceed the 8 KB URI limit: Marketo reads a POST
    // with `_method=GET` and the parameters as a form body instead.
    const override = new URL(`${this.baseUrl}${call.path}`);
    override.searchParams.set('_method', 'GET');
    return {
      method: 'POST',
      url: override,
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: query,
      operation,
    };
  }
}

/** Splits items so that no call carries more than Marketo's 300 input entries. */
function chunkByInputs(items: readonly TargetItem[], inputs: (item: TargetItem) => number): TargetItem[][] {
  const chunks: TargetItem[][] = [];
  let current: TargetItem[] = [];
  let count = 0;
  for (const item of items) {
    const size = inputs(item);
    if (current.length > 0 && count + size > marketoLimits.maxBatch) {
      chunks.push(current);
      current = [];
      count = 0;
    }
    current.push(item);
    count += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
