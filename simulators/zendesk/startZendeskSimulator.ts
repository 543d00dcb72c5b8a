import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ZendeskCallLogEntry, ZendeskFault, ZendeskOrganization, ZendeskSimulator, ZendeskUser } from './ZendeskSimulator';
import { resolveZendeskSimulatorOptions, type ZendeskSimulatorOptions } from './ZendeskSimulatorOptions';

/** Documented cap of every bulk endpoint and of `show_many`. */
export const ZENDESK_MAX_BULK_ITEMS = 100;
const WINDOW_MS = 60_000;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

type JobResult = Record<string, unknown>;

interface Job {
  readonly id: string;
  readonly type: string;
  readonly total: number;
  readonly createdAt: number;
  readonly dueAt: number;
  /** Applies the job to the account and returns its results (request order). */
  readonly run: () => JobResult[];
  results?: JobResult[];
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

class BadRequest extends Error {
  public constructor(public readonly status: number, public readonly body: unknown) {
    super('bad request');
  }
}

const lower = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value.toLowerCase() : undefined);

/**
 * Starts a simulated Zendesk Support account on 127.0.0.1, strict as the API reference
 * (https://developer.zendesk.com/api-reference/): API-token Basic auth, a per-minute request
 * limit answered with 429 + `Retry-After` and reported in `X-Rate-Limit-Remaining`, users
 * `create_or_update_many` and organizations `create_many` / `update_many` (at most 100 items) as
 * background jobs that complete after a delay and list their results in any order, at most 30
 * queued jobs, job statuses one by one or many at once (`job_statuses/show_many?ids=`),
 * `show_many` by external ids, custom user fields that must exist, and suspension.
 */
export async function startZendeskSimulator(options: ZendeskSimulatorOptions = {}): Promise<ZendeskSimulator> {
  const config = resolveZendeskSimulatorOptions(options);
  const { now } = config;
  const users = new Map<number, ZendeskUser>();
  const organizations = new Map<number, ZendeskOrganization>();
  const userFields = new Set(config.userFields);
  const jobs = new Map<string, Job>();
  const callLog: ZendeskCallLogEntry[] = [];
  const arrivals: number[] = [];
  const faults: Array<ZendeskFault & { times: number }> = [];
  let nextId = 360_000_000_000;
  const expectedAuth = `Basic ${Buffer.from(`${config.email}/token:${config.apiToken}`).toString('base64')}`;
  const agent: ZendeskUser = {
    id: nextId++,
    name: 'Sync Agent',
    email: config.email,
    role: 'admin',
    suspended: false,
    active: true,
    user_fields: {},
    created_at: now().toISOString(),
    updated_at: now().toISOString(),
  };

  // Indexes by lower-cased external id and e-mail (both match case-insensitively); kept current by `indexUser`.
  const byExternalId = new Map<string, ZendeskUser>();
  const byEmail = new Map<string, ZendeskUser>();
  const indexUser = (user: ZendeskUser): void => {
    if (user.external_id) byExternalId.set(user.external_id.toLowerCase(), user);
    if (user.email) byEmail.set(user.email.toLowerCase(), user);
  };
  const userByExternalId = (externalId: string): ZendeskUser | undefined => byExternalId.get(externalId.toLowerCase());
  const userByEmail = (email: string): ZendeskUser | undefined => byEmail.get(email.toLowerCase());
  const orgByExternalId = (externalId: string): ZendeskOrganization | undefined =>
    [...organizations.values()].find((org) => lower(org.external_id) === externalId.toLowerCase());

  const pending = (at: number): Job[] => [...jobs.values()].filter((job) => job.results === undefined && job.dueAt > at);
  /** Runs every job that is due, oldest first, so jobs apply in the order they were queued. */
  const advance = (at: number): void => {
    for (const job of [...jobs.values()].sort((a, b) => a.createdAt - b.createdAt)) {
      if (job.results === undefined && job.dueAt <= at) job.results = job.run();
    }
  };

  const shuffled = <T>(list: T[]): T[] => {
    if (!config.shuffleResults) return list;
    const out = [...list];
    for (let i = out.length - 1; i > 0; i -= 1) {
      const j = Math.floor(Math.random() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    // Never hand back the request order when there is another: order must not be relied on.
    if (out.length > 1 && out.every((item, index) => item === list[index])) out.push(out.shift()!);
    return out;
  };

  const jobStatusOf = (job: Job, base: string, at: number): Record<string, unknown> => {
    const done = job.results !== undefined;
    const status = done ? 'completed' : at < job.createdAt + (job.dueAt - job.createdAt) / 2 ? 'queued' : 'working';
    return {
      id: job.id,
      url: `${base}/api/v2/job_statuses/${job.id}.json`,
      job_type: job.type,
      total: job.total,
      progress: done ? job.total : 0,
      status,
      message: done ? `Completed at ${new Date(at).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' +0000')}` : null,
      results: done ? shuffled(job.results!) : null,
    };
  };

  const enqueue = (type: string, total: number, run: () => JobResult[], base: string, at: number): Answer => {
    const queued = pending(at);
    if (queued.length >= config.maxQueuedJobs) {
      const firstDue = Math.min(...queued.map((job) => job.dueAt));
      return {
        status: 429,
        headers: { 'retry-after': String(Math.max(1, Math.ceil((firstDue - at) / 1000))) },
        body: { error: 'TooManyJobs', description: `Number of allowed queued jobs (${config.maxQueuedJobs}) exceeded` },
      };
    }
    const job: Job = { id: randomBytes(16).toString('hex'), type, total, createdAt: at, dueAt: at + config.jobDurationMs, run };
    jobs.set(job.id, job);
    return { status: 200, body: { job_status: jobStatusOf(job, base, at) } };
  };

  const userJson = (user: ZendeskUser): Record<string, unknown> => ({
    ...user,
    user_fields: Object.fromEntries([...userFields].map((key) => [key, user.user_fields[key] ?? null])),
  });

  /** One entry of `create_or_update_many`, applied when its job runs. */
  const upsertUser = (raw: unknown, index: number): JobResult => {
    const failed = (error: string, details: string): JobResult => ({ index, error, details, status: 'Failed' });
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return failed('UserUpdateError', 'User: must be an object');
    const input = raw as Record<string, unknown>;
    const externalId = input['external_id'] === undefined || input['external_id'] === null ? undefined : String(input['external_id']);
    const email = typeof input['email'] === 'string' ? input['email'] : undefined;
    if (email !== undefined && !EMAIL.test(email)) return failed('UserUpdateError', `Email: ${email} is not properly formatted`);
    const fields = input['user_fields'];
    if (fields !== undefined && (fields === null || typeof fields !== 'object' || Array.isArray(fields))) {
      return failed('UserUpdateError', 'User fields: must be an object');
    }
    const unknown = Object.keys((fields ?? {}) as object).filter((key) => !userFields.has(key));
    if (unknown.length > 0) return failed('UserUpdateError', `User fields: ${unknown.join(', ')} is not a user field of this account`);
    let user = (externalId ? userByExternalId(externalId) : undefined) ?? (email ? userByEmail(email) : undefined);
    const stamp = now().toISOString();
    if (email && user && lower(user.email) !== email.toLowerCase() && userByEmail(email)) {
      return failed('UserUpdateError', `Email: ${email} is already being used by another user`);
    }
    const created = !user;
    if (!user) {
      const name = typeof input['name'] === 'string' ? input['name'].trim() : '';
      if (name === '') return failed('UserCreateError', 'Name: is too short (minimum one character)');
      user = { id: nextId++, name, role: 'end-user', suspended: false, active: true, user_fields: {}, created_at: stamp, updated_at: stamp };
      users.set(user.id, user);
    }
    if (typeof input['name'] === 'string' && input['name'].trim() !== '') user.name = input['name'].trim();
    // The primary e-mail is set on create; later writes would only add a secondary identity.
    if (created && email) user.email = email;
    if (externalId !== undefined) {
      if (user.external_id) byExternalId.delete(user.external_id.toLowerCase());
      user.external_id = externalId;
    }
    if ('phone' in input) user.phone = input['phone'] === null ? null : String(input['phone']);
    if (typeof input['suspended'] === 'boolean') user.suspended = input['suspended'];
    for (const [key, value] of Object.entries((fields ?? {}) as Record<string, unknown>)) user.user_fields[key] = value;
    user.updated_at = stamp;
    indexUser(user);
    return {
      id: user.id,
      status: created ? 'Created' : 'Updated',
      ...(config.userResultKey === 'email' && user.email ? { email: user.email } : {}),
    };
  };

  const orgFields = (target: ZendeskOrganization, input: Record<string, unknown>): void => {
    if (typeof input['name'] === 'string') target.name = input['name'].trim();
    if (input['external_id'] !== undefined && input['external_id'] !== null) target.external_id = String(input['external_id']);
    for (const field of ['details', 'notes'] as const) if (field in input) target[field] = input[field] === null ? null : String(input[field]);
    target.updated_at = now().toISOString();
  };
  const nameTaken = (name: string, except?: number): boolean =>
    [...organizations.values()].some((org) => org.id !== except && org.name.toLowerCase() === name.toLowerCase());

  const createOrganization = (raw: unknown, index: number): JobResult => {
    const failed = (details: string): JobResult => ({ index, error: 'OrganizationCreateError', details, status: 'Failed' });
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return failed('Organization: must be an object');
    const input = raw as Record<string, unknown>;
    const name = typeof input['name'] === 'string' ? input['name'].trim() : '';
    if (name === '') return failed('Name: cannot be blank');
    if (nameTaken(name)) return failed(`Name: ${name} has already been taken`);
    const externalId = input['external_id'] === undefined || input['external_id'] === null ? undefined : String(input['external_id']);
    if (externalId && orgByExternalId(externalId)) return failed(`External: ${externalId} has already been taken`);
    const stamp = now().toISOString();
    const org: ZendeskOrganization = { id: nextId++, name, created_at: stamp, updated_at: stamp };
    orgFields(org, input);
    organizations.set(org.id, org);
    return { id: org.id, index };
  };

  const updateOrganization = (raw: unknown): JobResult => {
    const input = (raw ?? {}) as Record<string, unknown>;
    const id = Number(input['id']);
    const failed = (error: string, details: string): JobResult => ({ id: input['id'] ?? null, action: 'update', success: false, status: 'Failed', error, details });
    const org = organizations.get(id);
    if (!org) return failed('RecordNotFound', 'Not found');
    if (typeof input['name'] === 'string' && nameTaken(input['name'].trim(), id)) return failed('OrganizationUpdateError', `Name: ${input['name']} has already been taken`);
    orgFields(org, input);
    return { id: org.id, action: 'update', success: true, status: 'Updated' };
  };

  const listParam = (url: URL, name: string): string[] => {
    const raw = url.searchParams.get(name);
    if (raw === null) return [];
    const values = raw.split(',').map((value) => value.trim()).filter((value) => value !== '');
    if (values.length > ZENDESK_MAX_BULK_ITEMS) {
      throw new BadRequest(400, { error: 'InvalidValue', description: `${name}: at most ${ZENDESK_MAX_BULK_ITEMS} values` });
    }
    return values;
  };

  const bulkList = (body: unknown, key: string): unknown[] => {
    const list = body && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
    if (!Array.isArray(list) || list.length === 0) throw new BadRequest(400, { error: 'InvalidValue', description: `${key}: expected a non-empty array` });
    if (list.length > ZENDESK_MAX_BULK_ITEMS) {
      throw new BadRequest(400, { error: 'TooManyValues', description: `${key}: at most ${ZENDESK_MAX_BULK_ITEMS} per request, got ${list.length}` });
    }
    return list;
  };

  const route = (method: string, path: string, url: URL, body: unknown, base: string, at: number): Answer => {
    if (method === 'GET' && path === '/api/v2/users/me') return { status: 200, body: { user: userJson(agent) } };
    if (method === 'GET' && path === '/api/v2/user_fields') {
      const list = [...userFields].map((key, index) => ({ id: 1000 + index, key, type: 'text', title: key, active: true }));
      return { status: 200, body: { user_fields: list, next_page: null, previous_page: null, count: list.length } };
    }
    if (method === 'GET' && path === '/api/v2/users/show_many') {
      const externalIds = listParam(url, 'external_ids');
      const ids = listParam(url, 'ids').map(Number);
      if (externalIds.length === 0 && ids.length === 0) throw new BadRequest(400, { error: 'InvalidValue', description: 'ids or external_ids required' });
      const found = [
        ...externalIds.flatMap((externalId) => userByExternalId(externalId) ?? []),
        ...ids.flatMap((id) => users.get(id) ?? []),
      ];
      return { status: 200, body: { users: found.map(userJson), next_page: null, previous_page: null, count: found.length } };
    }
    if (method === 'POST' && path === '/api/v2/users/create_or_update_many') {
      const list = bulkList(body, 'users');
      return enqueue('Bulk Create Or Update Users', list.length, () => list.map(upsertUser), base, at);
    }
    if (method === 'GET' && path === '/api/v2/organizations/show_many') {
      const externalIds = listParam(url, 'external_ids');
      const ids = listParam(url, 'ids').map(Number);
      if (externalIds.length === 0 && ids.length === 0) throw new BadRequest(400, { error: 'InvalidValue', description: 'ids or external_ids required' });
      const found = [...externalIds.flatMap((externalId) => orgByExternalId(externalId) ?? []), ...ids.flatMap((id) => organizations.get(id) ?? [])];
      return { status: 200, body: { organizations: found, next_page: null, previous_page: null, count: found.length } };
    }
    if (method === 'POST' && path === '/api/v2/organizations/create_many') {
      const list = bulkList(body, 'organizations');
      return enqueue('Bulk Create Organizations', list.length, () => list.map(createOrganization), base, at);
    }
    if (method === 'PUT' && path === '/api/v2/organizations/update_many') {
      const list = bulkList(body, 'organizations');
      if (list.some((entry) => !entry || typeof entry !== 'object' || !('id' in entry))) {
        throw new BadRequest(400, { error: 'InvalidValue', description: 'organizations: every entry needs an id' });
      }
      return enqueue('Bulk Update Organizations', list.length, () => list.map(updateOrganization), base, at);
    }
    if (method === 'GET' && path === '/api/v2/job_statuses/show_many') {
      const ids = listParam(url, 'ids');
      if (ids.length === 0) throw new BadRequest(400, { error: 'InvalidValue', description: 'ids required' });
      // Unknown or expired ids are left out of the answer, as `show_many` does for every resource.
      const found = ids.flatMap((id) => jobs.get(id) ?? []);
      return { status: 200, body: { job_statuses: found.map((entry) => jobStatusOf(entry, base, at)) } };
    }
    const job = /^\/api\/v2\/job_statuses\/([A-Za-z0-9]+)$/.exec(path);
    if (method === 'GET' && job) {
      const found = jobs.get(job[1]!);
      if (!found) return { status: 404, body: { error: 'RecordNotFound', description: 'Not found' } };
      return { status: 200, body: { job_status: jobStatusOf(found, base, at) } };
    }
    return { status: 404, body: { error: 'InvalidEndpoint', description: 'Not found' } };
  };

  const handle = (request: IncomingMessage, text: string, base: string): Answer & { path: string; records?: number } => {
    const url = new URL(request.url ?? '/', base);
    const path = url.pathname.replace(/\.json$/, '');
    const method = request.method ?? 'GET';
    const at = now().getTime();
    if (request.headers.authorization !== expectedAuth) return { path, status: 401, body: { error: "Couldn't authenticate you" } };
    while (arrivals.length > 0 && arrivals[0]! <= at - WINDOW_MS) arrivals.shift();
    if (arrivals.length >= config.requestsPerMinute) {
      const wait = Math.max(1, Math.ceil((arrivals[0]! + WINDOW_MS - at) / 1000));
      return { path, status: 429, headers: { 'retry-after': String(wait) }, body: { error: 'APIRateLimitExceeded', description: `Rate limit of ${config.requestsPerMinute} requests per minute exceeded` } };
    }
    arrivals.push(at);
    const fault = faults.find((candidate) => candidate.pathIncludes === undefined || path.includes(candidate.pathIncludes));
    if (fault) {
      fault.times -= 1;
      if (fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
      return {
        path,
        status: fault.status,
        ...(fault.retryAfterSeconds !== undefined ? { headers: { 'retry-after': String(fault.retryAfterSeconds) } } : {}),
        body: { error: fault.status === 429 ? 'APIRateLimitExceeded' : 'ScriptedFault', description: `scripted HTTP ${fault.status}` },
      };
    }
    advance(at);
    let body: unknown;
    if (method === 'POST' || method === 'PUT') {
      if (!/application\/json/i.test(request.headers['content-type'] ?? '')) {
        return { path, status: 415, body: { error: 'UnsupportedMediaType', description: 'Content-Type must be application/json' } };
      }
      try {
        body = JSON.parse(text);
      } catch {
        return { path, status: 400, body: { error: 'InvalidJSON', description: 'The request body is not valid JSON' } };
      }
    }
    const records = body && typeof body === 'object' ? Object.values(body as object).find(Array.isArray)?.length : undefined;
    try {
      return { path, ...(records !== undefined ? { records } : {}), ...route(method, path, url, body, base, at) };
    } catch (error) {
      if (error instanceof BadRequest) return { path, status: error.status, body: error.body };
      throw error;
    }
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const base = `http://${request.headers.host ?? '127.0.0.1'}`;
      const answer = handle(request, Buffer.concat(chunks).toString('utf8'), base);
      const remaining = Math.max(0, config.requestsPerMinute - arrivals.length);
      callLog.push({ at: now(), method: request.method ?? 'GET', path: answer.path, status: answer.status, ...(answer.records !== undefined ? { records: answer.records } : {}) });
      response.writeHead(answer.status, {
        'content-type': 'application/json; charset=utf-8',
        'x-rate-limit': String(config.requestsPerMinute),
        'x-rate-limit-remaining': String(remaining),
        ...answer.headers,
      });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    users,
    organizations,
    callLog,
    user: userByExternalId,
    organization: orgByExternalId,
    calls: (filter) => (filter ? callLog.filter(filter).length : callLog.length),
    fail: (fault, times = 1) => faults.push({ ...fault, times }),
    pendingJobs: () => {
      const at = now().getTime();
      advance(at);
      return pending(at).length;
    },
    addUserField: (key) => userFields.add(key),
    summary: () => {
      const list = [...users.values()];
      return `${list.length} users (${list.filter((user) => user.suspended).length} suspended), ${organizations.size} organizations`;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
