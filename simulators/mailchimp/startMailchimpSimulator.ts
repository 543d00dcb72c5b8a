import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningSimulator } from '../../shared/connectors';
import { problem } from './problem';
import { SimulatedAudience, type MemberStatus, type SimulatedMember } from './SimulatedAudience';

/** The API key the simulator accepts by default (a test value, not a secret); its data center is `us6`. */
export const SIMULATED_API_KEY = '0123456789abcdef0123456789abcdef-us6';

/** How the simulator answers a connection over the cap: a problem document, or bare as under heavy load. */
export type OverloadAnswer = 'problem-429' | 'bare-429' | 'bare-403';

export interface MailchimpSimulatorOptions {
  /** `<key>-<dc>`; a key of another data center is refused like a wrong key. */
  readonly apiKey?: string;
  /** Audiences of the account. Default: the demo's employees and customer-contacts audiences. */
  readonly audiences?: ReadonlyArray<{ readonly id: string; readonly name: string; readonly mergeTags?: readonly string[] }>;
  /** Time every call takes before it is answered (it holds its connection meanwhile). Default 0. */
  readonly latencyMs?: number;
  /** Simultaneous connections allowed per user. Default 10, as documented. */
  readonly maxConnections?: number;
  readonly overload?: OverloadAnswer;
  readonly now?: () => Date;
}

/** One call as the simulator answered it. */
export interface SimulatedCall {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly status: number;
  /** When the request arrived and when it was answered (epoch ms), for utilization figures. */
  readonly startedAt: number;
  readonly endedAt: number;
}

export interface MailchimpSimulator extends RunningSimulator {
  audience(id: string): SimulatedAudience;
  /** Every call answered, in order. */
  readonly calls: readonly SimulatedCall[];
  /** Every batch subscribe body received (`POST /lists/{id}`), in order. */
  readonly batches: ReadonlyArray<{ readonly listId: string; readonly body: Record<string, unknown> }>;
  /** Most connections that were open at once. */
  peakConnections(): number;
  /** Calls refused for exceeding the connection cap. */
  overloadAnswers(): number;
  /** The next `count` calls are answered as under overload (429 / bare 403), whatever the load. */
  failNext(count: number, answer: OverloadAnswer): void;
}

const STATUSES: readonly string[] = ['subscribed', 'unsubscribed', 'cleaned', 'pending', 'transactional'];
const MAX_BATCH = 500;
const MAX_COUNT = 1000;
const EMAIL = /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i;
const TAG = /^[A-Z0-9_]{1,10}$/;
const DEFAULT_AUDIENCES = [
  { id: 'e5a1b2c3d4', name: 'Employees', mergeTags: ['DEPT', 'TITLE', 'EMPLID'] },
  { id: 'c0ffee1234', name: 'Customer contacts', mergeTags: ['COMPANY', 'CUSTID'] },
];
const BATCH_KEYS = new Set(['members', 'update_existing', 'sync_tags']);
const MEMBER_KEYS = new Set([
  'email_address', 'email_type', 'status', 'status_if_new', 'merge_fields', 'interests', 'language', 'vip', 'location',
  'ip_signup', 'timestamp_signup', 'ip_opt', 'timestamp_opt', 'tags',
]);

type Answer = { readonly status: number; readonly body?: unknown; readonly bare?: boolean };

/**
 * A strict Mailchimp Marketing API 3.0 on loopback, after Mailchimp's documentation
 * (https://mailchimp.com/developer/marketing/api/ and docs/fundamentals): HTTP Basic (any user,
 * the key as password) or Bearer; a key whose `-dc` suffix is not this account's data center is
 * refused with 401. Errors are problem documents. Batch subscribe (`POST /lists/{id}`) takes at
 * most 500 members, validates the body strictly (each member names `status`, `status_if_new` or
 * both: `status_if_new` for a new member, `status` to change an existing one, whose status is
 * otherwise kept), applies `update_existing`, and reports per-member
 * errors in a 200 answer: fake addresses, unknown merge fields, duplicates, existing members
 * without `update_existing` (ERROR_CONTACT_EXISTS), permanently deleted ("forgotten") addresses,
 * and members in a compliance state (unsubscribed or cleaned) asked to subscribe. More than
 * `maxConnections` calls at once are refused with 429, or bare 429 / 403 without a body.
 */
export async function startMailchimpSimulator(options: MailchimpSimulatorOptions = {}): Promise<MailchimpSimulator> {
  const apiKey = options.apiKey ?? SIMULATED_API_KEY;
  const dc = apiKey.slice(apiKey.lastIndexOf('-') + 1);
  const now = options.now ?? (() => new Date());
  const maxConnections = options.maxConnections ?? 10;
  const audiences = new Map<string, SimulatedAudience>();
  for (const spec of options.audiences ?? DEFAULT_AUDIENCES) audiences.set(spec.id, new SimulatedAudience(spec.id, spec.name, spec.mergeTags));
  const calls: SimulatedCall[] = [];
  const batches: Array<{ listId: string; body: Record<string, unknown> }> = [];
  const scripted: OverloadAnswer[] = [];
  let open = 0;
  let peak = 0;
  let overloaded = 0;

  const overloadAnswer = (kind: OverloadAnswer): Answer => {
    overloaded += 1;
    if (kind === 'bare-403') return { status: 403, bare: true };
    if (kind === 'bare-429') return { status: 429, bare: true };
    return { status: 429, body: problem(429, 'Too Many Requests', `You have exceeded the limit of ${maxConnections} simultaneous connections.`) };
  };

  const authorized = (request: IncomingMessage): boolean => {
    const header = request.headers.authorization ?? '';
    let presented: string | undefined;
    if (header.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      presented = decoded.includes(':') ? decoded.slice(decoded.indexOf(':') + 1) : undefined;
    } else if (header.startsWith('Bearer ')) {
      presented = header.slice(7);
    }
    const host = (request.headers.host ?? '').split(':')[0] ?? '';
    const hostDc = /^([a-z]+\d+)\.api\.mailchimp\.com$/.exec(host)?.[1];
    return presented === apiKey && (hostDc === undefined || hostDc === dc);
  };

  const handle = (method: string, url: URL, text: string): Answer => {
    const path = url.pathname.replace(/\/+$/, '');
    if (!path.startsWith('/3.0/')) return { status: 404, body: problem(404, 'Resource Not Found', 'The requested resource could not be found.') };
    const parts = path.slice('/3.0/'.length).split('/');
    if (parts[0] === 'ping' && parts.length === 1) {
      return method === 'GET' ? { status: 200, body: { health_status: "Everything's Chimpy!" } } : methodNotAllowed();
    }
    if (parts[0] !== 'lists' || !parts[1]) return { status: 404, body: problem(404, 'Resource Not Found', 'The requested resource could not be found.') };
    const audience = audiences.get(parts[1]);
    if (!audience) return { status: 404, body: problem(404, 'Resource Not Found', 'The requested resource could not be found.') };
    const rest = parts.slice(2);
    if (rest.length === 0) {
      if (method === 'GET') return { status: 200, body: { id: audience.id, name: audience.name, double_optin: false, stats: { member_count: audience.countByStatus()['subscribed'] ?? 0 } } };
      if (method === 'POST') return batchSubscribe(audience, url, text);
      return methodNotAllowed();
    }
    if (rest[0] === 'members' && rest.length === 1) return method === 'GET' ? listMembers(audience, url) : methodNotAllowed();
    if (rest[0] === 'members' && rest.length === 2) {
      if (method !== 'GET') return methodNotAllowed();
      const member = audience.members.get(rest[1]!);
      return member ? { status: 200, body: { ...member, list_id: audience.id } } : { status: 404, body: problem(404, 'Resource Not Found', 'The requested resource could not be found.') };
    }
    if (rest[0] === 'members' && rest.length === 4 && rest[2] === 'actions' && rest[3] === 'delete-permanent') {
      if (method !== 'POST') return methodNotAllowed();
      const member = audience.members.get(rest[1]!);
      if (!member) return { status: 404, body: problem(404, 'Resource Not Found', 'The requested resource could not be found.') };
      audience.forget(member.email_address);
      return { status: 204 };
    }
    if (rest[0] === 'merge-fields' && rest.length === 1) {
      if (method === 'GET') {
        const page = paging(url);
        if ('status' in page) return page;
        return { status: 200, body: { merge_fields: audience.mergeFields.slice(page.offset, page.offset + page.count).map((field) => ({ ...field, list_id: audience.id })), list_id: audience.id, total_items: audience.mergeFields.length } };
      }
      if (method === 'POST') return createMergeField(audience, text);
      return methodNotAllowed();
    }
    return { status: 404, body: problem(404, 'Resource Not Found', 'The requested resource could not be found.') };
  };

  const listMembers = (audience: SimulatedAudience, url: URL): Answer => {
    const page = paging(url);
    if ('status' in page) return page;
    const status = url.searchParams.get('status');
    if (status !== null && !STATUSES.includes(status) && status !== 'archived') {
      return invalid('Invalid Resource', 'The resource submitted could not be validated.', [{ field: 'status', message: `must be one of ${STATUSES.join(', ')}, archived` }]);
    }
    const matching = [...audience.members.values()].filter((member) => (status === null ? member.status !== 'archived' : member.status === status));
    return {
      status: 200,
      body: { members: matching.slice(page.offset, page.offset + page.count).map((member) => ({ ...member, list_id: audience.id })), list_id: audience.id, total_items: matching.length },
    };
  };

  const createMergeField = (audience: SimulatedAudience, text: string): Answer => {
    const body = parseJson(text);
    if (!body) return invalid('JSON Parse Exception', 'We encountered an unspecified JSON parsing error.');
    const { tag, name, type } = body as { tag?: unknown; name?: unknown; type?: unknown };
    if (typeof name !== 'string' || name === '' || typeof type !== 'string') {
      return invalid('Invalid Resource', 'The resource submitted could not be validated.', [{ field: typeof name !== 'string' ? 'name' : 'type', message: 'This value should not be blank.' }]);
    }
    if (tag !== undefined && (typeof tag !== 'string' || !TAG.test(tag))) {
      return invalid('Invalid Resource', 'The resource submitted could not be validated.', [{ field: 'tag', message: 'Merge tags are 1 to 10 letters, digits or underscores.' }]);
    }
    const finalTag = typeof tag === 'string' ? tag : name.toUpperCase().replace(/[^A-Z0-9_]/g, '').slice(0, 10);
    if (audience.hasTag(finalTag)) return invalid('Invalid Resource', `A Merge Field with the tag "${finalTag}" already exists for this list.`);
    const field = audience.addMergeField(finalTag, name, type, (body as { required?: unknown }).required === true);
    return { status: 200, body: { ...field, list_id: audience.id } };
  };

  const batchSubscribe = (audience: SimulatedAudience, url: URL, text: string): Answer => {
    const body = parseJson(text);
    if (!body) return invalid('JSON Parse Exception', 'We encountered an unspecified JSON parsing error.');
    const unknown = Object.keys(body).filter((key) => !BATCH_KEYS.has(key));
    if (unknown.length > 0) return invalid('Invalid Resource', 'The resource submitted could not be validated.', unknown.map((field) => ({ field, message: 'Unknown property.' })));
    const { members, update_existing: updateExisting = false } = body as { members?: unknown; update_existing?: unknown };
    if (!Array.isArray(members)) return invalid('Invalid Resource', 'The resource submitted could not be validated.', [{ field: 'members', message: 'Required array.' }]);
    if (members.length > MAX_BATCH) {
      return invalid('Invalid Resource', 'The resource submitted could not be validated.', [{ field: 'members', message: `You may add or update at most ${MAX_BATCH} members per call; ${members.length} given.` }]);
    }
    if (typeof updateExisting !== 'boolean') return invalid('Invalid Resource', 'The resource submitted could not be validated.', [{ field: 'update_existing', message: 'Must be a boolean.' }]);
    for (const [index, member] of members.entries()) {
      const problemOf = memberSchemaProblem(member);
      if (problemOf) return invalid('Invalid Resource', 'The resource submitted could not be validated.', [{ field: `members.${index}.${problemOf.field}`, message: problemOf.message }]);
    }
    batches.push({ listId: audience.id, body });
    const skipMerge = url.searchParams.get('skip_merge_validation') === 'true';
    const skipDuplicates = url.searchParams.get('skip_duplicate_check') === 'true';
    const created: SimulatedMember[] = [];
    const updated: SimulatedMember[] = [];
    const errors: Array<Record<string, string>> = [];
    const seen = new Set<string>();
    const error = (email: string, message: string, code = 'ERROR_GENERIC', field = '', fieldMessage = ''): void => {
      errors.push({ email_address: email, error: message, error_code: code, field, field_message: fieldMessage });
    };
    for (const raw of members as Array<{ email_address: string; status?: MemberStatus; status_if_new?: MemberStatus; merge_fields?: Record<string, unknown> }>) {
      const email = raw.email_address;
      const hash = SimulatedAudience.hash(email);
      if (seen.has(hash)) {
        if (!skipDuplicates) error(email, `${email} is a duplicate in this request.`);
        continue;
      }
      seen.add(hash);
      if (!EMAIL.test(email)) {
        error(email, `${email} looks fake or invalid, please enter a real email address.`);
        continue;
      }
      if (audience.forgotten.has(hash)) {
        error(email, `${email} was permanently deleted and cannot be re-imported. The contact must re-subscribe to get back on the list.`);
        continue;
      }
      const mergeProblem = skipMerge ? undefined : mergeFieldProblem(audience, raw.merge_fields ?? {});
      if (mergeProblem) {
        error(email, 'Your merge fields were invalid.', 'ERROR_GENERIC', mergeProblem.field, mergeProblem.message);
        continue;
      }
      const mergeFields = Object.fromEntries(Object.entries(raw.merge_fields ?? {}).map(([tag, value]) => [tag, String(value)]));
      const existing = audience.members.get(hash);
      if (existing && existing.status !== 'archived') {
        if (!updateExisting) {
          error(email, `${email} is already a list member. Use PUT to insert or update list members.`, 'ERROR_CONTACT_EXISTS');
          continue;
        }
        // `status` changes an existing member; without it (only `status_if_new`) the status stays.
        const status = raw.status ?? existing.status;
        const inCompliance = existing.status === 'unsubscribed' || existing.status === 'cleaned';
        const allowed = existing.status === 'cleaned' ? status === 'cleaned' : status !== 'subscribed' && status !== 'pending';
        if (inCompliance && !allowed) {
          error(email, `${email} is in a compliance state due to unsubscribe, bounce, or compliance review and cannot be subscribed.`);
          continue;
        }
        updated.push(audience.put(email, status, mergeFields, now()));
        continue;
      }
      // A new (or archived) member takes `status_if_new` when given, else `status`.
      const member = audience.put(email, (raw.status_if_new ?? raw.status)!, mergeFields, now());
      (existing ? updated : created).push(member);
    }
    const view = (member: SimulatedMember) => ({ ...member, list_id: audience.id });
    return {
      status: 200,
      body: {
        new_members: created.map(view),
        updated_members: updated.map(view),
        errors,
        total_created: created.length,
        total_updated: updated.length,
        error_count: errors.length,
        _links: [],
      },
    };
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const startedAt = Date.now();
    open += 1;
    peak = Math.max(peak, open);
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://mailchimp.local');
      const method = request.method ?? 'GET';
      const respond = (answer: Answer): void => {
        calls.push({ method, path: url.pathname, query: url.search, status: answer.status, startedAt, endedAt: Date.now() });
        if (answer.bare || answer.body === undefined) {
          response.writeHead(answer.status);
          response.end();
        } else {
          const type = answer.status >= 400 ? 'application/problem+json; charset=utf-8' : 'application/json; charset=utf-8';
          response.writeHead(answer.status, { 'content-type': type, 'x-request-id': crypto.randomUUID() });
          response.end(JSON.stringify(answer.body));
        }
        open -= 1;
      };
      const fault = scripted.shift();
      if (fault) return respond(overloadAnswer(fault));
      if (open > maxConnections) return respond(overloadAnswer(options.overload ?? 'problem-429'));
      if (!authorized(request)) {
        return respond({ status: 401, body: problem(401, 'API Key Invalid', "Your API key may be invalid, or you've attempted to access the wrong datacenter.") });
      }
      const answer = handle(method, url, text);
      if ((options.latencyMs ?? 0) > 0) setTimeout(() => respond(answer), options.latencyMs);
      else respond(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    batches,
    audience: (id: string) => {
      const audience = audiences.get(id);
      if (!audience) throw new Error(`the simulator has no audience ${id} (has: ${[...audiences.keys()].join(', ')})`);
      return audience;
    },
    peakConnections: () => peak,
    overloadAnswers: () => overloaded,
    failNext: (count: number, answer: OverloadAnswer) => {
      for (let i = 0; i < count; i += 1) scripted.push(answer);
    },
    summary: () =>
      [...audiences.values()]
        .map((audience) => {
          const counts = Object.entries(audience.countByStatus()).map(([status, count]) => `${count} ${status}`).join(', ');
          return `${audience.name} (${audience.id}): ${audience.members.size} members${counts ? ` (${counts})` : ''}`;
        })
        .join('; ') + `; ${calls.length} calls, ${overloaded} overload answers`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function methodNotAllowed(): Answer {
  return { status: 405, body: problem(405, 'Method Not Allowed', 'The requested method and resource are not compatible.') };
}

function invalid(title: string, detail: string, errors?: ReadonlyArray<{ field: string; message: string }>): Answer {
  return { status: 400, body: problem(400, title, detail, errors) };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function paging(url: URL): { count: number; offset: number } | Answer {
  const count = Number(url.searchParams.get('count') ?? 10);
  const offset = Number(url.searchParams.get('offset') ?? 0);
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
    return invalid('Invalid Resource', 'The resource submitted could not be validated.', [{ field: 'count', message: `must be 1 to ${MAX_COUNT}` }]);
  }
  if (!Number.isInteger(offset) || offset < 0) return invalid('Invalid Resource', 'The resource submitted could not be validated.', [{ field: 'offset', message: 'must be 0 or more' }]);
  return { count, offset };
}

/** The first schema violation of one member entry (whole-call 400), or undefined. */
function memberSchemaProblem(member: unknown): { field: string; message: string } | undefined {
  if (typeof member !== 'object' || member === null || Array.isArray(member)) return { field: '', message: 'Must be an object.' };
  const entry = member as Record<string, unknown>;
  const unknown = Object.keys(entry).find((key) => !MEMBER_KEYS.has(key));
  if (unknown) return { field: unknown, message: 'Unknown property.' };
  if (typeof entry['email_address'] !== 'string' || entry['email_address'] === '') return { field: 'email_address', message: 'This value should not be blank.' };
  // Each member names `status`, `status_if_new`, or both (anyOf in Mailchimp's schema).
  if (entry['status'] === undefined && entry['status_if_new'] === undefined) return { field: 'status', message: 'Either status or status_if_new is required.' };
  for (const field of ['status', 'status_if_new']) {
    const value = entry[field];
    if (value !== undefined && (typeof value !== 'string' || !STATUSES.includes(value))) return { field, message: `Must be one of ${STATUSES.join(', ')}.` };
  }
  const merge = entry['merge_fields'];
  if (merge !== undefined && (typeof merge !== 'object' || merge === null || Array.isArray(merge))) return { field: 'merge_fields', message: 'Must be an object.' };
  return undefined;
}

/** An unknown merge tag or a value a text field cannot hold. */
function mergeFieldProblem(audience: SimulatedAudience, fields: Record<string, unknown>): { field: string; message: string } | undefined {
  for (const [tag, value] of Object.entries(fields)) {
    if (!audience.hasTag(tag)) return { field: tag, message: `Merge field ${tag} does not exist in this audience.` };
    if (typeof value !== 'string' && typeof value !== 'number') return { field: tag, message: 'Please enter a text value.' };
    if (String(value).length > 255) return { field: tag, message: 'Text values are at most 255 characters.' };
  }
  return undefined;
}
