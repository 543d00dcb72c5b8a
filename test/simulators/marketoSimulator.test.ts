import { afterEach, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, MAX_URI_BYTES, startMarketoSimulator } from '../../simulators/marketo';
import type { MarketoFault, MarketoSimulator, MarketoSimulatorOptions } from '../../simulators/marketo';

interface Envelope {
  readonly requestId: string;
  readonly success: boolean;
  readonly result?: readonly Record<string, unknown>[];
  readonly errors?: readonly { readonly code: string; readonly message: string }[];
}

interface TokenBody {
  readonly access_token: string;
  readonly token_type: string;
  readonly expires_in: number;
}

const started: MarketoSimulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.stop()));
});

async function simulator(options: MarketoSimulatorOptions = {}): Promise<MarketoSimulator> {
  const sim = await startMarketoSimulator(options);
  started.push(sim);
  return sim;
}

/** A clock tests move by hand. */
function manualClock(startIso: string): { now: () => Date; set: (iso: string) => void; advance: (ms: number) => void } {
  let current = new Date(startIso);
  return {
    now: () => current,
    set: (iso) => {
      current = new Date(iso);
    },
    advance: (ms) => {
      current = new Date(current.getTime() + ms);
    },
  };
}

function identityUrl(sim: MarketoSimulator, secret = 'sim-secret'): string {
  return `${sim.url}/identity/oauth/token?grant_type=client_credentials&client_id=sim-client&client_secret=${secret}`;
}

async function requestToken(sim: MarketoSimulator): Promise<TokenBody> {
  const response = await fetch(identityUrl(sim));
  return (await response.json()) as TokenBody;
}

async function readLeads(sim: MarketoSimulator, token: string | undefined): Promise<Envelope> {
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  const response = await fetch(`${sim.url}/rest/v1/leads.json?filterType=email&filterValues=a@x.com`, { headers });
  return (await response.json()) as Envelope;
}

async function post(sim: MarketoSimulator, token: string, path: string, body: string, contentType = 'application/json'): Promise<Response> {
  return fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body,
  });
}

function errorCode(envelope: Envelope): string | undefined {
  return envelope.errors?.[0]?.code;
}

describe('identity endpoint', () => {
  it('issues a bearer token ending in :sim for GET and for POST with query parameters', async () => {
    const sim = await simulator();

    const viaGet = await fetch(identityUrl(sim));
    const viaPost = await fetch(identityUrl(sim), { method: 'POST' });

    expect(viaGet.status).toBe(200);
    expect(viaPost.status).toBe(200);
    const body = (await viaGet.json()) as TokenBody;
    expect(body.access_token).toMatch(/:sim$/);
    expect(body.token_type).toBe('bearer');
    expect(body.expires_in).toBe(3600);
    expect(((await viaPost.json()) as TokenBody).access_token).toBe(body.access_token);
  });

  it('answers HTTP 401 to bad client credentials', async () => {
    const sim = await simulator();

    const response = await fetch(identityUrl(sim, 'wrong'));

    expect(response.status).toBe(401);
  });

  it('hands out the same token with a shrinking expires_in until it expires, then a new one', async () => {
    const clock = manualClock('2024-05-01T12:00:00Z');
    const sim = await simulator({ now: clock.now });
    const first = await requestToken(sim);

    clock.advance(100_000);
    const again = await requestToken(sim);
    clock.advance(3_500_000);
    const renewed = await requestToken(sim);

    expect(again.access_token).toBe(first.access_token);
    expect(again.expires_in).toBe(3500);
    expect(renewed.access_token).not.toBe(first.access_token);
    expect(renewed.expires_in).toBe(3600);
    expect(sim.tokenRequests).toBe(3);
  });

  it('does not count identity calls against quota or the call log', async () => {
    const sim = await simulator({ dailyQuota: 1 });

    for (let i = 0; i < 5; i += 1) await requestToken(sim);

    expect(sim.quotaUsed).toBe(0);
    expect(sim.calls()).toBe(0);
    expect((await readLeads(sim, (await requestToken(sim)).access_token)).success).toBe(true);
  });
});

describe('access token checks on REST calls', () => {
  it('answers 601 for a missing or unknown token and 602 for an expired one, all HTTP 200, none billed', async () => {
    const clock = manualClock('2024-05-01T12:00:00Z');
    const sim = await simulator({ now: clock.now });
    const { access_token: token } = await requestToken(sim);

    const missing = await readLeads(sim, undefined);
    const unknown = await readLeads(sim, 'not-a-token:sim');
    clock.advance(3_600_000);
    const expired = await readLeads(sim, token);

    expect([missing, unknown, expired].map(errorCode)).toEqual(['601', '601', '602']);
    expect([missing, unknown, expired].every((envelope) => !envelope.success)).toBe(true);
    expect(sim.quotaUsed).toBe(0);
    expect(sim.calls((entry) => entry.status === 200 && entry.code !== undefined)).toBe(3);
  });

  it('answers 602 for every outstanding token after expireTokens() and issues a new one next', async () => {
    const sim = await simulator();
    const { access_token: token } = await requestToken(sim);

    sim.expireTokens();

    expect(errorCode(await readLeads(sim, token))).toBe('602');
    const { access_token: fresh } = await requestToken(sim);
    expect(fresh).not.toBe(token);
    expect((await readLeads(sim, fresh)).success).toBe(true);
  });
});

describe('limits', () => {
  it('answers 606 to the 101st call within 20 s and admits calls again once the window rolls', async () => {
    const clock = manualClock('2024-05-01T12:00:00Z');
    const sim = await simulator({ now: clock.now });
    const { access_token: token } = await requestToken(sim);
    for (let i = 0; i < 100; i += 1) {
      expect((await readLeads(sim, token)).success).toBe(true);
      clock.advance(100);
    }

    const over = await readLeads(sim, token);
    clock.set('2024-05-01T12:00:19.999Z');
    const stillOver = await readLeads(sim, token);
    clock.set('2024-05-01T12:00:20Z');
    const admitted = await readLeads(sim, token);

    expect(errorCode(over)).toBe('606');
    expect(over.errors?.[0]?.message).toContain('100');
    expect(errorCode(stillOver)).toBe('606');
    expect(admitted.success).toBe(true);
    expect(sim.quotaUsed).toBe(101);
  });

  it('never answers 606 or 615 when rate limiting is disabled', async () => {
    const sim = await simulator({ rateLimit: { enabled: false }, latencyMs: 50 });
    const { access_token: token } = await requestToken(sim);

    const results = await Promise.all(Array.from({ length: 120 }, () => readLeads(sim, token)));

    expect(results.every((envelope) => envelope.success)).toBe(true);
  });

  it('answers 615 to the 11th call while 10 are in flight', async () => {
    const sim = await simulator({ latencyMs: 300 });
    const { access_token: token } = await requestToken(sim);

    const results = await Promise.all(Array.from({ length: 11 }, () => readLeads(sim, token)));

    expect(results.filter((envelope) => envelope.success)).toHaveLength(10);
    expect(results.filter((envelope) => errorCode(envelope) === '615')).toHaveLength(1);
    expect((await readLeads(sim, token)).success).toBe(true);
  });

  it('answers 607 once the daily quota is used and resets at midnight America/Chicago (CST)', async () => {
    // 05:59 UTC on 9 March 2024 is 23:59 CST.
    const clock = manualClock('2024-03-09T05:59:00Z');
    const sim = await simulator({ now: clock.now, dailyQuota: 3 });
    const { access_token: token } = await requestToken(sim);
    for (let i = 0; i < 3; i += 1) expect((await readLeads(sim, token)).success).toBe(true);

    const exhausted = await readLeads(sim, token);
    clock.set('2024-03-09T06:00:00Z');
    const nextDay = await readLeads(sim, token);

    expect(errorCode(exhausted)).toBe('607');
    expect(nextDay.success).toBe(true);
    expect(sim.quotaUsed).toBe(1);
  });

  it('follows daylight saving time: in July the quota resets at 05:00 UTC, not 06:00', async () => {
    const clock = manualClock('2024-07-01T04:59:59Z');
    const sim = await simulator({ now: clock.now, dailyQuota: 1 });
    const { access_token: token } = await requestToken(sim);
    sim.setQuotaUsed(1);

    const beforeMidnight = await readLeads(sim, token);
    clock.set('2024-07-01T05:00:00Z');
    const afterMidnight = await readLeads(sim, token);

    expect(errorCode(beforeMidnight)).toBe('607');
    expect(afterMidnight.success).toBe(true);
  });

  it('answers 607 on the next call after setQuotaUsed(dailyQuota)', async () => {
    const sim = await simulator();
    const { access_token: token } = await requestToken(sim);

    sim.setQuotaUsed(50_000);

    expect(errorCode(await readLeads(sim, token))).toBe('607');
  });
});

describe('HTTP-level and request errors', () => {
  it('accepts a body of exactly 1 MB and answers HTTP 413 to one byte more', async () => {
    const sim = await simulator();
    const { access_token: token } = await requestToken(sim);
    const frame = '{"input":[],"pad":""}';
    const exact = frame.replace('""', `"${'x'.repeat(MAX_BODY_BYTES - frame.length)}"`);

    const atLimit = await post(sim, token, '/rest/v1/leads.json', exact);
    const overLimit = await post(sim, token, '/rest/v1/leads.json', `${exact} `);

    expect(atLimit.status).toBe(200);
    expect(errorCode((await atLimit.json()) as Envelope)).toBe('701');
    expect(overLimit.status).toBe(413);
    expect(sim.calls((entry) => entry.status === 413)).toBe(1);
  });

  it('answers HTTP 414 to a URI over 8 KB and serves the same read as a POST with _method=GET', async () => {
    const sim = await simulator();
    const { access_token: token } = await requestToken(sim);
    const emails = Array.from({ length: 300 }, (_, i) => `person.number.${i}@example.com`).join(',');
    const params = new URLSearchParams({ filterType: 'email', filterValues: emails }).toString();
    expect(`/rest/v1/leads.json?${params}`.length).toBeGreaterThan(MAX_URI_BYTES);

    const longGet = await fetch(`${sim.url}/rest/v1/leads.json?${params}`, { headers: { authorization: `Bearer ${token}` } });
    const overridden = await post(sim, token, '/rest/v1/leads.json?_method=GET', params, 'application/x-www-form-urlencoded');

    expect(longGet.status).toBe(414);
    const envelope = (await overridden.json()) as Envelope;
    expect(envelope).toMatchObject({ success: true, result: [] });
    expect(sim.callLog.at(-1)).toMatchObject({ method: 'GET', path: '/rest/v1/leads.json', records: 300 });
  });

  it.each([
    { name: 'a non-JSON content type', contentType: 'text/plain', body: '{"input":[{"email":"a@x.com"}]}', code: '612' },
    { name: 'a missing content type', contentType: '', body: '{"input":[{"email":"a@x.com"}]}', code: '612' },
    { name: 'malformed JSON', contentType: 'application/json', body: '{"input":[', code: '609' },
    { name: 'a JSON array body', contentType: 'application/json', body: '[]', code: '609' },
  ])('answers $code to a POST with $name', async ({ contentType, body, code }) => {
    const sim = await simulator();
    const { access_token: token } = await requestToken(sim);

    const response = await fetch(`${sim.url}/rest/v1/leads.json`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, ...(contentType === '' ? {} : { 'content-type': contentType }) },
      body: new TextEncoder().encode(body),
    });

    expect(response.status).toBe(200);
    expect(errorCode((await response.json()) as Envelope)).toBe(code);
    expect(sim.leads()).toHaveLength(0);
  });

  it('answers 610 to an unknown path and 605 (unbilled) to a method the path does not support', async () => {
    const sim = await simulator();
    const { access_token: token } = await requestToken(sim);
    const headers = { authorization: `Bearer ${token}` };

    const unknown = (await (await fetch(`${sim.url}/rest/v1/nothing.json`, { headers })).json()) as Envelope;
    const doubleSlash = (await (await fetch(`${sim.url}//rest/v1/leads.json`, { headers })).json()) as Envelope;
    const wrongMethod = (await (await fetch(`${sim.url}/rest/v1/leads/delete.json`, { headers })).json()) as Envelope;

    expect([unknown, doubleSlash, wrongMethod].map(errorCode)).toEqual(['610', '610', '605']);
    expect(sim.quotaUsed).toBe(2);
  });

  it('logs every REST call with method, path, status, success, code and record count', async () => {
    const clock = manualClock('2024-05-01T12:00:00Z');
    const sim = await simulator({ now: clock.now });
    const { access_token: token } = await requestToken(sim);

    await post(sim, token, '/rest/v1/leads.json', JSON.stringify({ input: [{ email: 'a@x.com' }, { email: 'b@x.com' }] }));
    await readLeads(sim, undefined);

    expect(sim.callLog).toEqual([
      { at: clock.now(), method: 'POST', path: '/rest/v1/leads.json', status: 200, success: true, records: 2 },
      { at: clock.now(), method: 'GET', path: '/rest/v1/leads.json', status: 200, success: false, code: '601' },
    ]);
    expect(sim.calls((entry) => entry.success)).toBe(1);
  });
});

describe('fault injection', () => {
  it.each<{ code: MarketoFault; billed: number }>([
    { code: '604', billed: 0 },
    { code: '608', billed: 0 },
    { code: '611', billed: 0 },
    { code: '713', billed: 1 },
  ])('answers response-level $code to the next call, then recovers (billed calls: $billed)', async ({ code, billed }) => {
    const sim = await simulator();
    const { access_token: token } = await requestToken(sim);

    sim.faults.enqueue(code);
    const faulted = await readLeads(sim, token);

    expect(faulted.success).toBe(false);
    expect(errorCode(faulted)).toBe(code);
    expect(sim.quotaUsed).toBe(billed);
    expect((await readLeads(sim, token)).success).toBe(true);
  });

  it.each([
    { code: 'http502' as const, status: 502 },
    { code: 'http500' as const, status: 500 },
  ])('answers HTTP $status for $code', async ({ code, status }) => {
    const sim = await simulator();
    const { access_token: token } = await requestToken(sim);

    sim.faults.enqueue(code);
    const response = await fetch(`${sim.url}/rest/v1/leads.json?filterType=email&filterValues=a@x.com`, {
      headers: { authorization: `Bearer ${token}` },
    });

    expect(response.status).toBe(status);
    expect(sim.callLog.at(-1)).toMatchObject({ status, success: false });
  });

  it('applies a counted fault to that many calls, in order, and not to calls refused for their token', async () => {
    const sim = await simulator();
    const { access_token: token } = await requestToken(sim);
    sim.faults.enqueue('604', 2);
    sim.faults.enqueue('713');

    const unauthenticated = await readLeads(sim, undefined);
    const codes = [];
    for (let i = 0; i < 4; i += 1) codes.push(errorCode(await readLeads(sim, token)));

    expect(errorCode(unauthenticated)).toBe('601');
    expect(codes).toEqual(['604', '604', '713', undefined]);
    expect(sim.faults.pending).toBe(0);
  });
});

describe('inspection API', () => {
  it('reset() empties data, log, faults and quota while issued tokens keep working', async () => {
    const sim = await simulator();
    const { access_token: token } = await requestToken(sim);
    await post(sim, token, '/rest/v1/leads.json', JSON.stringify({ input: [{ email: 'a@x.com' }] }));
    sim.faults.enqueue('611');

    sim.reset();

    expect(sim.leads()).toEqual([]);
    expect(sim.callLog).toEqual([]);
    expect(sim.faults.pending).toBe(0);
    expect(sim.quotaUsed).toBe(0);
    expect(sim.tokenRequests).toBe(0);
    expect((await readLeads(sim, token)).success).toBe(true);
  });

  it('rejects unknown options with a message naming them', async () => {
    const typo = { rateLimits: { enabled: false } } as unknown as MarketoSimulatorOptions;

    await expect(startMarketoSimulator(typo)).rejects.toThrow(/options\.rateLimits/);
  });
});
