import { ErrorKind, ExternalSystemError } from '../../errors';
import { HostGuard, HttpClient, type HostPolicy, type HttpRequest } from '../../http';
import { inProcessLimiters, type CallLease, type CallLimiter, type LimiterFactory } from '../../limits';
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
import { classifyZendeskResponse } from './classifyZendeskResponse';
import { JobStatusWatcher, type WatchedJob } from './JobStatusWatcher';
import { readJobResults, type JobEntry, type JobVerdict } from './readJobResults';
import { zendeskDeclaration } from './zendeskDeclaration';
import { zendeskLimits } from './zendeskLimits';
import type { ZendeskSettings } from './zendeskSettingsSchema';

/** The API token's agent: `Authorization: Basic base64("{email}/token:{apiToken}")`. */
export interface ZendeskCredentials {
  readonly email: string;
  readonly apiToken: string;
}

/** What a `ZendeskConnector` is built from; `fetch`, `now` and `sleep` default to the real ones. */
export interface ZendeskConnectorOptions {
  readonly settings: ZendeskSettings;
  readonly credentials: ZendeskCredentials;
  readonly hostPolicy: HostPolicy;
  readonly limiters?: LimiterFactory;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

interface ZendeskCall {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** Path under the base URL, e.g. `/api/v2/users/show_many`. */
  readonly path: string;
  readonly query?: URLSearchParams;
  readonly body?: unknown;
}

type JobOutcome = WatchedJob;

const SYSTEM = 'zendesk';
const USERS = '/api/v2/users';
const ORGANIZATIONS = '/api/v2/organizations';
/** Standard user fields the connector writes or reads back. */
const STANDARD_USER_FIELDS = ['external_id', 'email', 'name', 'phone', 'suspended', 'role', 'details', 'notes', 'tags', 'organization_id', 'time_zone', 'locale'];
const STANDARD_ORGANIZATION_FIELDS = ['external_id', 'name', 'details', 'notes', 'domain_names', 'tags', 'group_id', 'shared_tickets', 'shared_comments'];

function zendeskBaseUrl(settings: ZendeskSettings): string {
  return (settings.baseUrl ?? `https://${settings.subdomain}.zendesk.com`).replace(/\/+$/, '').replace(/\/api\/v2$/, '');
}

/**
 * The declared limits with the per-minute window lowered to the customer's plan, less a few
 * requests left to the account's other clients. Those few also keep `X-Rate-Limit-Remaining`
 * above zero while only this connector calls, so the remaining it reports only ever holds the
 * calls back when something else is using the account's minute.
 */
function budgetOf(settings: ZendeskSettings): TargetLimits {
  const declared = zendeskDeclaration.limits;
  const reserve = Math.max(zendeskLimits.minReserved, Math.ceil(settings.requestsPerMinute * zendeskLimits.reservedShare));
  return {
    ...declared,
    windows: declared.windows.map((window) =>
      window.windowMs === zendeskLimits.rateWindowMs ? { ...window, calls: Math.min(window.calls, settings.requestsPerMinute - reserve) } : window,
    ),
  };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
}

/**
 * Zendesk Support as a target: PeopleSoft employees as users, vendors as organizations, both
 * matched by `external_id`. Users are written with `create_or_update_many` (100 a job), and a
 * termination suspends the user in the same way (never deletes); every upsert also sets
 * `suspended: false`, so a rehire is un-suspended. Organizations are read by external id, then
 * created with `create_many` and updated with `update_many`; a vendor gone inactive keeps its
 * organization and is only noted in the audit trail. Each job is followed to completion (one
 * `job_statuses/show_many` look covers every job this connector follows, spaced so that looks
 * take a small share of the plan's requests) and its results, in whatever order and however
 * keyed, are mapped back to records; records whose job did not finish within `jobWaitSeconds`
 * are handed back for a retry, which reads them back first. Calls are paced to the plan's
 * requests per minute and `X-Rate-Limit-Remaining`; a 429 pauses every caller for its
 * `Retry-After`; jobs in flight are held under the account's 30.
 */
export class ZendeskConnector implements TargetConnector {
  public readonly declaration: TargetDeclaration = zendeskDeclaration;
  private readonly baseUrl: string;
  private readonly http: HttpClient;
  private readonly limiter: CallLimiter;
  private readonly jobSlots: CallLimiter;
  private readonly authorization: string;
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly settings: ZendeskSettings;
  private readonly secretName: string;
  private readonly jobs: JobStatusWatcher;
  private readonly tally = new CallTally();
  /** Share of the minute's requests left, as the last answer's `X-Rate-Limit-Remaining` said. */
  private budgetLeft = 1;

  public constructor(options: ZendeskConnectorOptions) {
    const { settings } = options;
    this.settings = settings;
    this.secretName = settings.secret;
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.baseUrl = zendeskBaseUrl(settings);
    this.authorization = `Basic ${Buffer.from(`${options.credentials.email}/token:${options.credentials.apiToken}`).toString('base64')}`;
    this.http = new HttpClient({
      system: SYSTEM,
      guard: new HostGuard(options.hostPolicy),
      timeoutMs: settings.requestTimeoutMs,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    const limiters = options.limiters ?? inProcessLimiters({ now: () => this.now().getTime(), ...(options.sleep ? { sleep: options.sleep } : {}) });
    this.limiter = limiters({
      target: SYSTEM,
      account: this.baseUrl,
      limits: budgetOf(settings),
      leaseMs: settings.requestTimeoutMs + zendeskLimits.leaseMarginMs,
    });
    // A queued job is not a call in flight: it holds one of the account's 30 job slots from its
    // submission until it completes, shared by every writer of the account. A job given up on
    // keeps its slot until the lease lapses, as it may still be queued at Zendesk.
    this.jobSlots = limiters({
      target: SYSTEM,
      account: `${this.baseUrl}#jobs`,
      limits: { windows: [], inFlight: zendeskLimits.maxQueuedJobs },
      leaseMs: settings.jobWaitSeconds * 1000 + settings.requestTimeoutMs * 2,
    });
    this.jobs = new JobStatusWatcher({
      showMany: (ids) => this.showJobs(ids),
      interval: () => this.pollInterval(),
      now: () => this.now().getTime(),
      sleep: this.sleep,
    });
  }

  public async write(object: string, action: TargetAction, items: readonly TargetItem[]): Promise<ItemResult[]> {
    this.assertObject(object, `write ${object}:${action}`);
    if (!zendeskDeclaration.objects[object]!.actions.includes(action)) {
      throw this.misconfigured(`write ${object}:${action}`, `action ${JSON.stringify(action)} is not supported on ${object}`);
    }
    this.assertBatch(`write ${object}:${action}`, items.length);
    if (items.length === 0) return [];
    if (object === 'users') return this.writeUsers(action, items);
    if (action === TargetAction.Delete) {
      // Organizations outlive their vendor: nothing is sent, the audit trail says why.
      return items.map((item) => ({ ref: item.ref, outcome: ItemOutcome.NotFound, note: 'organization kept; vendor inactive' }));
    }
    return this.upsertOrganizations(items);
  }

  public async readBack(object: string, keys: readonly string[]): Promise<StoredTargetRecord[]> {
    this.assertObject(object, `readBack ${object}`);
    this.assertBatch(`readBack ${object}`, keys.length);
    if (keys.length === 0) return [];
    const wanted = new Map(keys.map((key) => [key.toLowerCase(), key]));
    const records = object === 'users' ? await this.showUsers(keys) : await this.showOrganizations(`${object}:read`, keys);
    const stored: StoredTargetRecord[] = [];
    for (const record of records) {
      const key = wanted.get(String(record['external_id'] ?? '').toLowerCase());
      if (key === undefined) continue;
      const id = text(record['id']);
      stored.push({ key, ...(id ? { targetId: id } : {}), fields: object === 'users' ? this.flattenUser(record) : record });
    }
    return stored;
  }

  public async ping(): Promise<PingCheck[]> {
    const authCheck = 'zendesk: API token (GET /api/v2/users/me)';
    const fieldsCheck = 'zendesk: user fields';
    let me: Record<string, unknown>;
    try {
      me = await this.call('users:me', { method: 'GET', path: `${USERS}/me` });
    } catch (error) {
      return [
        { name: authCheck, ok: false, detail: describe(error) },
        { name: fieldsCheck, ok: false, detail: 'not attempted: the API token was not accepted' },
      ];
    }
    const user = (me['user'] ?? {}) as Record<string, unknown>;
    const role = String(user['role'] ?? 'unknown');
    const checks: PingCheck[] = [
      role === 'agent' || role === 'admin'
        ? { name: authCheck, ok: true, detail: `authenticated as ${String(user['email'] ?? 'the token agent')} (${role}) on ${new URL(this.baseUrl).host}` }
        : { name: authCheck, ok: false, detail: `the token's user has role ${role}; users and organizations need an agent or admin` },
    ];
    try {
      const existing = await this.userFieldKeys();
      const missing = this.settings.userFields.filter((key) => !existing.has(key));
      checks.push(
        missing.length === 0
          ? { name: fieldsCheck, ok: true, detail: `${this.settings.userFields.join(', ') || '(none configured)'} exist` }
          : {
              name: fieldsCheck,
              ok: false,
              detail: `missing user field(s) ${missing.join(', ')}: create them in Admin Center → People → Configuration → User fields (key exactly as configured)`,
            },
      );
    } catch (error) {
      checks.push({ name: fieldsCheck, ok: false, detail: describe(error) });
    }
    return checks;
  }

  /** Standard fields of the object, plus (users) the custom user field keys the account has. */
  public async describeFields(object: string): Promise<ReadonlySet<string>> {
    this.assertObject(object, `describe ${object}`);
    if (object === 'organizations') return new Set(STANDARD_ORGANIZATION_FIELDS);
    return new Set([...STANDARD_USER_FIELDS, ...(await this.userFieldKeys())]);
  }

  public stats(): ConnectorStats {
    return this.tally.stats();
  }

  private async writeUsers(action: TargetAction, items: readonly TargetItem[]): Promise<ItemResult[]> {
    const suspend = action === TargetAction.Delete;
    const users = items.map((item) => (suspend ? { external_id: item.key, suspended: true } : this.toUser(item)));
    const outcome = await this.runJob(`users:${action}`, { method: 'POST', path: `${USERS}/create_or_update_many`, body: { users } });
    if (outcome.kind !== 'completed') return items.map((item) => unfinished(item, outcome));
    const entries: JobEntry[] = items.map((item, index) => ({
      externalId: item.key,
      ...(text(users[index]!['email']) ? { email: text(users[index]!['email'])! } : {}),
    }));
    const read = readJobResults(outcome.results, entries);
    const verdicts = new Map(read.byPosition);
    await this.attributeByLookup(items, verdicts, read.byId);
    return items.map((item, index) => {
      const verdict = verdicts.get(index);
      if (!verdict) return { ref: item.ref, outcome: ItemOutcome.Retry, reason: { message: "Zendesk's job listed no result that could be matched to this user" } };
      if (!suspend) return { ref: item.ref, ...verdict };
      // Suspending goes through create-or-update; a user it would have to create (no name) is not there.
      if (verdict.outcome === ItemOutcome.Rejected && verdict.reason?.code === 'UserCreateError') {
        return { ref: item.ref, outcome: ItemOutcome.NotFound, note: 'no Zendesk user with this external id to suspend' };
      }
      if (verdict.outcome === ItemOutcome.Rejected) return { ref: item.ref, ...verdict };
      return { ref: item.ref, outcome: ItemOutcome.Deleted, ...(verdict.targetId ? { targetId: verdict.targetId } : {}), note: 'user suspended (never deleted)' };
    });
  }

  /** The wire form of a user upsert: custom fields under `user_fields`, never suspended. */
  private toUser(item: TargetItem): Record<string, unknown> {
    const user: Record<string, unknown> = {};
    const custom: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(item.payload)) {
      if (this.settings.userFields.includes(field)) custom[field] = value;
      else user[field] = value;
    }
    return {
      ...user,
      external_id: item.key,
      ...(Object.keys(custom).length > 0 ? { user_fields: custom } : {}),
      // A rehire must sign in again: a write of an active employee lifts an earlier suspension.
      suspended: false,
      // Synced people are not sent Zendesk's verification e-mail.
      skip_verify_email: true,
    };
  }

  private flattenUser(record: Record<string, unknown>): Record<string, unknown> {
    const { user_fields: custom, ...rest } = record;
    return { ...rest, ...((custom && typeof custom === 'object' ? custom : {}) as Record<string, unknown>) };
  }

  /**
   * Results that named a user only by a new id: one read by external id of the records still
   * unmatched tells which id is whose.
   */
  private async attributeByLookup(items: readonly TargetItem[], verdicts: Map<number, JobVerdict>, byId: ReadonlyMap<string, JobVerdict>): Promise<void> {
    const open = items.map((item, index) => ({ item, index })).filter(({ index }) => !verdicts.has(index));
    if (open.length === 0 || byId.size === 0) return;
    let found: Array<Record<string, unknown>>;
    try {
      found = await this.showUsers(open.map(({ item }) => item.key));
    } catch {
      return; // unmatched records are retried; the retry reads them back first
    }
    const idByKey = new Map(found.map((user) => [String(user['external_id'] ?? '').toLowerCase(), text(user['id'])]));
    for (const { item, index } of open) {
      const id = idByKey.get(item.key.toLowerCase());
      const verdict = id === undefined ? undefined : byId.get(id);
      if (verdict) verdicts.set(index, verdict);
    }
  }

  private async upsertOrganizations(items: readonly TargetItem[]): Promise<ItemResult[]> {
    const existing = new Map<string, string>();
    for (const org of await this.showOrganizations('organizations:upsert', items.map((item) => item.key))) {
      const id = text(org['id']);
      if (id) existing.set(String(org['external_id'] ?? '').toLowerCase(), id);
    }
    const toCreate = items.filter((item) => !existing.has(item.key.toLowerCase()));
    const toUpdate = items.filter((item) => existing.has(item.key.toLowerCase()));
    const wire = (item: TargetItem, id?: string): Record<string, unknown> => ({ ...(id ? { id: Number(id) } : {}), ...item.payload, external_id: item.key });
    const [created, updated] = await Promise.all([
      toCreate.length === 0
        ? []
        : this.organizationJob(toCreate, { method: 'POST', path: `${ORGANIZATIONS}/create_many`, body: { organizations: toCreate.map((item) => wire(item)) } }, () => ({})),
      toUpdate.length === 0
        ? []
        : this.organizationJob(
            toUpdate,
            { method: 'PUT', path: `${ORGANIZATIONS}/update_many`, body: { organizations: toUpdate.map((item) => wire(item, existing.get(item.key.toLowerCase()))) } },
            (item) => ({ id: existing.get(item.key.toLowerCase())! }),
          ),
    ]);
    return [...created, ...updated];
  }

  private async organizationJob(items: readonly TargetItem[], call: ZendeskCall, entryOf: (item: TargetItem) => JobEntry): Promise<ItemResult[]> {
    const outcome = await this.runJob('organizations:upsert', call);
    if (outcome.kind !== 'completed') return items.map((item) => unfinished(item, outcome));
    const read = readJobResults(outcome.results, items.map((item) => ({ externalId: item.key, ...entryOf(item) })));
    return items.map((item, index) => {
      const verdict = read.byPosition.get(index);
      return verdict
        ? { ref: item.ref, ...verdict }
        : { ref: item.ref, outcome: ItemOutcome.Retry, reason: { message: "Zendesk's job listed no result for this organization" } };
    });
  }

  /**
   * Submits one bulk job (holding one of the account's queued-job slots) and follows it, with
   * every other job of this connector, until it completes, fails, or `jobWaitSeconds` have passed.
   */
  private async runJob(stat: string, call: ZendeskCall): Promise<JobOutcome> {
    const slot: CallLease = await this.jobSlots.acquire();
    let submitted: Record<string, unknown>;
    try {
      submitted = await this.call(stat, call);
    } catch (error) {
      await slot.release();
      throw error;
    }
    const status = (submitted['job_status'] ?? {}) as Record<string, unknown>;
    const jobId = text(status['id']);
    if (!jobId) {
      await slot.release();
      throw new ExternalSystemError('the job submission answered no job_status id', { system: SYSTEM, operation: `${call.method} ${call.path}`, kind: ErrorKind.Retryable });
    }
    let outcome: JobOutcome;
    try {
      outcome =
        status['status'] === 'completed'
          ? { kind: 'completed', results: status['results'] }
          : await this.jobs.follow(jobId, this.now().getTime() + this.settings.jobWaitSeconds * 1000);
    } catch (error) {
      await slot.release();
      throw error;
    }
    // A job given up on keeps its slot until the lease lapses: it may still be queued at Zendesk.
    if (outcome.kind !== 'unfinished') await slot.release();
    return outcome;
  }

  /**
   * Wait between two looks at the jobs followed: `jobPollMs` while most of the minute's budget is
   * left (as the last `X-Rate-Limit-Remaining` said), else long enough that looks take at most
   * `zendeskLimits.pollShare` of the plan's requests, leaving the rest to job submissions.
   */
  private pollInterval(): number {
    const base = this.settings.jobPollMs;
    if (this.budgetLeft > zendeskLimits.pollFreelyAbove) return base;
    return Math.max(base, Math.ceil(zendeskLimits.rateWindowMs / (this.settings.requestsPerMinute * zendeskLimits.pollShare)));
  }

  private async showJobs(ids: readonly string[]): Promise<Array<Record<string, unknown>>> {
    const body = await this.call('job_statuses:show_many', { method: 'GET', path: '/api/v2/job_statuses/show_many', query: new URLSearchParams({ ids: ids.join(',') }) });
    return Array.isArray(body['job_statuses']) ? (body['job_statuses'] as Array<Record<string, unknown>>) : [];
  }

  private async showUsers(keys: readonly string[]): Promise<Array<Record<string, unknown>>> {
    const body = await this.call('users:read', { method: 'GET', path: `${USERS}/show_many`, query: new URLSearchParams({ external_ids: keys.join(',') }) });
    return Array.isArray(body['users']) ? (body['users'] as Array<Record<string, unknown>>) : [];
  }

  private async showOrganizations(stat: string, keys: readonly string[]): Promise<Array<Record<string, unknown>>> {
    const body = await this.call(stat, { method: 'GET', path: `${ORGANIZATIONS}/show_many`, query: new URLSearchParams({ external_ids: keys.join(',') }) });
    return Array.isArray(body['organizations']) ? (body['organizations'] as Array<Record<string, unknown>>) : [];
  }

  private async userFieldKeys(): Promise<Set<string>> {
    const body = await this.call('user_fields:list', { method: 'GET', path: '/api/v2/user_fields' });
    const list = Array.isArray(body['user_fields']) ? (body['user_fields'] as Array<Record<string, unknown>>) : [];
    return new Set(list.flatMap((field) => (typeof field['key'] === 'string' ? [field['key']] : [])));
  }

  /** One paced request, classified; a 429 pauses every caller of the account for its `Retry-After`. */
  private async call(stat: string, call: ZendeskCall): Promise<Record<string, unknown>> {
    const operation = `${call.method} ${call.path}`;
    const url = new URL(`${this.baseUrl}${call.path}`);
    if (call.query) url.search = call.query.toString();
    const request: HttpRequest = {
      method: call.method,
      url,
      headers: {
        authorization: this.authorization,
        accept: 'application/json',
        ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
      operation,
    };
    const response = await this.limiter.run(
      () => {
        this.tally.call(stat);
        return this.http.send(request);
      },
      (answer) => answer.headers,
    );
    const remaining = Number(response.headers.get('x-rate-limit-remaining') ?? Number.NaN);
    const limit = Number(response.headers.get('x-rate-limit') ?? this.settings.requestsPerMinute);
    if (Number.isFinite(remaining) && limit > 0) this.budgetLeft = remaining / limit;
    const verdict = classifyZendeskResponse(response, { operation, now: this.now(), secretName: this.secretName });
    if (verdict.ok) return verdict.body;
    if (verdict.error.kind === ErrorKind.RateLimited) {
      this.tally.throttled();
      await this.limiter.pause(verdict.error.retryAfterMs ?? zendeskLimits.rateLimitedWaitMs);
    }
    throw verdict.error;
  }

  private assertObject(object: string, operation: string): void {
    if (!zendeskDeclaration.objects[object]) {
      throw this.misconfigured(operation, `unknown object ${JSON.stringify(object)} (known: ${Object.keys(zendeskDeclaration.objects).join(', ')})`);
    }
  }

  private assertBatch(operation: string, size: number): void {
    if (size > zendeskDeclaration.maxBatch) throw this.misconfigured(operation, `${size} items in one call; Zendesk accepts at most ${zendeskDeclaration.maxBatch}`);
  }

  private misconfigured(operation: string, message: string): ExternalSystemError {
    return new ExternalSystemError(message, { system: SYSTEM, operation, kind: ErrorKind.Misconfigured });
  }
}

function unfinished(item: TargetItem, outcome: Exclude<JobOutcome, { kind: 'completed' }>): ItemResult {
  const message =
    outcome.kind === 'failed' ? outcome.message : `Zendesk job ${outcome.jobId} had not completed when this write's time ran out; it is read back on the retry`;
  return { ref: item.ref, outcome: ItemOutcome.Retry, reason: { message } };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
