import { ErrorKind, ExternalSystemError } from '../../errors';
import { HostGuard, HttpClient, type HostPolicy, type HttpRequest } from '../../http';
import { inProcessLimiters, type CallLimiter, type LimiterFactory } from '../../limits';
import {
  TargetAction,
  type ConnectorStats,
  type ItemResult,
  type PingCheck,
  type StoredTargetRecord,
  type TargetConnector,
  type TargetDeclaration,
  type TargetItem,
} from '../TargetConnector';
import { CallTally } from '../CallTally';
import { classifyMailchimpResponse } from './classifyMailchimpResponse';
import { mailchimpDeclaration } from './declaration';
import { mailchimpLimits } from './mailchimpLimits';
import type { MailchimpConfig } from './mailchimpSettingsSchema';
import { readBatchResults } from './readBatchResults';
import { subscriberHash } from './subscriberHash';

/** What a `MailchimpConnector` is built from; `fetch`, `now` and `sleep` default to the real ones. */
export interface MailchimpConnectorOptions {
  readonly config: MailchimpConfig;
  /** `<key>-<dc>`: the data center after the last dash routes every call. */
  readonly apiKey: string;
  readonly hostPolicy: HostPolicy;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Where the account's connection budget lives. Default: this process. */
  readonly limiters?: LimiterFactory;
}

interface MailchimpCall {
  readonly method: 'GET' | 'POST';
  /** Path under `/3.0`, e.g. `/lists/a1b2c3d4e5`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

const SYSTEM = 'mailchimp';
/** Payload fields that are not merge fields. */
const KEY_FIELD = 'email_address';
const MERGE_TAG = /^[A-Z0-9_]{1,10}$/;

/** The API root of a key: `https://<dc>.api.mailchimp.com/3.0`, or `baseUrl` (+ `/3.0`) when set. */
export function mailchimpApiRoot(apiKey: string, baseUrl?: string): string {
  if (baseUrl) return `${baseUrl.replace(/\/+$/, '').replace(/\/3\.0$/, '')}/3.0`;
  const dc = apiKey.includes('-') ? apiKey.slice(apiKey.lastIndexOf('-') + 1) : '';
  if (!/^[a-z]+\d+$/.test(dc)) {
    throw new ExternalSystemError('the API key does not end with its data center (e.g. -us6)', {
      system: SYSTEM,
      operation: 'read API key',
      kind: ErrorKind.Misconfigured,
      hint: 'copy the whole key from Profile → Extras → API keys',
    });
  }
  return `https://${dc}.api.mailchimp.com/3.0`;
}

/**
 * Mailchimp Marketing as a target: employees (F3) and customers' contacts (F4) as members of one
 * audience each. Every write is one batch subscribe call (`POST /lists/{id}`, 500 members,
 * `update_existing: true`). An upsert sends `status_if_new: subscribed` and no `status`, so
 * Mailchimp keeps an existing member's status: nobody who unsubscribed or bounced is subscribed
 * again (a rehire included), only their merge fields change, and the answer's
 * `updated_members[].status` tells the audit which were kept. A delete unsubscribes; nothing is ever
 * archived or permanently deleted. Calls wait for the account's 10 connections (shared by every
 * flow and container); a 429 or bare 403 pauses them all and is retried by the pipeline.
 */
export class MailchimpConnector implements TargetConnector {
  public readonly declaration: TargetDeclaration = mailchimpDeclaration;
  private readonly root: string;
  private readonly http: HttpClient;
  private readonly limiter: CallLimiter;
  private readonly tally = new CallTally();

  public constructor(private readonly options: MailchimpConnectorOptions) {
    const { config } = options;
    this.root = mailchimpApiRoot(options.apiKey, config.baseUrl);
    this.http = new HttpClient({
      system: SYSTEM,
      guard: new HostGuard(options.hostPolicy),
      timeoutMs: config.requestTimeoutMs,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    const now = options.now ?? (() => new Date());
    const limiters = options.limiters ?? inProcessLimiters({ now: () => now().getTime(), ...(options.sleep ? { sleep: options.sleep } : {}) });
    this.limiter = limiters({
      target: SYSTEM,
      // The limit is per user; every flow of the customer uses the same key, so its data center
      // (the API root) names the budget without the key itself being stored anywhere.
      account: this.root,
      limits: { ...mailchimpDeclaration.limits, inFlight: Math.min(mailchimpDeclaration.limits.inFlight, config.concurrency) },
      leaseMs: config.requestTimeoutMs + mailchimpLimits.leaseMarginMs,
    });
  }

  public async write(object: string, action: TargetAction, items: readonly TargetItem[]): Promise<ItemResult[]> {
    const listId = this.listIdOf(object, `write ${object}:${action}`);
    if (items.length > mailchimpLimits.maxBatch) {
      throw this.misconfigured(`write ${object}:${action}`, `${items.length} members in one call; Mailchimp accepts at most ${mailchimpLimits.maxBatch}`);
    }
    if (items.length === 0) return [];
    const stat = `${object}:${action}`;
    // One call per batch. An upsert names only the status a new member gets (`status_if_new`):
    // Mailchimp leaves an existing member's status as it holds it, so nobody who unsubscribed or
    // bounced is subscribed again (a rehire included), and the answer's `updated_members` say
    // which status each kept. A delete sets `status: unsubscribed` on everyone named.
    const members = items.map((item) =>
      action === TargetAction.Delete
        ? { email_address: item.key.toLowerCase(), status: 'unsubscribed' }
        : { email_address: item.key.toLowerCase(), status_if_new: 'subscribed', merge_fields: this.mergeFieldsOf(item, object) },
    );
    const body = await this.call(stat, { method: 'POST', path: `/lists/${encodeURIComponent(listId)}`, body: { members, update_existing: true } });
    return readBatchResults(body, items, action);
  }

  public async readBack(object: string, keys: readonly string[]): Promise<StoredTargetRecord[]> {
    const listId = this.listIdOf(object, `readBack ${object}`);
    const stored: StoredTargetRecord[] = [];
    // Mailchimp has no read of many members by address; settling interrupted writes is rare.
    for (const key of keys) {
      const hash = subscriberHash(key);
      let member: Record<string, unknown>;
      try {
        member = await this.call(`${object}:read`, {
          method: 'GET',
          path: `/lists/${encodeURIComponent(listId)}/members/${hash}`,
          query: { fields: 'id,email_address,status,merge_fields' },
        });
      } catch (error) {
        if (error instanceof ExternalSystemError && error.status === 404) continue;
        throw error;
      }
      const merge = typeof member['merge_fields'] === 'object' && member['merge_fields'] !== null ? (member['merge_fields'] as Record<string, unknown>) : {};
      stored.push({ key, targetId: hash, fields: { ...merge, email_address: member['email_address'], status: member['status'] } });
    }
    return stored;
  }

  public async ping(): Promise<PingCheck[]> {
    const keyCheck = 'mailchimp: API key';
    try {
      await this.call('ping', { method: 'GET', path: '/ping' });
    } catch (error) {
      return [{ name: keyCheck, ok: false, detail: describe(error) }];
    }
    const checks: PingCheck[] = [{ name: keyCheck, ok: true, detail: `accepted by ${new URL(this.root).host}` }];
    for (const [object, listId] of Object.entries(this.options.config.audiences)) {
      if (listId === undefined) continue;
      const name = `mailchimp: audience ${object} (${listId})`;
      try {
        const list = await this.call(`${object}:describe`, { method: 'GET', path: `/lists/${encodeURIComponent(listId)}`, query: { fields: 'id,name' } });
        checks.push({ name, ok: true, detail: `"${String(list['name'] ?? listId)}" answered` });
      } catch (error) {
        checks.push({ name, ok: false, detail: describe(error) });
      }
    }
    return checks;
  }

  /** `email_address` and the audience's merge-field tags (one call per page of 1,000 fields). */
  public async describeFields(object: string): Promise<ReadonlySet<string>> {
    const listId = this.listIdOf(object, `describe ${object}`);
    return new Set([KEY_FIELD, ...(await this.mergeTags(`${object}:describe`, listId))]);
  }

  /**
   * Creates the merge fields a flow maps that the audience lacks, as text fields named after
   * their tags, and says what it created; existing fields are left as they are.
   */
  public async setup(object: string, fields: readonly string[]): Promise<string[]> {
    const listId = this.listIdOf(object, `setup ${object}`);
    const existing = await this.mergeTags(`${object}:describe`, listId);
    const lines: string[] = [];
    for (const field of fields) {
      if (field === KEY_FIELD || existing.has(field)) continue;
      if (!MERGE_TAG.test(field)) {
        throw this.misconfigured(`setup ${object}`, `"${field}" cannot be a merge tag: 1 to 10 upper-case letters, digits or _`);
      }
      await this.call(`${object}:setup`, {
        method: 'POST',
        path: `/lists/${encodeURIComponent(listId)}/merge-fields`,
        body: { tag: field, name: field, type: 'text', required: false, public: false },
      });
      lines.push(`created merge field ${field} (text) in audience ${listId}`);
    }
    return lines;
  }

  public stats(): ConnectorStats {
    return this.tally.stats();
  }

  private listIdOf(object: string, operation: string): string {
    if (!mailchimpDeclaration.objects[object]) {
      throw this.misconfigured(operation, `unknown object ${JSON.stringify(object)} (known: ${Object.keys(mailchimpDeclaration.objects).join(', ')})`);
    }
    const listId = (this.options.config.audiences as Readonly<Record<string, string | undefined>>)[object];
    if (!listId) throw this.misconfigured(operation, `no audience for ${object}: set targets.mailchimp.audiences.${object} to its list id`);
    return listId;
  }

  private misconfigured(operation: string, message: string): ExternalSystemError {
    return new ExternalSystemError(message, { system: SYSTEM, operation, kind: ErrorKind.Misconfigured });
  }

  /** Every field of the payload but the key is a merge field, sent under its tag. */
  private mergeFieldsOf(item: TargetItem, object: string): Record<string, string> {
    const merge: Record<string, string> = {};
    for (const [field, value] of Object.entries(item.payload)) {
      if (field === KEY_FIELD) continue;
      if (!MERGE_TAG.test(field)) {
        throw this.misconfigured(`write ${object}:upsert`, `mapped field "${field}" is not a merge tag (1 to 10 upper-case letters, digits or _)`);
      }
      merge[field] = value === null || value === undefined ? '' : String(value);
    }
    return merge;
  }

  private async mergeTags(stat: string, listId: string): Promise<Set<string>> {
    const fields = await this.readPaged(stat, `/lists/${encodeURIComponent(listId)}/merge-fields`, 'merge_fields', {
      fields: 'merge_fields.tag,total_items',
    });
    return new Set(fields.map((field) => field['tag']).filter((tag): tag is string => typeof tag === 'string'));
  }

  /** A collection read with `count` / `offset` until `total_items` are in. */
  private async readPaged(stat: string, path: string, collection: string, query: Record<string, string>): Promise<Array<Record<string, unknown>>> {
    const records: Array<Record<string, unknown>> = [];
    for (let page = 0; page < mailchimpLimits.maxPages; page += 1) {
      const body = await this.call(stat, {
        method: 'GET',
        path,
        query: { ...query, count: String(mailchimpLimits.pageSize), offset: String(page * mailchimpLimits.pageSize) },
      });
      const entries = Array.isArray(body[collection]) ? (body[collection] as unknown[]) : [];
      for (const entry of entries) if (typeof entry === 'object' && entry !== null) records.push(entry as Record<string, unknown>);
      const total = typeof body['total_items'] === 'number' ? body['total_items'] : records.length;
      if (entries.length === 0 || records.length >= total) return records;
    }
    throw new ExternalSystemError(`paging did not end after ${mailchimpLimits.maxPages} pages`, {
      system: SYSTEM,
      operation: `GET /3.0${path}`,
      kind: ErrorKind.Retryable,
    });
  }

  /** One call inside the connection budget; an overload answer pauses every caller of the account. */
  private async call(stat: string, call: MailchimpCall): Promise<Record<string, unknown>> {
    const operation = `${call.method} /3.0${call.path}`;
    const request = this.toHttpRequest(call, operation);
    const response = await this.limiter.run(() => {
      this.tally.call(stat);
      return this.http.send(request);
    });
    const verdict = classifyMailchimpResponse(response, { operation, secretName: this.options.config.secret, redact: [this.options.apiKey] });
    if (verdict.ok) return verdict.body;
    if (verdict.error.kind === ErrorKind.RateLimited) {
      this.tally.throttled();
      await this.limiter.pause(verdict.error.retryAfterMs ?? mailchimpLimits.overloadWaitMs);
    }
    throw verdict.error;
  }

  private toHttpRequest(call: MailchimpCall, operation: string): HttpRequest {
    const url = new URL(`${this.root}${call.path}`);
    for (const [name, value] of Object.entries(call.query ?? {})) url.searchParams.set(name, value);
    const headers: Record<string, string> = {
      authorization: `Basic ${Buffer.from(`ml-connector:${this.options.apiKey}`).toString('base64')}`,
      accept: 'application/json',
    };
    if (call.method === 'GET') return { method: 'GET', url, headers, operation };
    return { method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(call.body ?? {}), operation };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
