import { afterEach, describe, expect, it } from 'vitest';
import { SIMULATED_API_KEY, startMailchimpSimulator, type MailchimpSimulator } from '../../simulators/mailchimp';

const LIST = 'e5a1b2c3d4';
let sim: MailchimpSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const basic = (key: string): string => `Basic ${Buffer.from(`anyuser:${key}`).toString('base64')}`;

async function call(method: string, path: string, body?: unknown, key = SIMULATED_API_KEY) {
  const response = await fetch(`${sim!.url}/3.0${path}`, {
    method,
    headers: { authorization: basic(key), 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', text, json: text ? JSON.parse(text) : undefined };
}

const member = (email: string, status = 'subscribed', merge: Record<string, string> = {}) => ({ email_address: email, status, merge_fields: merge });

describe('Mailchimp simulator', () => {
  it('refuses a wrong key and a key of another data center with a 401 problem document', async () => {
    sim = await startMailchimpSimulator();
    const wrong = await call('GET', '/ping', undefined, 'ffffffffffffffffffffffffffffffff-us6');
    const otherDc = await call('GET', '/ping', undefined, SIMULATED_API_KEY.replace(/-us6$/, '-us9'));
    for (const answer of [wrong, otherDc]) {
      expect(answer.status).toBe(401);
      expect(answer.type).toContain('application/problem+json');
      expect(answer.json).toMatchObject({ status: 401, title: 'API Key Invalid' });
    }
    expect((await call('GET', '/ping')).json).toEqual({ health_status: "Everything's Chimpy!" });
  });

  it('refuses more than 500 members, an unknown property and a missing status as a whole call', async () => {
    sim = await startMailchimpSimulator();
    const many = Array.from({ length: 501 }, (_, i) => member(`p${i}@example.com`));
    const tooMany = await call('POST', `/lists/${LIST}`, { members: many, update_existing: true });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.errors[0]).toMatchObject({ field: 'members' });
    expect((await call('POST', `/lists/${LIST}`, { members: [], upsert: true })).json.errors[0]).toMatchObject({ field: 'upsert' });
    expect((await call('POST', `/lists/${LIST}`, { members: [{ email_address: 'a@example.com' }] })).json.errors[0]).toMatchObject({ field: 'members.0.status' });
    expect((await call('POST', `/lists/${LIST}`, '{"members": [')).json.title).toBe('JSON Parse Exception');
    expect(sim.audience(LIST).members.size).toBe(0);
  });

  it('answers per-member errors in a 200: fake address, unknown merge field, existing member without update_existing', async () => {
    sim = await startMailchimpSimulator();
    sim.audience(LIST).put('old@example.com', 'subscribed');
    const answer = await call('POST', `/lists/${LIST}`, {
      members: [member('new@example.com', 'subscribed', { FNAME: 'Ada' }), member('fake@x'), member('odd@example.com', 'subscribed', { SHOE: '9' }), member('old@example.com')],
    });
    expect(answer.status).toBe(200);
    expect(answer.json.new_members.map((m: { email_address: string }) => m.email_address)).toEqual(['new@example.com']);
    expect(answer.json.errors).toEqual([
      expect.objectContaining({ email_address: 'fake@x', error: expect.stringContaining('looks fake or invalid') }),
      expect.objectContaining({ email_address: 'odd@example.com', field: 'SHOE', error: 'Your merge fields were invalid.' }),
      expect.objectContaining({ email_address: 'old@example.com', error_code: 'ERROR_CONTACT_EXISTS' }),
    ]);
    expect(answer.json.error_count).toBe(3);
  });

  it('never subscribes an unsubscribed or cleaned member again, and never re-adds a forgotten address', async () => {
    sim = await startMailchimpSimulator();
    const audience = sim.audience(LIST);
    audience.put('gone@example.com', 'unsubscribed');
    audience.put('bounced@example.com', 'cleaned');
    audience.put('erased@example.com', 'subscribed');
    audience.forget('erased@example.com');
    const answer = await call('POST', `/lists/${LIST}`, {
      members: [member('gone@example.com'), member('bounced@example.com', 'pending'), member('erased@example.com')],
      update_existing: true,
    });
    expect(answer.json.errors.map((e: { error: string }) => e.error)).toEqual([
      expect.stringContaining('compliance state'),
      expect.stringContaining('compliance state'),
      expect.stringContaining('permanently deleted'),
    ]);
    expect(audience.member('gone@example.com')?.status).toBe('unsubscribed');
    expect(audience.member('erased@example.com')).toBeUndefined();
    // Keeping the status while changing merge fields is allowed.
    const kept = await call('POST', `/lists/${LIST}`, { members: [member('gone@example.com', 'unsubscribed', { FNAME: 'G' })], update_existing: true });
    expect(kept.json.updated_members[0]).toMatchObject({ status: 'unsubscribed', merge_fields: { FNAME: 'G' } });
  });

  it('gives status_if_new to new members only: an existing member keeps its status, whatever it is, and its merge fields change', async () => {
    sim = await startMailchimpSimulator();
    const audience = sim.audience(LIST);
    audience.put('gone@example.com', 'unsubscribed');
    audience.put('bounced@example.com', 'cleaned');
    audience.put('waiting@example.com', 'pending');
    const upsert = (email: string) => ({ email_address: email, status_if_new: 'subscribed', merge_fields: { FNAME: 'X' } });
    const answer = await call('POST', `/lists/${LIST}`, {
      members: ['gone@example.com', 'bounced@example.com', 'waiting@example.com', 'new@example.com'].map(upsert),
      update_existing: true,
    });
    expect(answer.status).toBe(200);
    expect(answer.json.errors).toEqual([]);
    expect(answer.json.new_members).toEqual([expect.objectContaining({ email_address: 'new@example.com', status: 'subscribed' })]);
    expect(answer.json.updated_members.map((m: { email_address: string; status: string }) => [m.email_address, m.status])).toEqual([
      ['gone@example.com', 'unsubscribed'],
      ['bounced@example.com', 'cleaned'],
      ['waiting@example.com', 'pending'],
    ]);
    expect(audience.member('gone@example.com')?.merge_fields).toMatchObject({ FNAME: 'X' });
    const bad = await call('POST', `/lists/${LIST}`, { members: [{ email_address: 'a@example.com', status_if_new: 'member' }] });
    expect(bad.json.errors[0]).toMatchObject({ field: 'members.0.status_if_new' });
  });

  it('answers calls beyond the 10-connection cap with 429, or bare 403 when told to', async () => {
    sim = await startMailchimpSimulator({ latencyMs: 100, overload: 'bare-403' });
    const answers = await Promise.all(Array.from({ length: 12 }, () => call('GET', '/ping')));
    const refused = answers.filter((answer) => answer.status === 403);
    expect(refused).toHaveLength(2);
    expect(refused.every((answer) => answer.text === '')).toBe(true);
    expect(sim.overloadAnswers()).toBe(2);
  });

  it('pages members by status (count at most 1,000) and creates merge fields with valid tags only', async () => {
    sim = await startMailchimpSimulator();
    for (let i = 0; i < 5; i += 1) sim.audience(LIST).put(`u${i}@example.com`, i < 3 ? 'unsubscribed' : 'subscribed');
    const page = await call('GET', `/lists/${LIST}/members?status=unsubscribed&count=2&offset=2`);
    expect(page.json.total_items).toBe(3);
    expect(page.json.members).toHaveLength(1);
    expect((await call('GET', `/lists/${LIST}/members?count=1001`)).status).toBe(400);
    expect((await call('POST', `/lists/${LIST}/merge-fields`, { tag: 'TOO_LONG_TAG', name: 'x', type: 'text' })).status).toBe(400);
    expect((await call('POST', `/lists/${LIST}/merge-fields`, { tag: 'SHOE', name: 'Shoe size', type: 'text' })).status).toBe(200);
    expect((await call('POST', `/lists/${LIST}/merge-fields`, { tag: 'SHOE', name: 'Again', type: 'text' })).status).toBe(400);
  });
});
