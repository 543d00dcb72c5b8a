import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attributeErrors } from './procoreFields';
import type { ProcoreCallLogEntry, ProcoreDelivery, ProcoreEvent, ProcoreFault, ProcoreHook, ProcoreRecord, ProcoreSimulator } from './ProcoreSimulator';
import { resolveProcoreSimulatorOptions, type ProcoreSimulatorOptions } from './ProcoreSimulatorOptions';

/** Documented cap of every sync action. */
export const PROCORE_MAX_SYNC_ITEMS = 1_000;
const API_PREFIX = '/rest/v1.0';
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const NAMESPACE = /^[a-z0-9-]+$/;
/** Webhook resource names of the resources the simulator emits events for. */
const RESOURCE_NAMES = {
  vendors: 'Company Vendors',
  purchase_order_contracts: 'Purchase Order Contracts',
  direct_costs: 'Direct Costs',
  commitment_change_orders: 'Commitment Change Orders',
  requisitions: 'Requisitions',
} as const;
type EventResource = keyof typeof RESOURCE_NAMES;
const USER_RESOURCES = {
  commitments: 'purchase_order_contracts',
  'direct-costs': 'direct_costs',
  'change-orders': 'commitment_change_orders',
  requisitions: 'requisitions',
} as const;

type Problems = Record<string, string[]>;
const none: Problems = {};

interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

class Refusal extends Error {
  public constructor(public readonly answer: Answer) {
    super('refused');
  }
}
const refuse = (status: number, body: unknown): never => {
  throw new Refusal({ status, body });
};

function ulid(at: number): string {
  let time = '';
  let t = at;
  for (let i = 0; i < 10; i += 1) {
    time = CROCKFORD[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const random = [...randomBytes(16)].map((byte) => CROCKFORD[byte % 32]).join('');
  return time + random;
}

/** Procore's timestamps: ISO 8601, whole seconds, UTC. */
const stamp = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Starts a simulated Procore company (API and login host on one port) on 127.0.0.1, as strict as
 * the public documentation: client-credentials tokens that expire; `Procore-Company-Id` required
 * on every API call; an hourly window (fixed from its first call) and a rolling 10-second spike
 * window per app and company, reported in `X-Rate-Limit-*` on every answer (whichever is closer
 * to running out), 429 without `Retry-After` once either is used up; sync actions for vendors,
 * cost codes, purchase order contracts and their line items (at most 1,000 items, always 200 with
 * `entities` / `errors`, unknown or mistyped attributes refused per item, `origin_id` unique per
 * resource type across the company); lists paged with `Link` / `Total` / `Per-Page` and
 * `filters[origin_id]` / `filters[updated_at]=a...b`; the webhooks API (hooks, triggers) and an
 * emitter of v2.0 ids-only deliveries carrying each hook's custom headers, echoes of API writes
 * included.
 */
export async function startProcoreSimulator(options: ProcoreSimulatorOptions = {}): Promise<ProcoreSimulator> {
  const config = resolveProcoreSimulatorOptions(options);
  const { now, companyId } = config;
  const projects = new Set(config.projectIds);
  const appId = `app-${config.clientId}`;
  const tokens = new Map<string, number>();
  let tokensIssued = 0;
  let nextId = 562_949_953_500_000;
  const store: Record<EventResource | 'cost_codes', Map<number, ProcoreRecord>> = {
    vendors: new Map(),
    cost_codes: new Map(),
    purchase_order_contracts: new Map(),
    direct_costs: new Map(),
    commitment_change_orders: new Map(),
    requisitions: new Map(),
  };
  const hooks = new Map<number, ProcoreHook>();
  const callLog: ProcoreCallLogEntry[] = [];
  const deliveries: ProcoreDelivery[] = [];
  /** Undelivered events, each with the hooks that matched it when it happened. */
  const pending: Array<{ event: ProcoreEvent; hookIds: Set<number> }> = [];
  const sent = new Map<string, ProcoreEvent>();
  const faults: Array<ProcoreFault & { times: number }> = [];
  let hourStart: number | undefined;
  let hourCount = 0;
  const spikeArrivals: number[] = [];

  const emit = (resource: EventResource, record: ProcoreRecord, eventType: ProcoreEvent['event_type'], byApi: boolean): void => {
    const at = now();
    const event: ProcoreEvent = {
      id: nextId++,
      ulid: ulid(at.getTime()),
      timestamp: at.toISOString(),
      resource_name: RESOURCE_NAMES[resource],
      resource_id: record.id,
      event_type: eventType,
      company_id: companyId,
      project_id: typeof record['project_id'] === 'number' ? record['project_id'] : null,
      source_application_id: byApi ? appId : null,
    };
    // Only hooks (and triggers) in place when the change happens get an event for it.
    const hookIds = new Set([...hooks.values()].filter((hook) => matches(hook, event)).map((hook) => hook.id));
    if (hookIds.size > 0) pending.push({ event, hookIds });
  };

  const byOrigin = (resource: keyof typeof store, originId: string): ProcoreRecord | undefined =>
    [...store[resource].values()].find((record) => record['origin_id'] === originId);
  const lineItemByOrigin = (originId: string): ProcoreRecord | undefined => {
    for (const contract of store.purchase_order_contracts.values()) {
      const found = (contract['line_items'] as ProcoreRecord[]).find((line) => line['origin_id'] === originId);
      if (found) return found;
    }
    return undefined;
  };

  // ------------------------------------------------------------------ rate limits
  /** Counts an API call; answers what the headers report, and whether the call is over a limit. */
  const countCall = (at: number): { over: boolean; headers: Record<string, string> } => {
    if (hourStart === undefined || at >= hourStart + config.hourly.windowMs) {
      hourStart = at;
      hourCount = 0;
    }
    while (spikeArrivals.length > 0 && spikeArrivals[0]! <= at - config.spike.windowMs) spikeArrivals.shift();
    const over = hourCount >= config.hourly.calls || spikeArrivals.length >= config.spike.calls;
    if (!over) {
      hourCount += 1;
      spikeArrivals.push(at);
    }
    return { over, headers: limitHeaders(at) };
  };
  const limitHeaders = (at: number): Record<string, string> => {
    const hourlyLeft = Math.max(0, config.hourly.calls - hourCount);
    const spikeLeft = Math.max(0, config.spike.calls - spikeArrivals.length);
    // Report the limit the app is closest to exceeding; the spike one until the hour runs low.
    const hourly = hourlyLeft < spikeLeft;
    const resetMs = hourly ? (hourStart ?? at) + config.hourly.windowMs : spikeArrivals.length > 0 ? spikeArrivals[0]! + config.spike.windowMs : at + config.spike.windowMs;
    return {
      'x-rate-limit-limit': String(hourly ? config.hourly.calls : config.spike.calls),
      'x-rate-limit-remaining': String(hourly ? hourlyLeft : spikeLeft),
      'x-rate-limit-reset': String(Math.ceil(resetMs / 1000)),
    };
  };

  // ------------------------------------------------------------------ helpers
  const idParam = (value: unknown, name: string): number => {
    const text = value === undefined || value === null ? '' : String(value);
    if (!/^\d{1,16}$/.test(text)) refuse(400, { errors: `${name} is missing or not an integer` });
    return Number(text);
  };
  const projectOf = (url: URL, body: unknown): number => {
    const raw = url.searchParams.get('project_id') ?? (isObject(body) ? body['project_id'] : undefined);
    const id = idParam(raw, 'project_id');
    if (!projects.has(id)) refuse(404, { errors: 'Project not found or not permitted for this app' });
    return id;
  };
  const companyOf = (url: URL, body: unknown): void => {
    const raw = url.searchParams.get('company_id') ?? (isObject(body) ? body['company_id'] : undefined);
    if (idParam(raw, 'company_id') !== companyId) refuse(403, { errors: 'App is not connected to this company' });
  };

  const page = (list: ProcoreRecord[], url: URL, base: string): Answer => {
    let filtered = list.filter((record) => record['deleted_at'] === undefined || record['deleted_at'] === null);
    const origin = url.searchParams.get('filters[origin_id]');
    if (origin !== null) filtered = filtered.filter((record) => record['origin_id'] === origin);
    const ids = url.searchParams.getAll('filters[id][]').map(Number);
    if (ids.length > 0) filtered = filtered.filter((record) => ids.includes(record.id));
    const updated = url.searchParams.get('filters[updated_at]');
    if (updated !== null) {
      const [from, to] = updated.split('...');
      const start = Date.parse(from ?? '');
      const end = Date.parse(to ?? '');
      if (Number.isNaN(start) || Number.isNaN(end)) refuse(400, { errors: 'filters[updated_at] must be a range: start...end (ISO 8601)' });
      filtered = filtered.filter((record) => {
        const at = Date.parse(String(record['updated_at']));
        return at >= start && at <= end;
      });
    }
    filtered.sort((a, b) => a.id - b.id);
    const perPage = Math.min(config.maxPerPage, Math.max(1, Number(url.searchParams.get('per_page') ?? 100) || 100));
    const pageNumber = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const last = Math.max(1, Math.ceil(filtered.length / perPage));
    const link = (n: number, rel: string): string => {
      const next = new URL(url.pathname + url.search, base);
      next.searchParams.set('page', String(n));
      next.searchParams.set('per_page', String(perPage));
      return `<${next.href}>; rel="${rel}"`;
    };
    const links = [link(1, 'first'), ...(pageNumber > 1 ? [link(pageNumber - 1, 'prev')] : []), ...(pageNumber < last ? [link(pageNumber + 1, 'next')] : []), link(last, 'last')];
    return {
      status: 200,
      body: filtered.slice((pageNumber - 1) * perPage, pageNumber * perPage),
      headers: { link: links.join(', '), total: String(filtered.length), 'per-page': String(perPage) },
    };
  };

  const updatesOf = (body: unknown, allowed: readonly string[]): unknown[] => {
    if (!isObject(body)) return refuse(400, { errors: 'request body must be a JSON object' });
    const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
    if (unknown.length > 0) refuse(400, { errors: `unknown parameters: ${unknown.join(', ')}` });
    const updates = body['updates'];
    if (!Array.isArray(updates) || updates.length === 0) refuse(400, { errors: 'updates must be a non-empty array' });
    if ((updates as unknown[]).length > PROCORE_MAX_SYNC_ITEMS) refuse(400, { errors: `updates: at most ${PROCORE_MAX_SYNC_ITEMS} items per sync` });
    return updates as unknown[];
  };

  /**
   * The documented sync action: per item, `id` updates that record (or errors), `origin_id`
   * updates the record holding it or creates one, neither creates; unknown or mistyped
   * attributes and failed checks put the item into `errors` with the attributes it sent.
   */
  const sync = (
    resource: 'vendors' | 'cost_codes' | 'purchase_order_contracts' | 'line_items',
    updates: unknown[],
    scope: {
      readonly all: () => ProcoreRecord[];
      readonly findOrigin: (originId: string) => ProcoreRecord | undefined;
      readonly inScope: (record: ProcoreRecord) => boolean;
      readonly check: (input: Record<string, unknown>, existing: ProcoreRecord | undefined) => Problems;
      readonly create: (input: Record<string, unknown>) => ProcoreRecord;
      readonly update: (record: ProcoreRecord, input: Record<string, unknown>) => void;
      readonly view: (record: ProcoreRecord) => Record<string, unknown>;
    },
  ): Answer => {
    const entities: unknown[] = [];
    const errors: unknown[] = [];
    for (const raw of updates) {
      if (!isObject(raw)) {
        errors.push({ errors: { base: ['must be an object'] } });
        continue;
      }
      const problems = attributeErrors(resource, raw);
      let existing: ProcoreRecord | undefined;
      if (Object.keys(problems).length === 0) {
        if (raw['id'] !== undefined && raw['id'] !== null) {
          existing = scope.all().find((record) => record.id === Number(raw['id']));
          if (!existing) problems['id'] = ['Entity with this ID not found'];
        } else if (typeof raw['origin_id'] === 'string' && raw['origin_id'] !== '') {
          existing = scope.findOrigin(raw['origin_id']);
          // Unique per resource type across the whole company: another project's record blocks it.
          if (existing && !scope.inScope(existing)) {
            problems['origin_id'] = ['has already been taken'];
            existing = undefined;
          }
        }
      }
      if (Object.keys(problems).length === 0) Object.assign(problems, scope.check(raw, existing));
      if (Object.keys(problems).length > 0) {
        errors.push({ ...raw, errors: problems });
        continue;
      }
      if (existing) {
        scope.update(existing, raw);
        existing['updated_at'] = stamp(now());
        entities.push(scope.view(existing));
      } else {
        entities.push(scope.view(scope.create(raw)));
      }
    }
    return { status: 200, body: { entities, errors } };
  };

  const fresh = (input: Record<string, unknown>, extra: Record<string, unknown>): ProcoreRecord => {
    const at = stamp(now());
    const { id: _ignored, ...fields } = input;
    return { origin_id: null, origin_data: null, ...fields, ...extra, id: nextId++, created_at: at, updated_at: at, deleted_at: null };
  };
  const assign = (record: ProcoreRecord, input: Record<string, unknown>): void => {
    for (const [key, value] of Object.entries(input)) if (key !== 'id') record[key] = value;
  };

  // ------------------------------------------------------------------ resources
  const vendorView = (record: ProcoreRecord): Record<string, unknown> => ({ ...record });
  const vendorRoutes = (method: string, rest: string, url: URL, body: unknown, base: string): Answer | undefined => {
    if (method === 'GET' && rest === '/vendors') {
      companyOf(url, body);
      return page([...store.vendors.values()], url, base);
    }
    const show = /^\/vendors\/(\d+)$/.exec(rest);
    if (method === 'GET' && show) {
      companyOf(url, body);
      const found = store.vendors.get(Number(show[1]));
      return found ? { status: 200, body: vendorView(found) } : { status: 404, body: { errors: 'Vendor not found' } };
    }
    if (method === 'PATCH' && rest === '/vendors/sync') {
      companyOf(url, body);
      const updates = updatesOf(body, ['company_id', 'updates']);
      return sync('vendors', updates, {
        all: () => [...store.vendors.values()],
        findOrigin: (originId) => byOrigin('vendors', originId),
        inScope: () => true,
        check: (input, existing) => (!existing && (typeof input['name'] !== 'string' || input['name'].trim() === '') ? { name: ["can't be blank"] } : none),
        create: (input) => {
          const record = fresh(input, { is_active: input['is_active'] ?? true, synced_to_erp: false });
          store.vendors.set(record.id, record);
          emit('vendors', record, 'create', true);
          return record;
        },
        update: (record, input) => {
          assign(record, input);
          emit('vendors', record, 'update', true);
        },
        view: vendorView,
      });
    }
    return undefined;
  };

  const costCodeRoutes = (method: string, rest: string, url: URL, body: unknown, base: string): Answer | undefined => {
    if (method === 'GET' && rest === '/cost_codes') {
      const project = projectOf(url, body);
      return page([...store.cost_codes.values()].filter((record) => record['project_id'] === project), url, base);
    }
    const show = /^\/cost_codes\/(\d+)$/.exec(rest);
    if (method === 'GET' && show) {
      const project = projectOf(url, body);
      const found = store.cost_codes.get(Number(show[1]));
      return found && found['project_id'] === project ? { status: 200, body: found } : { status: 404, body: { errors: 'Cost Code not found' } };
    }
    if (method === 'PATCH' && rest === '/cost_codes/sync') {
      const project = projectOf(url, body);
      const updates = updatesOf(body, ['project_id', 'updates']);
      return sync('cost_codes', updates, {
        all: () => [...store.cost_codes.values()].filter((record) => record['project_id'] === project),
        findOrigin: (originId) => byOrigin('cost_codes', originId),
        inScope: (record) => record['project_id'] === project,
        check: (input, existing) => {
          if (existing) return none;
          const problems: Problems = {};
          if (typeof input['code'] !== 'string' || input['code'].trim() === '') problems['code'] = ["can't be blank"];
          if (typeof input['name'] !== 'string' || input['name'].trim() === '') problems['name'] = ["can't be blank"];
          return problems;
        },
        create: (input) => {
          const record = fresh(input, { project_id: project, full_code: input['code'] });
          store.cost_codes.set(record.id, record);
          return record;
        },
        update: (record, input) => {
          assign(record, input);
          if (typeof input['code'] === 'string') record['full_code'] = input['code'];
        },
        view: (record) => record,
      });
    }
    return undefined;
  };

  const contractView = (record: ProcoreRecord): Record<string, unknown> => {
    const { line_items: _lines, ...fields } = record;
    const vendor = typeof record['vendor_id'] === 'number' ? store.vendors.get(record['vendor_id']) : undefined;
    return { ...fields, vendor: vendor ? { id: vendor.id, company: vendor['name'] } : null, project: { id: record['project_id'] } };
  };
  const contractRoutes = (method: string, rest: string, url: URL, body: unknown, base: string): Answer | undefined => {
    if (method === 'GET' && rest === '/purchase_order_contracts') {
      const project = projectOf(url, body);
      const listed = page([...store.purchase_order_contracts.values()].filter((record) => record['project_id'] === project), url, base);
      return { ...listed, body: (listed.body as ProcoreRecord[]).map(contractView) };
    }
    const show = /^\/purchase_order_contracts\/(\d+)$/.exec(rest);
    const contractIn = (id: string, project: number): ProcoreRecord => {
      const found = store.purchase_order_contracts.get(Number(id));
      if (!found || found['project_id'] !== project) return refuse(404, { errors: 'Purchase Order Contract not found' });
      return found;
    };
    if (method === 'GET' && show) return { status: 200, body: contractView(contractIn(show[1]!, projectOf(url, body))) };
    if (method === 'PATCH' && rest === '/purchase_order_contracts/sync') {
      const project = projectOf(url, body);
      const updates = updatesOf(body, ['project_id', 'updates']);
      return sync('purchase_order_contracts', updates, {
        all: () => [...store.purchase_order_contracts.values()].filter((record) => record['project_id'] === project),
        findOrigin: (originId) => byOrigin('purchase_order_contracts', originId),
        inScope: (record) => record['project_id'] === project,
        check: (input) => {
          const vendor = input['vendor_id'];
          return vendor !== undefined && vendor !== null && !store.vendors.has(Number(vendor)) ? { vendor_id: ['Vendor must exist in the company directory'] } : none;
        },
        create: (input) => {
          const record = fresh(input, { project_id: project, status: input['status'] ?? 'Draft', line_items: [], grand_total: 0 });
          if (record['vendor_id'] !== undefined && record['vendor_id'] !== null) record['vendor_id'] = Number(record['vendor_id']);
          store.purchase_order_contracts.set(record.id, record);
          emit('purchase_order_contracts', record, 'create', true);
          return record;
        },
        update: (record, input) => {
          assign(record, input);
          if (input['vendor_id'] !== undefined && input['vendor_id'] !== null) record['vendor_id'] = Number(input['vendor_id']);
          emit('purchase_order_contracts', record, 'update', true);
        },
        view: contractView,
      });
    }
    const lines = /^\/purchase_order_contracts\/(\d+)\/line_items$/.exec(rest);
    if (method === 'GET' && lines) {
      const contract = contractIn(lines[1]!, projectOf(url, body));
      return page(contract['line_items'] as ProcoreRecord[], url, base);
    }
    const lineSync = /^\/purchase_order_contracts\/(\d+)\/line_items\/sync$/.exec(rest);
    if (method === 'PATCH' && lineSync) {
      const project = projectOf(url, body);
      const contract = contractIn(lineSync[1]!, project);
      const items = contract['line_items'] as ProcoreRecord[];
      const updates = updatesOf(body, ['project_id', 'updates']);
      const answer = sync('line_items', updates, {
        all: () => items,
        findOrigin: lineItemByOrigin,
        inScope: (record) => items.includes(record),
        check: (input, existing) => {
          const code = input['cost_code_id'] ?? existing?.['cost_code_id'];
          const found = code === undefined || code === null ? undefined : store.cost_codes.get(Number(code));
          if (!found) return { cost_code_id: [code === undefined || code === null ? "can't be blank" : 'Cost code must exist'] };
          if (found['project_id'] !== project) return { cost_code_id: ['Cost code belongs to another project'] };
          return none;
        },
        create: (input) => {
          const record = fresh(input, { cost_code_id: Number(input['cost_code_id']) });
          items.push(record);
          return record;
        },
        update: (record, input) => {
          assign(record, input);
          if (input['cost_code_id'] !== undefined) record['cost_code_id'] = Number(input['cost_code_id']);
        },
        view: (record) => record,
      });
      contract['grand_total'] = items.reduce((sum, line) => sum + (typeof line['amount'] === 'number' ? line['amount'] : 0), 0);
      contract['updated_at'] = stamp(now());
      return answer;
    }
    return undefined;
  };

  /** Read-only resources written by Procore users (the simulator's `userCreates...`). */
  const userResourceRoutes = (method: string, rest: string, url: URL, body: unknown, base: string): Answer | undefined => {
    if (method !== 'GET') return undefined;
    const scoped = /^\/projects\/(\d+)\/(direct_costs|commitment_change_orders)(?:\/(\d+))?$/.exec(rest);
    const flat = /^\/(requisitions)(?:\/(\d+))?$/.exec(rest);
    if (!scoped && !flat) return undefined;
    const resource = (scoped ? scoped[2] : flat![1]) as 'direct_costs' | 'commitment_change_orders' | 'requisitions';
    const project = scoped ? Number(scoped[1]) : projectOf(url, body);
    if (!projects.has(project)) refuse(404, { errors: 'Project not found or not permitted for this app' });
    const id = scoped ? scoped[3] : flat![2];
    const inProject = [...store[resource].values()].filter((record) => record['project_id'] === project);
    if (id === undefined) return page(inProject, url, base);
    const found = inProject.find((record) => record.id === Number(id));
    return found ? { status: 200, body: found } : { status: 404, body: { errors: 'Not found' } };
  };

  // ------------------------------------------------------------------ webhooks API
  const hookScope = (url: URL, body: unknown): ProcoreHook['scope'] => {
    const raw = (key: string): unknown => url.searchParams.get(key) ?? (isObject(body) ? body[key] : undefined);
    if (raw('project_id') !== undefined && raw('project_id') !== null) return { kind: 'project', id: projectOf(url, body) };
    companyOf(url, body);
    return { kind: 'company', id: companyId };
  };
  const hookView = (hook: ProcoreHook): Record<string, unknown> => ({
    id: hook.id,
    namespace: hook.namespace,
    api_version: hook.api_version,
    destination_url: hook.destination_url,
    destination_headers: hook.destination_headers,
    owned_by: hook.scope.kind === 'company' ? { company_id: hook.scope.id } : { project_id: hook.scope.id },
  });
  const checkHookFields = (fields: Record<string, unknown>, creating: boolean): void => {
    const unknown = Object.keys(fields).filter((key) => !['api_version', 'namespace', 'destination_url', 'destination_headers'].includes(key));
    if (unknown.length > 0) refuse(400, { errors: `hook: unknown attributes ${unknown.join(', ')}` });
    if ((creating || fields['namespace'] !== undefined) && (typeof fields['namespace'] !== 'string' || !NAMESPACE.test(fields['namespace']))) {
      refuse(422, { errors: { namespace: ['may contain only lowercase letters, digits and dashes'] } });
    }
    if (creating || fields['destination_url'] !== undefined) {
      let destination: URL | undefined;
      try {
        destination = new URL(String(fields['destination_url']));
      } catch {
        destination = undefined;
      }
      // Procore delivers over HTTPS only; plain http is accepted for this machine's own listeners.
      if (!destination || (destination.protocol !== 'https:' && !(destination.protocol === 'http:' && destination.hostname === '127.0.0.1'))) {
        refuse(422, { errors: { destination_url: ['must be an https URL'] } });
      }
    }
    const headers = fields['destination_headers'];
    if (headers !== undefined && (!isObject(headers) || Object.values(headers).some((value) => typeof value !== 'string'))) {
      refuse(422, { errors: { destination_headers: ['must be an object of header names to string values'] } });
    }
  };
  const webhookRoutes = (method: string, rest: string, url: URL, body: unknown): Answer | undefined => {
    if (!rest.startsWith('/webhooks/hooks')) return undefined;
    const scope = hookScope(url, body);
    const inScope = (hook: ProcoreHook | undefined): hook is ProcoreHook => !!hook && hook.scope.kind === scope.kind && hook.scope.id === scope.id;
    if (rest === '/webhooks/hooks' && method === 'GET') return { status: 200, body: [...hooks.values()].filter(inScope).map(hookView) };
    if (rest === '/webhooks/hooks' && method === 'POST') {
      if (!isObject(body) || !isObject(body['hook'])) return refuse(400, { errors: 'hook is required' });
      const fields = body['hook'];
      checkHookFields(fields, true);
      const hook: ProcoreHook = {
        id: nextId++,
        scope,
        namespace: String(fields['namespace']),
        api_version: typeof fields['api_version'] === 'string' ? fields['api_version'] : 'v2',
        destination_url: String(fields['destination_url']),
        destination_headers: (fields['destination_headers'] as Record<string, string> | undefined) ?? {},
        triggers: new Map(),
      };
      hooks.set(hook.id, hook);
      return { status: 201, body: hookView(hook) };
    }
    const one = /^\/webhooks\/hooks\/(\d+)(\/triggers(?:\/(\d+))?)?$/.exec(rest);
    if (!one) return undefined;
    const hook = hooks.get(Number(one[1]));
    if (!inScope(hook)) return refuse(404, { errors: 'Hook not found' });
    if (!one[2]) {
      if (method === 'GET') return { status: 200, body: hookView(hook) };
      if (method === 'DELETE') {
        hooks.delete(hook.id);
        return { status: 204 };
      }
      if (method === 'PATCH') {
        if (!isObject(body) || !isObject(body['hook'])) return refuse(400, { errors: 'hook is required' });
        checkHookFields(body['hook'], false);
        const fields = body['hook'];
        if (typeof fields['namespace'] === 'string') hook.namespace = fields['namespace'];
        if (typeof fields['api_version'] === 'string') hook.api_version = fields['api_version'];
        if (typeof fields['destination_url'] === 'string') hook.destination_url = fields['destination_url'];
        if (isObject(fields['destination_headers'])) hook.destination_headers = fields['destination_headers'] as Record<string, string>;
        return { status: 200, body: hookView(hook) };
      }
      return undefined;
    }
    if (one[3] === undefined && method === 'GET') return { status: 200, body: [...hook.triggers.values()] };
    if (one[3] === undefined && method === 'POST') {
      const trigger = isObject(body) ? body['trigger'] : undefined;
      if (!isObject(trigger)) return refuse(400, { errors: 'trigger is required' });
      const unknown = Object.keys(trigger).filter((key) => key !== 'resource_name' && key !== 'event_type');
      if (unknown.length > 0) refuse(400, { errors: `trigger: unknown attributes ${unknown.join(', ')}` });
      const eventType = trigger['event_type'];
      const resourceName = trigger['resource_name'];
      if (eventType !== 'create' && eventType !== 'update' && eventType !== 'delete') refuse(422, { errors: { event_type: ['is not included in the list'] } });
      if (typeof resourceName !== 'string' || resourceName === '') return refuse(422, { errors: { resource_name: ["can't be blank"] } });
      if ([...hook.triggers.values()].some((existing) => existing.resource_name === resourceName && existing.event_type === eventType)) {
        refuse(422, { errors: { event_type: ['has already been taken'] } });
      }
      const created = { id: nextId++, resource_name: resourceName, event_type: eventType as string };
      hook.triggers.set(created.id, created);
      return { status: 201, body: created };
    }
    if (one[3] !== undefined && method === 'DELETE') {
      if (!hook.triggers.delete(Number(one[3]))) refuse(404, { errors: 'Trigger not found' });
      return { status: 204 };
    }
    return undefined;
  };

  // ------------------------------------------------------------------ dispatch
  const api = (method: string, path: string, url: URL, body: unknown, base: string): Answer => {
    const rest = path.slice(API_PREFIX.length);
    if (method === 'GET' && rest === '/me') return { status: 200, body: { id: 1, login: `${config.clientId}@dmsa.procore.example`, name: 'ml-connector DMSA' } };
    if (method === 'GET' && rest === '/companies') return { status: 200, body: [{ id: companyId, name: 'Demo Builders Inc.', is_active: true }] };
    const project = /^\/projects\/(\d+)$/.exec(rest);
    if (method === 'GET' && project) {
      companyOf(url, body);
      const id = Number(project[1]);
      return projects.has(id) ? { status: 200, body: { id, name: `Project ${id}`, company: { id: companyId } } } : { status: 404, body: { errors: 'Project not found' } };
    }
    return (
      vendorRoutes(method, rest, url, body, base) ??
      costCodeRoutes(method, rest, url, body, base) ??
      contractRoutes(method, rest, url, body, base) ??
      userResourceRoutes(method, rest, url, body, base) ??
      webhookRoutes(method, rest, url, body) ?? { status: 404, body: { errors: `No route matches ${method} ${path}` } }
    );
  };

  const token = (request: IncomingMessage, text: string): Answer => {
    const type = request.headers['content-type'] ?? '';
    let params: Record<string, unknown>;
    try {
      params = /json/i.test(type) ? (JSON.parse(text) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(text));
    } catch {
      return { status: 400, body: { error: 'invalid_request', error_description: 'The request body could not be parsed' } };
    }
    if (params['grant_type'] !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'The authorization grant type is not supported' } };
    if (params['client_id'] !== config.clientId || params['client_secret'] !== config.clientSecret) {
      return { status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.' } };
    }
    const value = randomBytes(24).toString('base64url');
    const at = now().getTime();
    tokens.set(value, at + config.tokenLifetimeSeconds * 1000);
    tokensIssued += 1;
    return { status: 200, body: { access_token: value, token_type: 'bearer', expires_in: config.tokenLifetimeSeconds, created_at: Math.floor(at / 1000) } };
  };

  const handle = (request: IncomingMessage, text: string, base: string): Answer & { path: string; company?: string; records?: number } => {
    const url = new URL(request.url ?? '/', base);
    const path = url.pathname;
    const method = request.method ?? 'GET';
    if (path === '/oauth/token') return { path, ...(method === 'POST' ? token(request, text) : { status: 404, body: { error: 'not_found' } }) };
    const company = typeof request.headers['procore-company-id'] === 'string' ? request.headers['procore-company-id'] : undefined;
    const at = now().getTime();
    const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    const expiry = bearer ? tokens.get(bearer) : undefined;
    if (expiry === undefined || expiry <= at) return { path, ...(company ? { company } : {}), status: 401, body: { errors: 'The access token is invalid' } };
    // Client-credentials (DMSA) tokens must name the company on every call, /me and /companies included.
    if (company === undefined) return { path, status: 400, body: { errors: 'Missing Procore-Company-Id header!' } };
    if (company !== String(companyId)) return { path, company, status: 403, body: { errors: 'App is not connected to this company' } };
    const limit = countCall(at);
    if (limit.over) {
      return { path, company, status: 429, headers: limit.headers, body: 'You have surpassed the max number of requests for an hour. Please wait until your limit resets.' };
    }
    const fault = faults.find((candidate) => candidate.pathIncludes === undefined || path.includes(candidate.pathIncludes));
    if (fault) {
      fault.times -= 1;
      if (fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
      const headers: Record<string, string> = { ...limit.headers };
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      if (fault.status === 429) {
        headers['x-rate-limit-remaining'] = '0';
        if (fault.resetInSeconds !== undefined) headers['x-rate-limit-reset'] = String(Math.ceil(at / 1000) + fault.resetInSeconds);
      }
      return { path, company, status: fault.status, headers, body: fault.status === 429 ? 'You have surpassed the max number of requests. Please wait until your limit resets.' : { errors: 'Service Unavailable' } };
    }
    let body: unknown;
    if (method === 'POST' || method === 'PATCH' || method === 'PUT') {
      if (!/application\/json/i.test(request.headers['content-type'] ?? '')) return { path, company, status: 406, headers: limit.headers, body: { errors: 'Content-Type must be application/json' } };
      try {
        body = JSON.parse(text);
      } catch {
        return { path, company, status: 400, headers: limit.headers, body: { errors: 'The request body is not valid JSON' } };
      }
    }
    const records = isObject(body) && Array.isArray(body['updates']) ? body['updates'].length : undefined;
    let answer: Answer;
    try {
      answer = path.startsWith(`${API_PREFIX}/`) ? api(method, path, url, body, base) : { status: 404, body: { errors: 'Not found' } };
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      answer = error.answer;
    }
    return { path, company, ...(records !== undefined ? { records } : {}), ...answer, headers: { ...limit.headers, ...answer.headers } };
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const base = `http://${request.headers.host ?? '127.0.0.1'}`;
      let answer: ReturnType<typeof handle>;
      try {
        answer = handle(request, Buffer.concat(chunks).toString('utf8'), base);
      } catch (error) {
        answer = { path: request.url ?? '/', status: 500, body: { errors: `simulator bug: ${String(error)}` } };
      }
      callLog.push({
        at: now(),
        method: request.method ?? 'GET',
        path: answer.path,
        status: answer.status,
        ...(answer.company !== undefined ? { companyHeader: answer.company } : {}),
        ...(answer.records !== undefined ? { records: answer.records } : {}),
        ...(answer.headers?.['retry-after'] !== undefined ? { retryAfter: true } : {}),
      });
      const text = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      response.writeHead(answer.status, { 'content-type': typeof answer.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8', ...answer.headers });
      response.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  // ------------------------------------------------------------------ deliveries
  const payloadOf = (event: ProcoreEvent): Record<string, unknown> => ({
    id: event.id,
    ulid: event.ulid,
    timestamp: event.timestamp,
    metadata: {
      source_user_id: 1,
      source_project_id: event.project_id,
      source_operation_id: null,
      source_company_id: event.company_id,
      source_application_id: event.source_application_id,
    },
    user_id: 1,
    company_id: event.company_id,
    project_id: event.project_id,
    api_version: 'v2.0',
    event_type: event.event_type,
    resource_name: event.resource_name,
    resource_id: event.resource_id,
  });
  const matches = (hook: ProcoreHook, event: ProcoreEvent): boolean =>
    (hook.scope.kind === 'company' ? hook.scope.id === event.company_id : hook.scope.id === event.project_id) &&
    [...hook.triggers.values()].some((trigger) => trigger.resource_name === event.resource_name && trigger.event_type === event.event_type);
  const post = async (hook: ProcoreHook, event: ProcoreEvent): Promise<ProcoreDelivery> => {
    const body = payloadOf(event);
    let status = 0;
    try {
      const response = await fetch(hook.destination_url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...hook.destination_headers },
        body: JSON.stringify(body),
        // Procore waits 5 s for an answer once connected.
        signal: AbortSignal.timeout(5_000),
      });
      status = response.status;
      await response.body?.cancel();
    } catch {
      status = 0;
    }
    const delivery: ProcoreDelivery = {
      hookId: hook.id,
      url: hook.destination_url,
      event,
      body,
      headerNames: Object.keys(hook.destination_headers),
      status,
      outcome: status >= 200 && status < 300 ? 'ok' : 'retried',
    };
    deliveries.push(delivery);
    return delivery;
  };

  const userRecord = (resource: EventResource, projectId: number, fields: Record<string, unknown>): ProcoreRecord => {
    if (!projects.has(projectId)) throw new Error(`project ${projectId} is not one of the simulated company's projects`);
    // A contract's schedule of values entered in the UI: line items of their own (ids, stamps).
    const lines = Array.isArray(fields['line_items']) ? (fields['line_items'] as Record<string, unknown>[]).map((line) => fresh(line, {})) : [];
    const record = fresh(fields, { project_id: projectId, ...(resource === 'purchase_order_contracts' ? { line_items: lines, status: fields['status'] ?? 'Draft' } : {}) });
    if (resource === 'purchase_order_contracts') record['grand_total'] = lines.reduce((sum, line) => sum + (typeof line['amount'] === 'number' ? line['amount'] : 0), 0);
    store[resource].set(record.id, record);
    emit(resource, record, 'create', false);
    return record;
  };

  const deliverPending = async (): Promise<ProcoreDelivery[]> => {
    const made: ProcoreDelivery[] = [];
    for (const entry of [...pending]) {
      for (const hookId of [...entry.hookIds]) {
        const hook = hooks.get(hookId);
        if (!hook) {
          entry.hookIds.delete(hookId);
          continue;
        }
        const delivery = await post(hook, entry.event);
        made.push(delivery);
        if (delivery.outcome === 'ok') entry.hookIds.delete(hookId);
      }
      if (entry.hookIds.size === 0) {
        pending.splice(pending.indexOf(entry), 1);
        sent.set(entry.event.ulid, entry.event);
      }
    }
    return made;
  };
  const redeliver = async (id: string): Promise<ProcoreDelivery[]> => {
    const event = sent.get(id);
    if (!event) throw new Error(`no delivered event ${id}`);
    const made: ProcoreDelivery[] = [];
    for (const hook of hooks.values()) if (matches(hook, event)) made.push(await post(hook, event));
    return made;
  };
  /** Events the demo's user activity asked to be sent twice (at-least-once delivery), by ulid. */
  const sendTwice = new Set<string>();
  const lastEventOf = (resource: EventResource, id: number): ProcoreEvent | undefined =>
    [...pending].reverse().find((entry) => entry.event.resource_name === RESOURCE_NAMES[resource] && entry.event.resource_id === id)?.event;

  return {
    url: `http://127.0.0.1:${port}`,
    companyId,
    projectIds: [...projects],
    vendors: store.vendors,
    costCodes: store.cost_codes,
    commitments: store.purchase_order_contracts,
    callLog,
    hooks,
    deliveries,
    get tokensIssued() {
      return tokensIssued;
    },
    calls: (filter) => (filter ? callLog.filter(filter).length : callLog.length),
    fail: (fault, times = 1) => faults.push({ ...fault, times }),
    invalidateTokens: () => tokens.clear(),
    vendorByOrigin: (originId) => byOrigin('vendors', originId),
    costCodeByOrigin: (originId) => byOrigin('cost_codes', originId),
    commitmentByOrigin: (originId) => byOrigin('purchase_order_contracts', originId),
    userCreatesCommitment: (projectId, fields) => userRecord('purchase_order_contracts', projectId, fields),
    userCreatesDirectCost: (projectId, fields) => userRecord('direct_costs', projectId, fields),
    userCreatesChangeOrder: (projectId, fields) => userRecord('commitment_change_orders', projectId, fields),
    userCreatesRequisition: (projectId, fields) => userRecord('requisitions', projectId, fields),
    userUpdates: (resource, id, fields) => {
      const name = USER_RESOURCES[resource];
      const record = store[name].get(id);
      if (!record) throw new Error(`no ${resource} record ${id}`);
      assign(record, fields);
      record['updated_at'] = stamp(now());
      emit(name, record, 'update', false);
      return record;
    },
    pendingEvents: () => pending.length,
    deliver: deliverPending,
    redeliver,
    /** Delivers everything pending (what the destinations refuse stays pending), then sends the marked events once more. */
    idle: async () => {
      for (let rounds = 0; pending.length > 0 && rounds < 5; rounds += 1) {
        const made = await deliverPending();
        if (made.every((delivery) => delivery.outcome !== 'ok')) break;
      }
      for (const id of [...sendTwice]) {
        if (!sent.has(id)) continue;
        sendTwice.delete(id);
        await redeliver(id);
      }
    },
    /**
     * A project manager at work in Procore's UI: a purchase order contract for a vendor and cost
     * codes that came from the ERP, a direct cost (an invoice; Procore will deliver its event
     * twice) and a change order on that contract, in the first project.
     */
    userActivity: async () => {
      const project = config.projectIds[0]!;
      const vendor = [...store.vendors.values()].find((record) => typeof record['origin_id'] === 'string' && record['is_active'] !== false);
      const codes = [...store.cost_codes.values()].filter((record) => record['project_id'] === project && typeof record['origin_id'] === 'string');
      if (!vendor || codes.length < 2) return ['(no vendor and cost codes from the ERP yet: nothing entered in Procore)'];
      const [first, second] = codes as [ProcoreRecord, ProcoreRecord];
      const today = stamp(now()).slice(0, 10);
      const costCode = (code: ProcoreRecord) => ({ id: code.id, full_code: code['full_code'], name: code['name'] });
      const contract = userRecord('purchase_order_contracts', project, {
        title: 'Site fencing and gates',
        number: `PC-${String(store.purchase_order_contracts.size + 1).padStart(3, '0')}`,
        vendor_id: vendor.id,
        status: 'Approved',
        contract_date: today,
        line_items: [
          { description: 'Temporary fencing (m)', quantity: 240, unit_cost: 18.5, amount: 4440, uom: 'm', cost_code_id: first.id },
          { description: 'Vehicle gates', quantity: 2, unit_cost: 1250, amount: 2500, uom: 'ea', cost_code_id: second.id },
        ],
      });
      const directCost = userRecord('direct_costs', project, {
        direct_cost_type: 'invoice',
        invoice_number: `INV-${contract.id % 10_000}`,
        vendor_id: vendor.id,
        status: 'approved',
        direct_cost_date: today,
        description: 'Crane hire, two days',
        grand_total: 3180.75,
        line_items: [{ id: nextId++, description: 'Crane hire, two days', amount: 3180.75, cost_code: costCode(first) }],
      });
      const twice = lastEventOf('direct_costs', directCost.id);
      if (twice) sendTwice.add(twice.ulid);
      const changeOrder = userRecord('commitment_change_orders', project, {
        contract_id: contract.id,
        number: '001',
        title: 'Extra gate',
        status: 'approved',
        due_date: today,
        grand_total: 1250,
        line_items: [{ id: nextId++, description: 'Third vehicle gate', amount: 1250, cost_code: costCode(second) }],
      });
      return [
        `a user made purchase order contract ${String(contract['number'])} (${contract.id}) for ${String(vendor['name'])} in project ${project}`,
        `a user entered direct cost ${directCost.id} (invoice ${String(directCost['invoice_number'])}, 3,180.75); Procore will deliver its event twice`,
        `a user approved change order ${changeOrder.id} on ${String(contract['number'])} (1,250.00)`,
      ];
    },
    summary: () =>
      `${store.vendors.size} vendors, ${store.cost_codes.size} cost codes, ${store.purchase_order_contracts.size} purchase order contracts, ${hooks.size} webhook hooks`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
