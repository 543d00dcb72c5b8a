import { afterEach, describe, expect, it } from 'vitest';
import { ItemOutcome, TargetAction, type TargetItem } from '../../shared/connectors';
import { ZendeskConnector, zendeskSettingsSchema } from '../../shared/connectors/zendesk';
import { ErrorKind, ExternalSystemError } from '../../shared/errors';
import { inProcessLimiters } from '../../shared/limits';
import { startZendeskSimulator, type ZendeskSimulator, type ZendeskSimulatorOptions } from '../../simulators/zendesk';

let zendesk: ZendeskSimulator | undefined;
afterEach(async () => {
  await zendesk?.stop();
  zendesk = undefined;
});

const slept: number[] = [];
let skipped = 0;
const now = (): Date => new Date(Date.now() + skipped);
const sleep = async (ms: number): Promise<void> => {
  slept.push(ms);
  skipped += ms;
  await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 40)));
};

/** Every URL the connector asked for, in order. */
const asked: URL[] = [];
const recordingFetch: typeof fetch = (input, init) => {
  asked.push(new URL(input instanceof Request ? input.url : String(input)));
  return fetch(input, init);
};

async function connect(options: ZendeskSimulatorOptions = {}, settings: Record<string, unknown> = {}, apiToken = 'sim-zendesk-token') {
  asked.length = 0;
  slept.length = 0;
  zendesk = await startZendeskSimulator({ jobDurationMs: 30, ...options });
  const parsed = zendeskSettingsSchema.parse({ subdomain: 'acme', secret: 'zendesk', baseUrl: zendesk.url, jobPollMs: 50, ...settings });
  return new ZendeskConnector({
    settings: parsed,
    credentials: { email: 'sync@demo.example', apiToken },
    hostPolicy: { allowLoopback: true, allowPrivate: false },
    // Waits are recorded and skipped ahead on the connector's clock (a short real pause lets jobs finish).
    limiters: inProcessLimiters({ now: () => now().getTime(), sleep }),
    now,
    sleep,
    fetch: recordingFetch,
  });
}

function person(id: number, extra: Record<string, unknown> = {}): TargetItem {
  const key = `E${id}`;
  return {
    ref: `ref-${key}`,
    key,
    payload: { external_id: key, name: `Person ${id}`, email: `person${id}@example.com`, phone: '555-0100', department: 'Finance', title: 'Analyst', ...extra },
  };
}

describe('Zendesk users through create_or_update_many jobs', () => {
  it('creates then updates users, matching results that come back out of order by index, e-mail or a looked-up id', async () => {
    const connector = await connect({ userResultKey: 'none' });
    const items = Array.from({ length: 100 }, (_, index) => person(index));
    const created = await connector.write('users', TargetAction.Upsert, items);
    expect(created.every((result) => result.outcome === ItemOutcome.Created)).toBe(true);
    // Each result is tied to its own record: the target id is that record's Zendesk user.
    for (const result of created) expect(result.targetId).toBe(String(zendesk!.user(result.ref.slice(4))!.id));
    expect(zendesk!.user('E7')).toMatchObject({ name: 'Person 7', email: 'person7@example.com', user_fields: { department: 'Finance', title: 'Analyst' } });

    const again = await connector.write('users', TargetAction.Upsert, [person(3, { title: 'Controller' }), person(200, { email: 'not an address' })]);
    expect(again.find((result) => result.ref === 'ref-E3')).toMatchObject({ outcome: ItemOutcome.Updated, targetId: String(zendesk!.user('E3')!.id) });
    expect(again.find((result) => result.ref === 'ref-E200')).toMatchObject({
      outcome: ItemOutcome.Rejected,
      reason: { code: 'UserUpdateError', message: 'Email: not an address is not properly formatted' },
    });
    expect(zendesk!.user('E3')!.user_fields).toMatchObject({ title: 'Controller' });
  });

  it('suspends a terminated user, never deletes it, and a rehire un-suspends it', async () => {
    const connector = await connect();
    await connector.write('users', TargetAction.Upsert, [person(1)]);
    const suspended = await connector.write('users', TargetAction.Delete, [{ ref: 'ref-E1', key: 'E1', payload: { external_id: 'E1' } }]);
    expect(suspended).toEqual([{ ref: 'ref-E1', outcome: ItemOutcome.Deleted, targetId: String(zendesk!.user('E1')!.id), note: 'user suspended (never deleted)' }]);
    expect(zendesk!.user('E1')).toMatchObject({ suspended: true, active: true, name: 'Person 1' });

    const rehired = await connector.write('users', TargetAction.Upsert, [person(1)]);
    expect(rehired[0]!.outcome).toBe(ItemOutcome.Updated);
    expect(zendesk!.user('E1')!.suspended).toBe(false);

    const missing = await connector.write('users', TargetAction.Delete, [{ ref: 'ref-E9', key: 'E9', payload: { external_id: 'E9' } }]);
    expect(missing[0]!.outcome).toBe(ItemOutcome.NotFound);
    expect(zendesk!.user('E9')).toBeUndefined();
  });

  it('hands records back for a retry when the job outlives the write, and the read-back settles them', async () => {
    const connector = await connect({ jobDurationMs: 10_000 }, { jobWaitSeconds: 5, jobPollMs: 1_000 });
    const results = await connector.write('users', TargetAction.Upsert, [person(1), person(2)]);
    expect(results.map((result) => result.outcome)).toEqual([ItemOutcome.Retry, ItemOutcome.Retry]);
    expect(results[0]!.reason!.message).toMatch(/had not completed when this write's time ran out/);
    expect(await connector.readBack('users', ['E1'])).toEqual([]);
  });

  it('waits out a 429 on a job poll for its Retry-After instead of submitting the job again', async () => {
    const connector = await connect();
    zendesk!.fail({ status: 429, retryAfterSeconds: 7, pathIncludes: '/job_statuses/' });
    slept.length = 0;
    const write = connector.write('users', TargetAction.Upsert, [person(1)]);
    const results = await write;
    expect(results[0]!.outcome).toBe(ItemOutcome.Created);
    expect(slept).toContain(7_000);
    expect(zendesk!.calls((entry) => entry.path === '/api/v2/users/create_or_update_many')).toBe(1);
    expect(connector.stats().throttled).toBe(1);
  });

  it('throws rate-limited with the Retry-After of a refused submission, and credentials-refused naming the secret for a bad token', async () => {
    const connector = await connect();
    zendesk!.fail({ status: 429, retryAfterSeconds: 3, pathIncludes: 'create_or_update_many' });
    const limited = await connector.write('users', TargetAction.Upsert, [person(1)]).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(ExternalSystemError);
    expect(limited).toMatchObject({ kind: ErrorKind.RateLimited, retryAfterMs: 3_000 });

    await zendesk!.stop();
    const refused = await (await connect({}, {}, 'wrong-token')).write('users', TargetAction.Upsert, [person(1)]).catch((error: unknown) => error);
    expect(refused).toMatchObject({ kind: ErrorKind.CredentialsRefused, secretName: 'zendesk' });
    expect(String((refused as Error).message)).not.toContain('wrong-token');
  });

  it('keeps at most 30 jobs queued at the account, however many writes run at once', async () => {
    const connector = await connect({ jobDurationMs: 200, maxQueuedJobs: 30 }, { jobWaitSeconds: 600 });
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, zendesk!.pendingJobs())), 5);
    const writes = Array.from({ length: 40 }, (_, index) => connector.write('users', TargetAction.Upsert, [person(index)]));
    const results = (await Promise.all(writes)).flat();
    clearInterval(watch);
    expect(results.every((result) => result.outcome === ItemOutcome.Created)).toBe(true);
    expect(zendesk!.calls((entry) => entry.status === 429)).toBe(0);
    expect(most).toBeLessThanOrEqual(30);
  });

  it('follows every job it has submitted with one show_many look at a time, never one call per job', async () => {
    const connector = await connect({ jobDurationMs: 100 });
    const results = (await Promise.all(Array.from({ length: 20 }, (_, index) => connector.write('users', TargetAction.Upsert, [person(index)])))).flat();
    expect(results.every((result) => result.outcome === ItemOutcome.Created)).toBe(true);
    const looks = asked.filter((url) => url.pathname === '/api/v2/job_statuses/show_many');
    expect(asked.filter((url) => url.pathname.startsWith('/api/v2/job_statuses/') && url.pathname !== '/api/v2/job_statuses/show_many')).toEqual([]);
    const idsPerLook = looks.map((url) => url.searchParams.get('ids')!.split(',').length);
    expect(Math.max(...idsPerLook)).toBeGreaterThan(1);
    // Every job submitted was looked at until it completed.
    expect(new Set(looks.flatMap((url) => url.searchParams.get('ids')!.split(','))).size).toBe(20);
  });

  it('spaces its looks at jobs to 5% of the plan once most of the minute is used, as X-Rate-Limit-Remaining says', async () => {
    const connector = await connect({ requestsPerMinute: 200, jobDurationMs: 100 }, { requestsPerMinute: 200, jobPollMs: 50 });
    await connector.write('users', TargetAction.Upsert, [person(1)]);
    expect(slept).not.toContain(6_000);
    // Another client of the account uses most of the minute.
    for (let i = 0; i < 120; i += 1) await fetch(`${zendesk!.url}/api/v2/users/me`, { headers: { authorization: `Basic ${Buffer.from('sync@demo.example/token:sim-zendesk-token').toString('base64')}` } });
    await connector.write('users', TargetAction.Upsert, [person(2)]);
    await connector.write('users', TargetAction.Upsert, [person(3)]);
    // 60 s / (200 requests × 5%) = 6 s between looks.
    expect(slept).toContain(6_000);
    expect(zendesk!.calls((entry) => entry.status === 429)).toBe(0);
  });

  it('names a configured user field the account lacks in ping', async () => {
    const connector = await connect({ userFields: ['department'] });
    const checks = await connector.ping();
    expect(checks[0]).toMatchObject({ ok: true });
    expect(checks[1]).toMatchObject({ ok: false });
    expect(checks[1]!.detail).toContain('missing user field(s) title');
  });
});

describe('Zendesk organizations', () => {
  it('creates new and updates existing organizations by external id, and keeps one whose vendor went inactive', async () => {
    const connector = await connect();
    const vendor = (id: string, name: string): TargetItem => ({ ref: `ref-${id}`, key: id, payload: { external_id: id, name } });
    const first = await connector.write('organizations', TargetAction.Upsert, [vendor('V1', 'Acme Supply'), vendor('V2', 'Bolt Works')]);
    expect(first.map((result) => result.outcome).sort()).toEqual([ItemOutcome.Created, ItemOutcome.Created]);
    const second = await connector.write('organizations', TargetAction.Upsert, [vendor('V1', 'Acme Supply Co'), vendor('V3', 'Bolt Works')]);
    expect(second.find((result) => result.ref === 'ref-V1')).toMatchObject({ outcome: ItemOutcome.Updated, targetId: String(zendesk!.organization('V1')!.id) });
    expect(second.find((result) => result.ref === 'ref-V3')).toMatchObject({ outcome: ItemOutcome.Rejected, reason: { message: 'Name: Bolt Works has already been taken' } });
    expect(zendesk!.organization('V1')!.name).toBe('Acme Supply Co');

    const before = zendesk!.calls();
    const kept = await connector.write('organizations', TargetAction.Delete, [{ ref: 'ref-V2', key: 'V2', payload: { external_id: 'V2' } }]);
    expect(kept).toEqual([{ ref: 'ref-V2', outcome: ItemOutcome.NotFound, note: 'organization kept; vendor inactive' }]);
    expect(zendesk!.calls()).toBe(before);
    expect(zendesk!.organization('V2')).toBeDefined();
  });
});
