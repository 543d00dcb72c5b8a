import { afterEach, describe, expect, it } from 'vitest';
import { startZendeskSimulator, type ZendeskSimulator } from '../../simulators/zendesk';

let zendesk: ZendeskSimulator | undefined;
afterEach(async () => {
  await zendesk?.stop();
  zendesk = undefined;
});

const auth = (token = 'sim-zendesk-token'): string => `Basic ${Buffer.from(`sync@demo.example/token:${token}`).toString('base64')}`;
const json = { 'content-type': 'application/json' };

async function post(path: string, body: unknown, token?: string): Promise<Response> {
  return fetch(`${zendesk!.url}${path}`, { method: 'POST', headers: { ...json, authorization: auth(token) }, body: JSON.stringify(body) });
}

async function finished(jobUrl: string): Promise<Record<string, unknown>> {
  for (;;) {
    const answer = (await (await fetch(jobUrl, { headers: { authorization: auth() } })).json()) as { job_status: Record<string, unknown> };
    if (answer.job_status.status === 'completed') return answer.job_status;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the Zendesk simulator', () => {
  it('accepts only the API token in Basic auth and reports the remaining requests of the minute', async () => {
    zendesk = await startZendeskSimulator({ requestsPerMinute: 200 });
    const refused = await fetch(`${zendesk.url}/api/v2/users/me.json`, { headers: { authorization: auth('nope') } });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: "Couldn't authenticate you" });
    const me = await fetch(`${zendesk.url}/api/v2/users/me.json`, { headers: { authorization: auth() } });
    expect(me.status).toBe(200);
    expect(me.headers.get('x-rate-limit')).toBe('200');
    expect(me.headers.get('x-rate-limit-remaining')).toBe('199');
  });

  it('answers 429 with Retry-After past the plan limit per minute', async () => {
    zendesk = await startZendeskSimulator({ requestsPerMinute: 200 });
    for (let i = 0; i < 200; i += 1) await fetch(`${zendesk.url}/api/v2/users/me`, { headers: { authorization: auth() } });
    const limited = await fetch(`${zendesk.url}/api/v2/users/me`, { headers: { authorization: auth() } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('x-rate-limit-remaining')).toBe('0');
  });

  it('refuses more than 100 users a job and a 31st queued job', async () => {
    zendesk = await startZendeskSimulator({ jobDurationMs: 60_000 });
    const users = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `U ${i}`, external_id: `X${i}` }));
    expect((await post('/api/v2/users/create_or_update_many', { users: users(101) })).status).toBe(400);
    for (let i = 0; i < 30; i += 1) expect((await post('/api/v2/users/create_or_update_many', { users: users(1) })).status).toBe(200);
    const refused = await post('/api/v2/users/create_or_update_many', { users: users(1) });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).not.toBeNull();
    expect(zendesk.pendingJobs()).toBe(30);
  });

  it('completes a job after a delay and lists its results in another order than the request, failures by index', async () => {
    zendesk = await startZendeskSimulator({ jobDurationMs: 50 });
    const users = Array.from({ length: 20 }, (_, i) => ({ name: `U ${i}`, external_id: `X${i}`, email: `u${i}@example.com` }));
    users[5] = { name: 'Bad', external_id: 'X5', email: 'bad' };
    const submitted = (await (await post('/api/v2/users/create_or_update_many', { users })).json()) as { job_status: { status: string; url: string } };
    expect(submitted.job_status.status).toBe('queued');
    const job = await finished(submitted.job_status.url);
    const results = job.results as Array<Record<string, unknown>>;
    expect(results).toHaveLength(20);
    expect(results.map((result) => result.email ?? result.index)).not.toEqual(users.map((user, i) => (i === 5 ? 5 : user.email)));
    expect(results.find((result) => result.status === 'Failed')).toEqual({ index: 5, error: 'UserUpdateError', details: 'Email: bad is not properly formatted', status: 'Failed' });
  });

  it('shows many job statuses in one call, leaving out ids it does not know', async () => {
    zendesk = await startZendeskSimulator({ jobDurationMs: 50 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const submitted = (await (await post('/api/v2/users/create_or_update_many', { users: [{ name: `U ${i}`, external_id: `J${i}` }] })).json()) as { job_status: { id: string } };
      ids.push(submitted.job_status.id);
    }
    const show = async (list: string) => fetch(`${zendesk!.url}/api/v2/job_statuses/show_many.json?ids=${list}`, { headers: { authorization: auth() } });
    const early = (await (await show([...ids, 'f00d'].join(','))).json()) as { job_statuses: Array<{ id: string; status: string }> };
    expect(early.job_statuses.map((job) => job.id)).toEqual(ids);
    expect(early.job_statuses.every((job) => job.status !== 'completed')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 80));
    const later = (await (await show(ids.join(','))).json()) as { job_statuses: Array<{ status: string; results: unknown[] }> };
    expect(later.job_statuses.map((job) => [job.status, job.results.length])).toEqual([['completed', 1], ['completed', 1], ['completed', 1]]);
    expect((await show('')).status).toBe(400);
  });

  it('fails a user whose custom field does not exist in the account', async () => {
    zendesk = await startZendeskSimulator({ jobDurationMs: 10, userFields: ['department'] });
    const submitted = (await (await post('/api/v2/users/create_or_update_many', { users: [{ name: 'A', external_id: 'A1', user_fields: { title: 'x' } }] })).json()) as {
      job_status: { url: string };
    };
    const job = await finished(submitted.job_status.url);
    expect((job.results as Array<Record<string, unknown>>)[0]).toMatchObject({ index: 0, status: 'Failed', details: 'User fields: title is not a user field of this account' });
    expect(zendesk.user('A1')).toBeUndefined();
  });
});
