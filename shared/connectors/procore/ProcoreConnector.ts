import { InProcessTokenStore, SharedTokenCache } from '../../auth';
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
  type TargetLimits,
  type TargetRef,
} from '../TargetConnector';
import type { TargetFactoryInput } from '../TargetDefinition';
import { classifyProcoreResponse } from './classifyProcoreResponse';
import { issueProcoreToken, type ProcoreCredentials } from './issueProcoreToken';
import { procoreDeclaration } from './procoreDeclaration';
import { procoreLimits } from './procoreLimits';
import { procoreResources, type ProcoreResource } from './procoreResources';
import { procoreEnvironments, type ProcoreSettings } from './procoreSettingsSchema';
import { readSyncResults, type ProcoreSyncVerdict } from './readSyncResults';

/** One API call: method, path under the API host, query, JSON body, and the stats label. */
interface ProcoreCall {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly stat: string;
}

interface ProcoreAnswer {
  readonly body: unknown;
  readonly headers: Headers;
}

type Json = Record<string, unknown>;

const SYSTEM = 'procore';
const PROCORE_STATUSES = new Set(['Draft', 'Processing', 'Submitted', 'Partially Received', 'Received', 'Approved', 'Closed']);
const WEBHOOK_EVENTS = new Set(['create', 'update', 'delete']);
/** Line-item fields Procore takes as numbers; PeopleSoft may hand them over as text. */
const LINE_NUMBERS = ['amount', 'quantity', 'unit_cost'];

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The payload without undefined values and without the given connector-only fields. */
function fieldsOf(payload: Readonly<Json>, without: readonly string[]): Json {
  return Object.fromEntries(Object.entries(payload).filter(([name, value]) => value !== undefined && !without.includes(name)));
}

/**
 * Procore as a target (F12, F13) and as the source of pushed records (F16). Company vendors and
 * GL accounts (as cost codes of every configured project, each with origin id
 * `<project>:<account key>`, since an origin id is unique per resource type across the company)
 * are written with sync actions keyed by `origin_id`; purchase order contracts by project and
 * origin id, with their line items synced after the header, the vendor and every line's cost
 * code resolved from their origin ids first: a commitment whose vendor or cost code Procore does
 * not hold yet waits (never sent to draw a refusal). Everything written carries `origin_data` =
 * the configured marker, so records ml-connector wrote are recognisable when Procore reports them.
 * Every call sends `Procore-Company-Id`, a bearer token shared by all callers (client
 * credentials, in the shared token store) and waits for the company's shared budget: the hourly
 * and spike windows, and what `X-Rate-Limit-Remaining` / `-Reset` report. A 429 waits until the
 * reset (or its `Retry-After`), a 503 for its `Retry-After`.
 */
export class ProcoreConnector implements TargetConnector {
  public readonly declaration: TargetDeclaration = procoreDeclaration;
  private readonly settings: ProcoreSettings;
  private readonly apiUrl: string;
  private readonly loginUrl: string;
  private readonly http: HttpClient;
  private readonly tokens: SharedTokenCache;
  private readonly limiter: CallLimiter;
  private readonly now: () => Date;
  private readonly companyId: string;
  /** Vendor origin id → Procore id, for the container's life. */
  private readonly vendorIds = new Map<string, string>();
  /** Project → (account origin id → cost code id). */
  private readonly costCodeIds = new Map<string, Map<string, string>>();
  /** Vendor id → origin id (undefined: none), for vendors read back, not written here. */
  private readonly vendorOrigins = new Map<string, string | undefined>();
  /** Cost code id → its full code and the key it was written under. */
  private readonly costCodeDetails = new Map<string, { code?: string; originKey?: string }>();
  private readonly tally = new CallTally();

  public constructor(input: TargetFactoryInput<ProcoreSettings>) {
    const { settings } = input;
    this.settings = settings;
    this.companyId = settings.companyId;
    this.now = input.now ?? (() => new Date());
    const environment = procoreEnvironments[settings.environment];
    this.apiUrl = (settings.baseUrl ?? environment.api).replace(/\/+$/, '');
    // The simulator answers on one host for both; a real deployment may override each.
    this.loginUrl = (settings.simulator && settings.baseUrl ? settings.baseUrl : settings.loginUrl ?? environment.login).replace(/\/+$/, '');
    const credentials: ProcoreCredentials = { clientId: input.credentials['clientId']!, clientSecret: input.credentials['clientSecret']! };
    this.http = new HttpClient({
      system: SYSTEM,
      guard: new HostGuard(input.hostPolicy),
      timeoutMs: settings.requestTimeoutMs,
      ...(input.fetch ? { fetch: input.fetch } : {}),
    });
    // The app's identity, never a secret: one token per app (login host and client id) ...
    const tokenAccount = `${this.loginUrl}#${credentials.clientId}`;
    const secretName = settings.secret;
    this.tokens = new SharedTokenCache({
      system: SYSTEM,
      store: input.tokenStores?.({ system: SYSTEM, account: tokenAccount }) ?? new InProcessTokenStore(),
      ...(input.tokenSealer ? { sealer: input.tokenSealer } : {}),
      sealContext: { system: SYSTEM, account: tokenAccount },
      issue: () => issueProcoreToken({ http: this.http, loginUrl: this.loginUrl, credentials, secretName, now: this.now() }),
      now: () => this.now().getTime(),
      ...(input.sleep ? { sleep: input.sleep } : {}),
    });
    // ... and one budget per app and company, as Procore counts it.
    const clock = { now: () => this.now().getTime(), ...(input.sleep ? { sleep: input.sleep } : {}) };
    const limiters = input.limiters ?? inProcessLimiters(clock);
    const limits: TargetLimits = {
      windows: [
        { calls: settings.rateLimits.hourly.calls, windowMs: settings.rateLimits.hourly.seconds * 1000 },
        { calls: settings.rateLimits.spike.calls, windowMs: settings.rateLimits.spike.seconds * 1000 },
      ],
      inFlight: settings.inFlight,
      ...(procoreDeclaration.limits.headers ? { headers: procoreDeclaration.limits.headers } : {}),
    };
    this.limiter = limiters({
      target: SYSTEM,
      account: `${this.apiUrl}#${this.companyId}#${credentials.clientId}`,
      limits,
      leaseMs: settings.requestTimeoutMs + procoreLimits.leaseMarginMs,
    });
  }

  /** Access tokens this connector asked the login host for. */
  public get tokensIssued(): number {
    return this.tokens.issued;
  }

  public async write(object: string, action: TargetAction, items: readonly TargetItem[]): Promise<ItemResult[]> {
    const operation = `write ${object}:${action}`;
    const declared = procoreDeclaration.objects[object];
    if (!declared) throw this.misconfigured(operation, `unknown object ${JSON.stringify(object)} (known: ${Object.keys(procoreDeclaration.objects).join(', ')})`);
    if (!declared.actions.includes(action)) {
      throw this.misconfigured(operation, declared.actions.length === 0 ? `Procore ${object} are read, never written` : `Procore ${object} allow only ${declared.actions.join(', ')}`);
    }
    if (items.length > procoreDeclaration.maxBatch) throw this.misconfigured(operation, `${items.length} items in one call; a Procore sync takes at most ${procoreDeclaration.maxBatch}`);
    if (items.length === 0) return [];
    if (object === 'vendors') return this.writeVendors(action, items);
    if (object === 'cost-codes') return this.writeCostCodes(action, items);
    return this.writeCommitments(items);
  }

  public async readBack(object: string, keys: readonly string[], fields?: readonly string[]): Promise<StoredTargetRecord[]> {
    const keep = (record: Json): Json => (fields ? Object.fromEntries(Object.entries(record).filter(([name]) => fields.includes(name) || name === 'origin_id')) : record);
    const found: StoredTargetRecord[] = [];
    for (const key of new Set(keys)) {
      if (object === 'vendors') {
        const vendor = await this.vendorByOrigin(key, 'vendors:read');
        if (vendor) found.push({ key, targetId: String(vendor['id']), fields: keep(vendor) });
      } else if (object === 'cost-codes') {
        const byProject: Json = {};
        for (const project of this.settings.projects) {
          const code = await this.first('/rest/v1.0/cost_codes', { project_id: project, 'filters[origin_id]': this.costCodeOrigin(project, key) }, 'cost-codes:read');
          if (code) byProject[project] = keep(code);
        }
        const ids = Object.entries(byProject).map(([project, code]) => `${project}:${String((code as Json)['id'])}`);
        if (ids.length > 0) found.push({ key, targetId: ids.join(','), fields: { origin_id: key, projects: byProject } });
      } else if (object === 'commitments') {
        const [project, originId] = this.splitCommitmentKey(key);
        const contract = await this.first('/rest/v1.0/purchase_order_contracts', { project_id: project, 'filters[origin_id]': originId }, 'commitments:read');
        if (!contract) continue;
        const lines = await this.all(`/rest/v1.0/purchase_order_contracts/${String(contract['id'])}/line_items`, { project_id: project }, 'commitments:read');
        found.push({ key, targetId: String(contract['id']), fields: keep({ ...contract, project_id: project, line_items: lines }) });
      } else {
        throw this.misconfigured(`readBack ${object}`, `Procore ${object} are read by id (fetchByIds), not by key`);
      }
    }
    return found;
  }

  public async ping(): Promise<PingCheck[]> {
    const tokenCheck = 'procore: access token';
    try {
      await this.tokens.token();
    } catch (error) {
      return [{ name: tokenCheck, ok: false, detail: describe(error) }];
    }
    const checks: PingCheck[] = [{ name: tokenCheck, ok: true, detail: `client credentials accepted by ${new URL(this.loginUrl).host}` }];
    const companyCheck = `procore: company ${this.companyId}`;
    try {
      const companies = (await this.call({ method: 'GET', path: '/rest/v1.0/companies', stat: 'companies:read' })).body;
      const company = Array.isArray(companies) ? companies.filter(isObject).find((entry) => String(entry['id']) === this.companyId) : undefined;
      checks.push(
        company
          ? { name: companyCheck, ok: true, detail: `${String(company['name'])}: the app is installed` }
          : { name: companyCheck, ok: false, detail: `the app is not installed in company ${this.companyId}; a company admin installs it from the App Marketplace (App Management)` },
      );
    } catch (error) {
      checks.push({ name: companyCheck, ok: false, detail: describe(error) });
    }
    for (const project of this.settings.projects) {
      const name = `procore: project ${project}`;
      try {
        const answer = await this.call({ method: 'GET', path: `/rest/v1.0/projects/${project}`, query: { company_id: this.companyId }, stat: 'projects:read' });
        const body = isObject(answer.body) ? answer.body : {};
        checks.push({ name, ok: true, detail: `${String(body['name'] ?? project)}: readable by the app` });
      } catch (error) {
        checks.push({ name, ok: false, detail: `${describe(error)}; the company admin must add the app's service account to the project` });
      }
    }
    return checks;
  }

  public stats(): ConnectorStats {
    return this.tally.stats();
  }

  /**
   * Makes the company's webhook hook in namespace `request.name` deliver to `request.url` with
   * the custom header (`request.header`, default `Authorization`) set to the token, and its
   * triggers match the requested objects × events exactly. Idempotent: nothing changes, and no
   * call but two reads is made, when all is in place. The token never appears in a change line.
   */
  public async subscribe(request: SubscriptionRequest): Promise<SubscriptionState> {
    const operation = 'subscribe';
    const namespace = request.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
    if (namespace === '') throw this.misconfigured(operation, `pushed source name ${JSON.stringify(request.name)} gives no usable hook namespace (a-z, 0-9, -)`);
    const header = request.header ?? 'Authorization';
    const wanted = new Map<string, { resource_name: string; event_type: string }>();
    for (const object of request.objects) {
      const resource = Object.entries(procoreResources).find(([name, entry]) => name === object || entry.webhookName === object)?.[1];
      if (!resource) throw this.misconfigured(operation, `Procore pushes no events for ${JSON.stringify(object)} (known: ${Object.entries(procoreResources).map(([name, entry]) => `${name} (${entry.webhookName})`).join(', ')})`);
      for (const event of request.events) {
        if (!WEBHOOK_EVENTS.has(event)) throw this.misconfigured(operation, `unknown Procore event ${JSON.stringify(event)} (create, update or delete)`);
        wanted.set(`${resource.webhookName}|${event}`, { resource_name: resource.webhookName, event_type: event });
      }
    }
    const scope = { company_id: this.companyId };
    const changes: string[] = [];
    const listed = (await this.call({ method: 'GET', path: '/rest/v1.0/webhooks/hooks', query: scope, stat: 'webhooks:read' })).body;
    let hook = Array.isArray(listed) ? listed.filter(isObject).find((entry) => entry['namespace'] === namespace) : undefined;
    const destinationHeaders = { [header]: request.token };
    if (!hook) {
      const created = await this.call({
        method: 'POST',
        path: '/rest/v1.0/webhooks/hooks',
        body: { company_id: Number(this.companyId), hook: { api_version: 'v2', namespace, destination_url: request.url, destination_headers: destinationHeaders } },
        stat: 'webhooks:write',
      });
      hook = isObject(created.body) ? created.body : undefined;
      if (!hook) throw new ExternalSystemError('the hook was created but Procore answered no hook', { system: SYSTEM, operation, kind: ErrorKind.Retryable });
      changes.push(`hook ${namespace} created, delivering to ${request.url} with header ${header}`);
    } else {
      const current = isObject(hook['destination_headers']) ? hook['destination_headers'] : {};
      const sameHeaders = Object.keys(current).length === 1 && current[header] === request.token;
      if (hook['destination_url'] !== request.url || !sameHeaders) {
        await this.call({
          method: 'PATCH',
          path: `/rest/v1.0/webhooks/hooks/${String(hook['id'])}`,
          body: { company_id: Number(this.companyId), hook: { destination_url: request.url, destination_headers: destinationHeaders } },
          stat: 'webhooks:write',
        });
        changes.push(
          hook['destination_url'] !== request.url ? `hook ${namespace} now delivers to ${request.url}` : `hook ${namespace}: custom header ${header} replaced`,
        );
      }
    }
    const hookId = String(hook['id']);
    const triggers = (await this.call({ method: 'GET', path: `/rest/v1.0/webhooks/hooks/${hookId}/triggers`, query: scope, stat: 'webhooks:read' })).body;
    const present = new Map<string, string>();
    for (const trigger of Array.isArray(triggers) ? triggers.filter(isObject) : []) present.set(`${String(trigger['resource_name'])}|${String(trigger['event_type'])}`, String(trigger['id']));
    for (const [key, trigger] of wanted) {
      if (present.has(key)) continue;
      await this.call({
        method: 'POST',
        path: `/rest/v1.0/webhooks/hooks/${hookId}/triggers`,
        body: { company_id: Number(this.companyId), api_version: 'v2', trigger },
        stat: 'webhooks:write',
      });
      changes.push(`trigger added: ${trigger.resource_name} ${trigger.event_type}`);
    }
    for (const [key, id] of present) {
      if (wanted.has(key)) continue;
      await this.call({ method: 'DELETE', path: `/rest/v1.0/webhooks/hooks/${hookId}/triggers/${id}`, query: scope, stat: 'webhooks:write' });
      changes.push(`trigger removed: ${key.replace('|', ' ')}`);
    }
    return { id: hookId, changes };
  }

  /**
   * Reads commitments (with their line items), requisitions, direct costs and change orders by
   * id; `object` is the connector's name or Procore's webhook `resource_name` (what a delivery
   * names). Each ref names its project (`scope.project_id`, as the delivery does). Ids Procore no
   * longer has (404) are absent. Each record comes complete for mapping (see `completeRecord`),
   * versioned by its `updated_at`.
   */
  public async fetchByIds(object: string, refs: readonly TargetRef[]): Promise<FetchedRecord[]> {
    const resource = this.resourceOf(object, 'fetch');
    const found: FetchedRecord[] = [];
    for (const ref of refs) {
      const project = ref.scope?.['project_id'];
      if (!project) throw this.misconfigured(`fetch ${object}`, `${object} ${ref.id} names no project_id; Procore reads it only within its project`);
      const { path, query } = resource.show(project, ref.id);
      let record: Json;
      try {
        const answer = await this.call({ method: 'GET', path, query, stat: `${resource.name}:fetch` });
        if (!isObject(answer.body)) continue;
        record = answer.body;
      } catch (error) {
        if (error instanceof ExternalSystemError && error.status === 404) continue;
        throw error;
      }
      found.push(await this.completeRecord(resource, project, record, ref.id));
    }
    return found;
  }

  /**
   * Pages through every configured project's records of `object` (connector name or webhook
   * `resource_name`) updated in `[since, until)` (Procore's `filters[updated_at]` range is
   * inclusive: the end is dropped here). Each record is completed as `fetchByIds` completes it
   * (line items read for commitments), so a reconciled record maps exactly as a delivered one.
   */
  public async *listChanged(object: string, since: string, until: string): AsyncIterable<FetchedRecord[]> {
    const resource = this.resourceOf(object, 'list');
    const end = Date.parse(until);
    for (const project of this.settings.projects) {
      const { path, query } = resource.list(project);
      for await (const page of this.pages(path, { ...query, 'filters[updated_at]': `${since}...${until}` }, `${resource.name}:list`)) {
        const records: FetchedRecord[] = [];
        for (const record of page) {
          if (Date.parse(String(record['updated_at'])) >= end) continue;
          records.push(await this.completeRecord(resource, project, record, String(record['id'])));
        }
        if (records.length > 0) yield records;
      }
    }
  }

  /**
   * A record as read, made complete and flat enough to map: `project_id`; for a record with a
   * vendor, `vendor_origin_id` (the vendor's `origin_id`: the PeopleSoft vendor F12 wrote it
   * from); its line items (read for commitments) each with `line_number` (1-based), `project_id`
   * and its cost code's `cost_code_id`, `cost_code_code` (full code) and `cost_code_origin_id`
   * (the key ml-connector wrote the code under, e.g. the GL account; absent for a code made in
   * Procore). `version` is its `updated_at`. Vendors and cost codes are looked up once per
   * container (those this container wrote cost no call).
   */
  private async completeRecord(resource: ProcoreResource & { readonly name: string }, project: string, record: Json, id: string): Promise<FetchedRecord> {
    const fields: Json = { ...record, project_id: String(record['project_id'] ?? project) };
    const vendorId = text(record['vendor_id']) ?? (isObject(record['vendor']) ? text(record['vendor']['id']) : undefined);
    if (vendorId !== undefined) {
      fields['vendor_id'] = vendorId;
      const origin = await this.vendorOriginOf(vendorId);
      if (origin !== undefined) fields['vendor_origin_id'] = origin;
    }
    let lines = Array.isArray(record['line_items']) ? record['line_items'].filter(isObject) : undefined;
    if (resource.lineItems) {
      const { path, query } = resource.show(project, id);
      lines = await this.all(`${path}/line_items`, query, `${resource.name}:fetch`);
    }
    if (lines) {
      const completed: Json[] = [];
      for (const [index, line] of lines.entries()) {
        const nested = isObject(line['cost_code']) ? line['cost_code'] : undefined;
        const codeId = text(line['cost_code_id']) ?? (nested ? text(nested['id']) : undefined);
        const code = codeId === undefined ? undefined : await this.costCodeOf(project, codeId, nested);
        completed.push({
          ...line,
          line_number: index + 1,
          project_id: fields['project_id'],
          ...(codeId !== undefined ? { cost_code_id: codeId } : {}),
          ...(code?.code !== undefined ? { cost_code_code: code.code } : {}),
          ...(code?.originKey !== undefined ? { cost_code_origin_id: code.originKey } : {}),
        });
      }
      fields['line_items'] = completed;
    }
    const stamp = Date.parse(String(record['updated_at']));
    return { id: String(record['id'] ?? id), fields, ...(Number.isNaN(stamp) ? {} : { version: new Date(stamp).toISOString() }) };
  }

  /** The `origin_id` of a vendor by its Procore id (one read, once per container; none for vendors written here). */
  private async vendorOriginOf(vendorId: string): Promise<string | undefined> {
    for (const [origin, id] of this.vendorIds) if (id === vendorId) return origin;
    if (this.vendorOrigins.has(vendorId)) return this.vendorOrigins.get(vendorId);
    let origin: string | undefined;
    try {
      const answer = await this.call({ method: 'GET', path: `/rest/v1.0/vendors/${vendorId}`, query: { company_id: this.companyId }, stat: 'vendors:lookup' });
      origin = isObject(answer.body) ? text(answer.body['origin_id']) : undefined;
    } catch (error) {
      if (!(error instanceof ExternalSystemError && error.status === 404)) throw error;
    }
    this.vendorOrigins.set(vendorId, origin);
    if (origin !== undefined) this.vendorIds.set(origin, vendorId);
    return origin;
  }

  /** A cost code's full code and the key ml-connector wrote it under (`<project>:<key>`), by id. */
  private async costCodeOf(project: string, codeId: string, nested: Json | undefined): Promise<{ code?: string; originKey?: string }> {
    const cached = this.costCodeDetails.get(codeId);
    if (cached) return cached;
    let code: Json | undefined = nested && (nested['origin_id'] !== undefined || nested['full_code'] !== undefined) ? nested : undefined;
    if (!code) {
      try {
        const answer = await this.call({ method: 'GET', path: `/rest/v1.0/cost_codes/${codeId}`, query: { project_id: project }, stat: 'cost-codes:lookup' });
        code = isObject(answer.body) ? answer.body : undefined;
      } catch (error) {
        if (!(error instanceof ExternalSystemError && error.status === 404)) throw error;
      }
    }
    const origin = code ? text(code['origin_id']) : undefined;
    const prefix = `${project}:`;
    const details = {
      ...(code && text(code['full_code'] ?? code['code']) !== undefined ? { code: text(code['full_code'] ?? code['code'])! } : {}),
      ...(origin?.startsWith(prefix) ? { originKey: origin.slice(prefix.length) } : {}),
    };
    this.costCodeDetails.set(codeId, details);
    return details;
  }

  /** The resource an object names: the connector's object name, or Procore's webhook `resource_name`. */
  private resourceOf(object: string, verb: 'fetch' | 'list'): ProcoreResource & { readonly name: string } {
    const entry = Object.entries(procoreResources).find(([name, resource]) => name === object || resource.webhookName === object);
    if (!entry) {
      const known = Object.entries(procoreResources).map(([name, resource]) => `${name} (${resource.webhookName})`).join(', ');
      throw this.misconfigured(`${verb} ${object}`, `Procore ${object} cannot be ${verb === 'fetch' ? 'fetched by id' : 'listed by change'} (known: ${known})`);
    }
    return { ...entry[1], name: entry[0] };
  }

  // ---------------------------------------------------------------------------------------------
  // writes

  private async writeVendors(action: TargetAction, items: readonly TargetItem[]): Promise<ItemResult[]> {
    const deleting = action === TargetAction.Delete;
    const updates = items.map((item) => ({
      ...(deleting ? {} : fieldsOf(item.payload, ['origin_id'])),
      origin_id: item.key,
      origin_data: this.settings.originMarker,
      // Vendors are never deleted: an inactive PeopleSoft vendor is an inactive directory entry,
      // and any other upsert makes it active again.
      is_active: deleting || item.deactivated ? false : (item.payload['is_active'] ?? true),
    }));
    const answer = await this.call({ method: 'PATCH', path: '/rest/v1.0/vendors/sync', body: { company_id: Number(this.companyId), updates }, stat: `vendors:${action}` });
    const verdicts = readSyncResults(answer.body, items.map((item) => item.key));
    return items.map((item) => {
      const verdict = verdicts.get(item.key)!;
      if (verdict.targetId) this.vendorIds.set(item.key, verdict.targetId);
      const { entity: _entity, ...result } = verdict;
      if (deleting && verdict.targetId) return { ref: item.ref, outcome: ItemOutcome.Deleted, targetId: verdict.targetId, note: 'vendor marked inactive (never deleted)' };
      return { ref: item.ref, ...result, ...(item.deactivated && verdict.targetId ? { note: 'vendor marked inactive' } : {}) };
    });
  }

  private async writeCostCodes(action: TargetAction, items: readonly TargetItem[]): Promise<ItemResult[]> {
    if (action === TargetAction.Delete) {
      // Procore's API has no way to delete or deactivate a project cost code; committed costs
      // may reference it. The GL account's end is recorded in the audit trail only.
      return items.map((item) => ({ ref: item.ref, outcome: ItemOutcome.NotFound, note: 'cost codes kept in Procore (its API removes none); GL account inactive' }));
    }
    const perProject = new Map<string, Map<string, ProcoreSyncVerdict>>();
    for (const project of this.settings.projects) {
      const updates = items.map((item) => ({
        ...fieldsOf(item.payload, ['origin_id']),
        origin_id: this.costCodeOrigin(project, item.key),
        origin_data: this.settings.originMarker,
      }));
      const answer = await this.call({ method: 'PATCH', path: '/rest/v1.0/cost_codes/sync', body: { project_id: Number(project), updates }, stat: 'cost-codes:upsert' });
      const verdicts = readSyncResults(answer.body, updates.map((update) => update.origin_id));
      perProject.set(project, verdicts);
      const known = this.costCodeIds.get(project) ?? new Map<string, string>();
      this.costCodeIds.set(project, known);
      for (const item of items) {
        const id = verdicts.get(this.costCodeOrigin(project, item.key))?.targetId;
        if (id) {
          known.set(item.key, id);
          const code = text(item.payload['code']);
          this.costCodeDetails.set(id, { ...(code !== undefined ? { code } : {}), originKey: item.key });
        }
      }
    }
    return items.map((item) => {
      const verdicts = this.settings.projects.map((project) => ({ project, verdict: perProject.get(project)!.get(this.costCodeOrigin(project, item.key))! }));
      const rejected = verdicts.filter(({ verdict }) => verdict.outcome === ItemOutcome.Rejected);
      const retry = verdicts.filter(({ verdict }) => verdict.outcome === ItemOutcome.Retry);
      const note = item.deactivated ? 'GL account inactive: cost codes kept in Procore (its API removes none)' : undefined;
      if (rejected.length > 0) {
        const message = rejected.map(({ project, verdict }) => `project ${project}: ${verdict.reason!.message}`).join('; ');
        return { ref: item.ref, outcome: ItemOutcome.Rejected, reason: { code: 'SYNC_ERROR', message } };
      }
      if (retry.length > 0) return { ref: item.ref, outcome: ItemOutcome.Retry, reason: { message: `no result for project ${retry.map(({ project }) => project).join(', ')}` } };
      const created = verdicts.some(({ verdict }) => verdict.outcome === ItemOutcome.Created);
      return {
        ref: item.ref,
        outcome: created ? ItemOutcome.Created : ItemOutcome.Updated,
        targetId: verdicts.map(({ project, verdict }) => `${project}:${verdict.targetId}`).join(','),
        ...(note ? { note } : {}),
      };
    });
  }

  /**
   * Commitments: `project_id` and `origin_id` (the key), `vendor` (the vendor's origin id),
   * `status` (Procore's own or a `statusMap` code), `line_items` (each with `cost_code`: the GL
   * account's origin id, plus `description`, `quantity`, `unit_cost`, `amount`, `uom`, ...), and
   * any other purchase order contract attribute as is.
   */
  private async writeCommitments(items: readonly TargetItem[]): Promise<ItemResult[]> {
    const results: ItemResult[] = [];
    interface Ready {
      readonly item: TargetItem;
      readonly project: string;
      readonly originId: string;
      readonly header: Json;
      readonly lines: Json[] | undefined;
      readonly vendor: string | undefined;
      readonly codes: string[];
    }
    const parsed: Ready[] = [];
    for (const item of items) {
      const project = text(item.payload['project_id']);
      const originId = text(item.payload['origin_id']);
      const reject = (message: string): void => void results.push({ ref: item.ref, outcome: ItemOutcome.Rejected, reason: { code: 'INVALID', message } });
      if (!project || !this.settings.projects.includes(project)) {
        reject(`project_id ${project ?? '(empty)'} is not one of targets.procore.projects (${this.settings.projects.join(', ')})`);
        continue;
      }
      if (!originId) {
        reject('origin_id is empty');
        continue;
      }
      const header = fieldsOf(item.payload, ['project_id', 'vendor', 'line_items', 'origin_data']);
      const status = text(item.payload['status']);
      if (status !== undefined && !PROCORE_STATUSES.has(status)) {
        const mapped = this.settings.statusMap[status];
        if (!mapped) {
          reject(`status ${JSON.stringify(status)} is neither a Procore commitment status nor in targets.procore.statusMap`);
          continue;
        }
        header['status'] = mapped;
      }
      const rawLines = item.payload['line_items'];
      if (rawLines !== undefined && rawLines !== null && !Array.isArray(rawLines)) {
        reject('line_items must be a list (a mapping rule { each: LINES, mapping: {...} })');
        continue;
      }
      const lines = Array.isArray(rawLines) ? rawLines.filter(isObject) : undefined;
      const codes = [...new Set((lines ?? []).flatMap((line) => text(line['cost_code']) ?? []))];
      const missingCode = (lines ?? []).findIndex((line) => text(line['cost_code']) === undefined);
      if (missingCode >= 0) {
        reject(`line ${missingCode + 1}: cost_code is empty (the GL account's origin id)`);
        continue;
      }
      parsed.push({ item, project, originId, header: { ...header, origin_id: originId, origin_data: this.settings.originMarker }, lines, vendor: text(item.payload['vendor']), codes });
    }

    await this.resolveVendors([...new Set(parsed.flatMap((entry) => entry.vendor ?? []))]);
    const projectsNeeding = new Set(parsed.filter((entry) => entry.codes.some((code) => !this.costCodeIds.get(entry.project)?.has(code))).map((entry) => entry.project));
    for (const project of projectsNeeding) await this.loadCostCodes(project);

    const ready: Ready[] = [];
    for (const entry of parsed) {
      const waits: string[] = [];
      if (entry.vendor && !this.vendorIds.has(entry.vendor)) waits.push(`vendor ${entry.vendor}`);
      const missing = entry.codes.filter((code) => !this.costCodeIds.get(entry.project)?.has(code));
      if (missing.length > 0) waits.push(`cost code${missing.length > 1 ? 's' : ''} ${missing.join(', ')} in project ${entry.project}`);
      if (waits.length > 0) {
        const message = `${waits.join(' and ')} not in Procore yet; the commitment waits for ${waits.length > 1 ? 'them' : 'it'}`;
        results.push({ ref: entry.item.ref, outcome: ItemOutcome.Waiting, reason: { code: 'DEPENDENCY_MISSING', message }, note: message });
        continue;
      }
      if (entry.vendor) entry.header['vendor_id'] = Number(this.vendorIds.get(entry.vendor));
      ready.push(entry);
    }

    const byProject = new Map<string, Ready[]>();
    for (const entry of ready) byProject.set(entry.project, [...(byProject.get(entry.project) ?? []), entry]);
    for (const [project, entries] of byProject) {
      const answer = await this.call({
        method: 'PATCH',
        path: '/rest/v1.0/purchase_order_contracts/sync',
        body: { project_id: Number(project), updates: entries.map((entry) => entry.header) },
        stat: 'commitments:upsert',
      });
      const verdicts = readSyncResults(answer.body, entries.map((entry) => entry.originId));
      for (const entry of entries) {
        const { entity: _entity, ...verdict } = verdicts.get(entry.originId)!;
        if (!verdict.targetId || !entry.lines || entry.lines.length === 0) {
          results.push({ ref: entry.item.ref, ...verdict });
          continue;
        }
        results.push({ ref: entry.item.ref, ...(await this.syncLines(project, entry.originId, verdict.targetId, entry.lines, verdict)) });
      }
    }
    return results;
  }

  /** Syncs a commitment's lines by origin id `<commitment origin id>:<line number>`; a refused line rejects the commitment. */
  private async syncLines(project: string, originId: string, contractId: string, lines: readonly Json[], header: Omit<ItemResult, 'ref'>): Promise<Omit<ItemResult, 'ref'>> {
    const codes = this.costCodeIds.get(project)!;
    const updates = lines.map((line, index) => {
      const fields = fieldsOf(line, ['cost_code', 'origin_id', 'origin_data']);
      for (const name of LINE_NUMBERS) {
        const value = fields[name];
        if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) fields[name] = Number(value);
      }
      return {
        ...fields,
        origin_id: text(line['origin_id']) ?? `${originId}:${index + 1}`,
        origin_data: this.settings.originMarker,
        cost_code_id: Number(codes.get(text(line['cost_code'])!)),
      };
    });
    const answer = await this.call({
      method: 'PATCH',
      path: `/rest/v1.0/purchase_order_contracts/${contractId}/line_items/sync`,
      body: { project_id: Number(project), updates },
      stat: 'commitments:lines',
    });
    const verdicts = readSyncResults(answer.body, updates.map((update) => update.origin_id));
    const refused = updates.flatMap((update, index) => {
      const verdict = verdicts.get(update.origin_id)!;
      return verdict.outcome === ItemOutcome.Rejected || verdict.outcome === ItemOutcome.Retry ? [{ index, verdict }] : [];
    });
    if (refused.length === 0) return header;
    const message = refused.map(({ index, verdict }) => `line ${index + 1}: ${verdict.reason!.message}`).join('; ');
    const outcome = refused.every(({ verdict }) => verdict.outcome === ItemOutcome.Retry) ? ItemOutcome.Retry : ItemOutcome.Rejected;
    return { outcome, targetId: contractId, reason: { code: 'LINE_ITEM_ERROR', message } };
  }

  private costCodeOrigin(project: string, key: string): string {
    return `${project}:${key}`;
  }

  private splitCommitmentKey(key: string): [string, string] {
    const at = key.indexOf('|');
    if (at < 0) throw this.misconfigured('readBack commitments', `key ${JSON.stringify(key)} is not <project_id>|<origin_id>`);
    return [key.slice(0, at), key.slice(at + 1)];
  }

  private async vendorByOrigin(originId: string, stat: string): Promise<Json | undefined> {
    const vendor = await this.first('/rest/v1.0/vendors', { company_id: this.companyId, 'filters[origin_id]': originId }, stat);
    if (vendor) this.vendorIds.set(originId, String(vendor['id']));
    return vendor;
  }

  /** Looks up vendors this container has not seen, one filtered read each. */
  private async resolveVendors(originIds: readonly string[]): Promise<void> {
    for (const originId of originIds) if (!this.vendorIds.has(originId)) await this.vendorByOrigin(originId, 'vendors:lookup');
  }

  /** Reads every cost code of a project that ml-connector wrote (origin id `<project>:...`). */
  private async loadCostCodes(project: string): Promise<void> {
    const known = new Map<string, string>();
    const prefix = `${project}:`;
    for await (const page of this.pages('/rest/v1.0/cost_codes', { project_id: project }, 'cost-codes:lookup')) {
      for (const code of page) {
        const origin = code['origin_id'];
        if (typeof origin === 'string' && origin.startsWith(prefix)) {
          known.set(origin.slice(prefix.length), String(code['id']));
          const full = text(code['full_code'] ?? code['code']);
          this.costCodeDetails.set(String(code['id']), { ...(full !== undefined ? { code: full } : {}), originKey: origin.slice(prefix.length) });
        }
      }
    }
    this.costCodeIds.set(project, known);
  }

  private async first(path: string, query: Readonly<Record<string, string>>, stat: string): Promise<Json | undefined> {
    const answer = await this.call({ method: 'GET', path, query: { ...query, per_page: '10' }, stat });
    return Array.isArray(answer.body) ? answer.body.find(isObject) : undefined;
  }

  private async all(path: string, query: Readonly<Record<string, string>>, stat: string): Promise<Json[]> {
    const out: Json[] = [];
    for await (const page of this.pages(path, query, stat)) out.push(...page);
    return out;
  }

  /** Pages of a v1 list by `page` / `per_page`, following `Link: rel="next"`; a link that does not move forward stops with an error. */
  private async *pages(path: string, query: Readonly<Record<string, string>>, stat: string): AsyncGenerator<Json[]> {
    for (let page = 1; ; ) {
      const answer = await this.call({ method: 'GET', path, query: { ...query, page: String(page), per_page: String(this.settings.pageSize) }, stat });
      const list = Array.isArray(answer.body) ? answer.body.filter(isObject) : [];
      if (list.length > 0) yield list;
      const next = /<([^>]+)>;\s*rel="next"/.exec(answer.headers.get('link') ?? '')?.[1];
      if (!next || list.length === 0) return;
      const nextPage = Number(new URL(next, this.apiUrl).searchParams.get('page'));
      if (!Number.isInteger(nextPage) || nextPage <= page) {
        throw new ExternalSystemError(`the next-page link of ${path} does not move forward (page ${page} → ${String(nextPage)})`, {
          system: SYSTEM,
          operation: `GET ${path}`,
          kind: ErrorKind.Retryable,
        });
      }
      page = nextPage;
    }
  }

  /**
   * One API call: shared token, the company's shared budget, `Procore-Company-Id`, request,
   * classification. A 401 is answered by one shared new token and one retry; a 429 / 503 pauses
   * every caller until the reset or `Retry-After` and is tried again a few times before it is
   * thrown (rate-limited, with the wait).
   */
  private async call(call: ProcoreCall): Promise<ProcoreAnswer> {
    const operation = `${call.method} ${call.path}`;
    let refreshed = false;
    for (let throttled = 0; ; ) {
      const token = await this.tokens.token();
      const url = new URL(`${this.apiUrl}${call.path}`);
      if (call.query) url.search = new URLSearchParams(call.query).toString();
      const response = await this.limiter.run(
        (): Promise<HttpResponse> => {
          this.tally.call(call.stat);
          return this.http.send({
            method: call.method,
            url,
            headers: {
              authorization: `Bearer ${token.value}`,
              'procore-company-id': this.companyId,
              accept: 'application/json',
              ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
            operation,
          });
        },
        (answer) => answer.headers,
      );
      const verdict = classifyProcoreResponse(response, { operation, now: this.now() });
      if (verdict.ok) return { body: verdict.body, headers: response.headers };
      const { error } = verdict;
      if (error.kind === ErrorKind.RateLimited) {
        this.tally.throttled();
        await this.limiter.pause(error.retryAfterMs ?? procoreLimits.fallbackWaitMs);
        throttled += 1;
        if (throttled < procoreLimits.throttledAttempts) continue;
        throw error;
      }
      if (error.kind === ErrorKind.AuthExpired && !refreshed) {
        refreshed = true;
        await this.tokens.refresh(token.value);
        continue;
      }
      if (error.kind === ErrorKind.AuthExpired) {
        throw new ExternalSystemError('Procore refused a freshly issued access token (401)', { system: SYSTEM, operation, kind: ErrorKind.Retryable, status: 401 });
      }
      throw error;
    }
  }

  private misconfigured(operation: string, message: string): ExternalSystemError {
    return new ExternalSystemError(message, { system: SYSTEM, operation, kind: ErrorKind.Misconfigured });
  }
}
