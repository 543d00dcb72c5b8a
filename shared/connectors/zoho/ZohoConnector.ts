import { InProcessTokenStore, SharedTokenCache, type SharedToken } from '../../auth';
import { ErrorKind, ExternalSystemError } from '../../errors';
import { HostGuard, HttpClient, type HttpResponse } from '../../http';
import { inProcessLimiters, type CallLimiter } from '../../limits';
import { CallTally } from '../CallTally';
import {
  ItemOutcome,
  TargetAction,
  type ConnectorStats,
  type FetchedRecord,
  type ItemResult,
  type PingCheck,
  type StoredTargetRecord,
  type SubscriptionRequest,
  type SubscriptionState,
  type TargetConnector,
  type TargetDeclaration,
  type TargetItem,
  type TargetRef,
} from '../TargetConnector';
import type { TargetFactoryInput } from '../TargetDefinition';
import { classifyZohoResponse } from './classifyZohoResponse';
import { issueZohoToken, type ZohoCredentials } from './issueZohoToken';
import { readZohoRecordResult } from './readZohoRecordResult';
import { ZohoPushHooks } from './ZohoPushHooks';
import { zohoDataCenters } from './zohoDataCenters';
import { zohoDeclaration } from './zohoDeclaration';
import { zohoEditionConcurrency, type ZohoSettings } from './zohoSettingsSchema';

/** What one API call is: method, path under `/crm/{version}`, and what it costs in credits. */
interface ZohoCall {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly query?: URLSearchParams;
  readonly body?: unknown;
  /** Credits: ⌈records / 10⌉ for an upsert, 1 for the rest. */
  readonly cost: number;
  /** An upsert of more than 10 records: Zoho's heavy-call sub-concurrency applies. */
  readonly heavy: boolean;
}

const SYSTEM = 'zoho';
/** Conditions per search call (Zoho: at most 10 criteria joined with `or`). */
const CRITERIA_PER_SEARCH = 10;
/** Heavy calls in flight, whatever the edition (Zoho's sub-concurrency limit). */
const HEAVY_IN_FLIGHT = 10;

/** A value inside search criteria: parentheses, commas and backslashes are escaped. */
function criterion(field: string, value: string): string {
  return `(${field}:equals:${value.replace(/[\\(),]/g, (char) => `\\${char}`)})`;
}

function chunk<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Zoho CRM as a target: Contacts and Accounts upserted by their duplicate-check fields, at most
 * 100 per call. Every function of the stack shares one access token (`SharedTokenCache` in the
 * state table), refreshed at the data center's accounts server by one caller, and calls the
 * `api_domain` that token came with. Calls wait for the org's shared budget: calls in flight
 * for the edition, at most 10 heavy upserts, and the daily credit ledger (an upsert costs
 * ⌈n/10⌉). A termination marks the contact (status field and date) and any other upsert clears
 * the mark; a contact's account lookup is resolved to `{ id }`, and a contact whose account does
 * not exist yet is held back (retry) rather than written without it.
 */
export class ZohoConnector implements TargetConnector {
  public readonly declaration: TargetDeclaration = zohoDeclaration;
  private readonly settings: ZohoSettings;
  private readonly accountsUrl: string;
  private readonly http: HttpClient;
  private readonly tokens: SharedTokenCache;
  private readonly limiter: CallLimiter;
  private readonly heavyLimiter: CallLimiter;
  private readonly now: () => Date;
  private readonly accountIds = new Map<string, string>();
  private readonly tally = new CallTally();
  /** Zoho said its credit pool is empty: no call before this (ms). */
  private poolEmptyUntil = 0;

  public constructor(input: TargetFactoryInput<ZohoSettings>) {
    const { settings } = input;
    this.settings = settings;
    this.now = input.now ?? (() => new Date());
    this.accountsUrl = (settings.baseUrl ?? zohoDataCenters[settings.dataCenter]).replace(/\/+$/, '');
    const credentials: ZohoCredentials = {
      clientId: input.credentials['clientId']!,
      clientSecret: input.credentials['clientSecret']!,
      refreshToken: input.credentials['refreshToken']!,
    };
    this.http = new HttpClient({
      system: SYSTEM,
      guard: new HostGuard(input.hostPolicy),
      timeoutMs: settings.requestTimeoutMs,
      ...(input.fetch ? { fetch: input.fetch } : {}),
    });
    // The org's identity, never a secret: the accounts server and the client id.
    const account = `${this.accountsUrl}#${credentials.clientId}`;
    const secretName = settings.secret;
    this.tokens = new SharedTokenCache({
      system: SYSTEM,
      store: input.tokenStores?.({ system: SYSTEM, account }) ?? new InProcessTokenStore(),
      ...(input.tokenSealer ? { sealer: input.tokenSealer } : {}),
      sealContext: { system: SYSTEM, account },
      issue: () =>
        issueZohoToken({ http: this.http, accountsUrl: this.accountsUrl, credentials, secretName, strictApiDomain: settings.baseUrl === undefined }),
      now: () => this.now().getTime(),
      ...(input.sleep ? { sleep: input.sleep } : {}),
    });
    const clock = { now: () => this.now().getTime(), ...(input.sleep ? { sleep: input.sleep } : {}) };
    const limiters = input.limiters ?? inProcessLimiters(clock);
    const leaseMs = settings.requestTimeoutMs + 5_000;
    this.limiter = limiters({
      target: SYSTEM,
      account,
      limits: {
        windows: [],
        inFlight: zohoEditionConcurrency[settings.edition],
        dailyQuota: { calls: settings.credits.dailyBudget, timeZone: settings.credits.timeZone },
      },
      leaseMs,
    });
    this.heavyLimiter = limiters({ target: SYSTEM, account: `${account}#heavy`, limits: { windows: [], inFlight: HEAVY_IN_FLIGHT }, leaseMs });
  }

  /** Access tokens this connector asked the accounts server for. */
  public get tokensIssued(): number {
    return this.tokens.issued;
  }

  public async write(object: string, action: TargetAction, items: readonly TargetItem[]): Promise<ItemResult[]> {
    const operation = `write ${object}:${action}`;
    this.assertObject(object, operation);
    if (action !== TargetAction.Upsert) {
      throw this.misconfigured(operation, `Zoho ${object} are never deleted; use onDeactivate: upsert (a termination marks the contact)`);
    }
    if (items.length > zohoDeclaration.maxBatch) throw this.misconfigured(operation, `${items.length} items in one call; Zoho accepts at most ${zohoDeclaration.maxBatch}`);
    if (items.length === 0) return [];

    const results: ItemResult[] = [];
    let ready: Array<{ item: TargetItem; record: Record<string, unknown> }> = items.map((item) => ({ item, record: this.recordOf(object, item) }));
    if (object === 'Contacts') {
      const { field } = this.settings.accountLookup;
      const keys = [...new Set(ready.flatMap(({ record }) => (typeof record[field] === 'string' || typeof record[field] === 'number' ? [String(record[field])] : [])))];
      await this.resolveAccounts(keys);
      const resolved: typeof ready = [];
      for (const entry of ready) {
        const value = entry.record[field];
        if (typeof value !== 'string' && typeof value !== 'number') {
          resolved.push(entry);
          continue;
        }
        const id = this.accountIds.get(String(value).toLowerCase());
        if (id) {
          resolved.push({ item: entry.item, record: { ...entry.record, [field]: { id } } });
        } else {
          // Writing the contact without its account would lose the link for good: hold it.
          const message = `account ${JSON.stringify(String(value))} (${this.lookupBy()}) is not in Zoho yet; the contact waits for it`;
          results.push({ ref: entry.item.ref, outcome: ItemOutcome.Waiting, reason: { code: 'ACCOUNT_NOT_FOUND', message }, note: message });
        }
      }
      ready = resolved;
    }
    if (ready.length === 0) return results;

    const body = {
      data: ready.map(({ record }) => record),
      duplicate_check_fields: this.settings.duplicateCheck[object as 'Contacts' | 'Accounts'],
      trigger: this.settings.trigger,
    };
    const answer = await this.call(`${object}:upsert`, {
      method: 'POST',
      path: `/${object}/upsert`,
      body,
      cost: Math.ceil(ready.length / 10),
      heavy: ready.length > 10,
    });
    const data = Array.isArray(answer?.['data']) ? (answer['data'] as unknown[]) : [];
    ready.forEach(({ item }, index) => {
      const verdict = readZohoRecordResult(data[index]);
      results.push({ ref: item.ref, ...verdict });
      if (object === 'Accounts' && verdict.targetId) {
        const key = item.payload[this.lookupBy()];
        if (typeof key === 'string' || typeof key === 'number') this.accountIds.set(String(key).toLowerCase(), verdict.targetId);
      }
    });
    return results;
  }

  public async readBack(object: string, keys: readonly string[], fields?: readonly string[]): Promise<StoredTargetRecord[]> {
    this.assertObject(object, `readBack ${object}`);
    const keyField = zohoDeclaration.objects[object]!.keyField;
    const found = await this.search(`${object}:read`, object, keyField, keys);
    const wanted = new Map(keys.map((key) => [key.toLowerCase(), key]));
    return found.flatMap((record) => {
      const key = wanted.get(String(record[keyField] ?? '').toLowerCase());
      if (key === undefined) return [];
      const kept = fields ? Object.fromEntries(Object.entries(record).filter(([name]) => fields.includes(name) || name === keyField)) : record;
      return [{ key, ...(typeof record['id'] === 'string' ? { targetId: record['id'] } : {}), fields: kept }];
    });
  }

  public async ping(): Promise<PingCheck[]> {
    const tokenCheck = 'zoho: access token';
    let token: SharedToken;
    try {
      token = await this.tokens.token();
    } catch (error) {
      return [{ name: tokenCheck, ok: false, detail: describe(error) }];
    }
    const checks: PingCheck[] = [
      { name: tokenCheck, ok: true, detail: `issued by ${new URL(this.accountsUrl).host}; API calls go to ${token.meta['apiDomain']}` },
    ];
    const { termination, accountLookup, duplicateCheck } = this.settings;
    const needs: Record<string, Array<{ field: string; unique?: boolean; why: string }>> = {
      Contacts: [
        ...duplicateCheck.Contacts.map((field) => ({ field, unique: true, why: 'duplicate check' })),
        { field: termination.statusField, why: 'termination status' },
        ...(termination.dateField ? [{ field: termination.dateField, why: 'termination date' }] : []),
        { field: accountLookup.field, why: 'account lookup' },
      ],
      Accounts: [
        ...duplicateCheck.Accounts.map((field) => ({ field, unique: true, why: 'duplicate check' })),
        { field: this.lookupBy(), unique: true, why: 'account lookup key' },
      ],
    };
    for (const [module, required] of Object.entries(needs)) {
      const name = `zoho: ${module} fields`;
      try {
        const fields = await this.fieldsOf(module);
        const problems = required.flatMap(({ field, unique, why }) => {
          const spec = fields.get(field);
          if (!spec) return [`${field} (${why}) does not exist`];
          if (unique && !spec.unique) return [`${field} (${why}) is not a duplicate-check or unique field`];
          return [];
        });
        checks.push({ name, ok: problems.length === 0, detail: problems.length === 0 ? `${fields.size} fields, ${required.length} needed ones present` : problems.join('; ') });
      } catch (error) {
        checks.push({ name, ok: false, detail: describe(error) });
      }
    }
    return checks;
  }

  public async describeFields(object: string): Promise<ReadonlySet<string>> {
    this.assertObject(object, `describe ${object}`);
    return new Set((await this.fieldsOf(object)).keys());
  }

  // Push hooks (F7): the code is in ZohoPushHooks; these hand it this connector's calls.
  public subscribe(request: SubscriptionRequest): Promise<SubscriptionState> {
    return this.push.subscribe(request);
  }

  public fetchByIds(object: string, refs: readonly TargetRef[]): Promise<FetchedRecord[]> {
    return this.push.fetchByIds(object, refs);
  }

  public listChanged(object: string, since: string, until: string): AsyncIterable<FetchedRecord[]> {
    return this.push.listChanged(object, since, until);
  }

  private readonly push = new ZohoPushHooks({
    apiVersion: () => this.settings.apiVersion,
    call: (stat, call) => this.call(stat, call),
    fieldNames: async (module) => [...(await this.fieldsOf(module)).keys()],
    now: () => this.now(),
  });

  public stats(): ConnectorStats {
    return this.tally.stats();
  }

  /** The Accounts field a contact's account key is matched by. */
  private lookupBy(): string {
    return this.settings.accountLookup.by ?? this.settings.duplicateCheck.Accounts[0]!;
  }

  /** The payload as Zoho receives it: contacts carry the termination mark, or its absence. */
  private recordOf(object: string, item: TargetItem): Record<string, unknown> {
    const record: Record<string, unknown> = Object.fromEntries(Object.entries(item.payload).filter(([, value]) => value !== undefined));
    if (object !== 'Contacts') return record;
    const { statusField, activeValue, terminatedValue, dateField } = this.settings.termination;
    if (item.deactivated) {
      record[statusField] = terminatedValue;
      if (dateField && (record[dateField] === undefined || record[dateField] === null || record[dateField] === '')) {
        record[dateField] = this.now().toISOString().slice(0, 10);
      }
    } else {
      record[statusField] = activeValue;
      if (dateField) record[dateField] = null;
    }
    return record;
  }

  /** Finds the Zoho ids of accounts by their key (10 per search call); remembered for the container's life. */
  private async resolveAccounts(keys: readonly string[]): Promise<void> {
    const missing = keys.filter((key) => !this.accountIds.has(key.toLowerCase()));
    if (missing.length === 0) return;
    const by = this.lookupBy();
    for (const record of await this.search('Accounts:lookup', 'Accounts', by, missing)) {
      const key = record[by];
      if ((typeof key === 'string' || typeof key === 'number') && typeof record['id'] === 'string') this.accountIds.set(String(key).toLowerCase(), record['id']);
    }
  }

  private async search(stat: string, module: string, field: string, values: readonly string[]): Promise<Array<Record<string, unknown>>> {
    // The searches of one batch go out together (each is a light call inside the shared budget):
    // a batch naming 40 accounts waits for one search, not four in a row.
    const answers = await Promise.all(
      chunk([...new Set(values)], CRITERIA_PER_SEARCH).map((part) => {
        const query = new URLSearchParams({ criteria: part.map((value) => criterion(field, value)).join('or') });
        return this.call(stat, { method: 'GET', path: `/${module}/search`, query, cost: 1, heavy: false });
      }),
    );
    return answers.flatMap((answer) => {
      const data = answer?.['data'];
      return Array.isArray(data) ? data.filter((entry): entry is Record<string, unknown> => !!entry && typeof entry === 'object') : [];
    });
  }

  private async fieldsOf(module: string): Promise<Map<string, { unique: boolean }>> {
    const answer = await this.call(`${module}:describe`, { method: 'GET', path: '/settings/fields', query: new URLSearchParams({ module }), cost: 1, heavy: false });
    const fields = Array.isArray(answer?.['fields']) ? (answer['fields'] as Array<Record<string, unknown>>) : [];
    return new Map(
      fields.flatMap((field) => (typeof field['api_name'] === 'string' ? [[field['api_name'], { unique: field['unique'] === true || (typeof field['unique'] === 'object' && field['unique'] !== null) }]] : [])),
    );
  }

  /**
   * One API call: shared token, shared budget (credits and calls in flight), request,
   * classification. An INVALID_TOKEN is answered by one shared refresh and one retry.
   */
  private async call(stat: string, call: ZohoCall): Promise<Record<string, unknown> | undefined> {
    const operation = `${call.method} /crm/${this.settings.apiVersion}${call.path}`;
    for (let attempt = 1; ; attempt += 1) {
      if (this.poolEmptyUntil > this.now().getTime()) {
        const resetsAt = new Date(this.poolEmptyUntil);
        throw new ExternalSystemError(`the org's API credits are used up (X-API-CREDITS-REMAINING: 0)`, {
          system: SYSTEM,
          operation,
          kind: ErrorKind.QuotaExhausted,
          resetsAt,
          hint: `writes wait until ${resetsAt.toISOString()}`,
        });
      }
      // The token is taken once the call has its slot: a wait for the budget never sends a
      // token that expired meanwhile, and every caller sees the one a refresh just stored.
      const send = (): Promise<{ response: HttpResponse; token: SharedToken }> =>
        this.limiter.run(
          async () => {
            const token = await this.tokens.token();
            const url = new URL(`${token.meta['apiDomain']}/crm/${this.settings.apiVersion}${call.path}`);
            if (call.query) url.search = call.query.toString();
            this.tally.call(stat);
            const response = await this.http.send({
              method: call.method,
              url,
              headers: {
                authorization: `Zoho-oauthtoken ${token.value}`,
                accept: 'application/json',
                ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
              },
              ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
              operation,
            });
            return { response, token };
          },
          undefined,
          call.cost,
        );
      const { response, token } = call.heavy ? await this.heavyLimiter.run(send) : await send();
      const remaining = response.headers.get('x-api-credits-remaining');
      if (remaining !== null && remaining.trim() !== '' && Number(remaining) <= 0) {
        this.poolEmptyUntil = this.now().getTime() + this.settings.credits.probeMinutes * 60_000;
      }
      const verdict = classifyZohoResponse(response, { operation, now: this.now(), creditsProbeMs: this.settings.credits.probeMinutes * 60_000 });
      if (verdict.ok) return verdict.body;
      const { error } = verdict;
      if (error.kind === ErrorKind.RateLimited) {
        this.tally.throttled();
        await this.limiter.pause(error.retryAfterMs ?? 1_500);
      }
      if (error.kind === ErrorKind.QuotaExhausted && error.resetsAt) this.poolEmptyUntil = error.resetsAt.getTime();
      if (error.kind === ErrorKind.AuthExpired && attempt === 1) {
        await this.tokens.refresh(token.value);
        continue;
      }
      if (error.kind === ErrorKind.AuthExpired) {
        throw new ExternalSystemError('Zoho refused a freshly issued access token (INVALID_TOKEN)', {
          system: SYSTEM,
          operation,
          kind: ErrorKind.Retryable,
          status: error.status ?? 401,
        });
      }
      throw error;
    }
  }

  private assertObject(object: string, operation: string): void {
    if (!zohoDeclaration.objects[object]) {
      throw this.misconfigured(operation, `unknown object ${JSON.stringify(object)} (known: ${Object.keys(zohoDeclaration.objects).join(', ')})`);
    }
  }

  private misconfigured(operation: string, message: string): ExternalSystemError {
    return new ExternalSystemError(message, { system: SYSTEM, operation, kind: ErrorKind.Misconfigured });
  }
}
