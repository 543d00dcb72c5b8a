import { afterEach, describe, expect, it } from 'vitest';
import { startPeopleSoftSimulator } from '../../simulators/peoplesoft';
import type { Employee, PeopleSoftSimulator, PeopleSoftSimulatorOptions } from '../../simulators/peoplesoft';

interface ListBody {
  readonly data: Record<string, unknown>[];
  readonly page: number;
  readonly rows: number;
  readonly totalRows: number;
  readonly hasMore: boolean;
}

const BASIC = `Basic ${Buffer.from('ML_INTEGRATION:sim-password').toString('base64')}`;
const EMPLOYEES = '/PSIGW/RESTListeningConnector/PSFT_HR/ML_EMPLOYEES_GET.v1';
const COMPANIES = '/PSIGW/RESTListeningConnector/PSFT_HR/ML_COMPANIES_GET.v1';

const started: PeopleSoftSimulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.stop()));
});

async function simulator(options: PeopleSoftSimulatorOptions = {}): Promise<PeopleSoftSimulator> {
  const sim = await startPeopleSoftSimulator(options);
  started.push(sim);
  return sim;
}

/** A clock tests move by hand. */
function manualClock(startIso: string): { now: () => Date; advance: (ms: number) => void } {
  let current = new Date(startIso);
  return {
    now: () => current,
    advance: (ms) => {
      current = new Date(current.getTime() + ms);
    },
  };
}

function get(sim: PeopleSoftSimulator, path: string, query: Record<string, string | number> = {}, authorization = BASIC): Promise<Response> {
  const url = new URL(path, sim.url);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, String(value));
  return fetch(url, { headers: authorization ? { authorization } : {} });
}

async function list(sim: PeopleSoftSimulator, query: Record<string, string | number> = {}, path = EMPLOYEES): Promise<ListBody> {
  const response = await get(sim, path, query);
  expect(response.status).toBe(200);
  return (await response.json()) as ListBody;
}

/** Every row of a range, page by page. */
async function listAll(sim: PeopleSoftSimulator, query: Record<string, string | number>, rows: number): Promise<Record<string, unknown>[]> {
  const all: Record<string, unknown>[] = [];
  for (let page = 1; ; page += 1) {
    const body = await list(sim, { ...query, page, rows });
    all.push(...body.data);
    if (!body.hasMore) return all;
  }
}

function isSorted(rows: readonly Record<string, unknown>[]): boolean {
  return rows.every((row, index) => {
    if (index === 0) return true;
    const previous = rows[index - 1]!;
    const a = Date.parse(String(previous.LASTUPDDTTM));
    const b = Date.parse(String(row.LASTUPDDTTM));
    return a < b || (a === b && Number(previous.EMPLID) < Number(row.EMPLID));
  });
}

describe('PeopleSoft simulator data', () => {
  it('serves the same rows for the same seed and other rows for another seed', async () => {
    const [a, b, c] = await Promise.all([simulator({ seed: 7 }), simulator({ seed: 7 }), simulator({ seed: 8 })]);
    const query = { page: 3, rows: 50 };
    const [rowsA, rowsB, rowsC] = await Promise.all([list(a, query), list(b, query), list(c, query)]);
    expect(rowsA.data).toEqual(rowsB.data);
    expect(rowsA.data.map((row) => row.EMAIL_ADDR)).not.toEqual(rowsC.data.map((row) => row.EMAIL_ADDR));
  });

  it('serves employees with the documented fields', async () => {
    const sim = await simulator();
    const { data } = await list(sim, { rows: 200 });
    for (const row of data) {
      expect(row).toEqual(
        expect.objectContaining({
          EMPLID: expect.stringMatching(/^\d{6}$/),
          NAME: `${String(row.LAST_NAME)},${String(row.FIRST_NAME)}`,
          EMAIL_ADDR: expect.stringMatching(/^[a-z0-9.]+@[a-z0-9.]+\.example\.com$/),
          DEPTID: expect.any(String),
          DEPT_DESCR: expect.any(String),
          COMPANY: expect.stringMatching(/^[A-Z0-9]{3}$/),
          EMPL_STATUS: expect.stringMatching(/^[AT]$/),
          HIRE_DT: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
          LASTUPDDTTM: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        }),
      );
      expect(row.TERMINATION_DT === null).toBe(row.EMPL_STATUS === 'A');
      expect(row.ACTION).toBe(row.EMPL_STATUS === 'A' ? 'HIR' : 'TER');
    }
    expect(new Set(data.map((row) => row.EMAIL_ADDR)).size).toBe(data.length);
  });

  it('seeds a few terminated employees, always the same ones', async () => {
    const [a, b] = await Promise.all([simulator(), simulator()]);
    const terminated = async (sim: PeopleSoftSimulator): Promise<unknown[]> =>
      (await listAll(sim, {}, 10_000)).filter((row) => row.EMPL_STATUS === 'T').map((row) => row.EMPLID);
    const [inA, inB] = await Promise.all([terminated(a), terminated(b)]);
    expect(inA.length).toBeGreaterThan(0);
    expect(inA.length).toBeLessThan(5000 * 0.05);
    expect(inA).toEqual(inB);
  });

  it('serves companies with the documented fields', async () => {
    const sim = await simulator();
    const { data, totalRows } = await list(sim, {}, COMPANIES);
    expect(totalRows).toBe(8);
    expect(data[0]).toEqual(
      expect.objectContaining({ COMPANY: 'ACM', DESCR: 'Acme Manufacturing', COUNTRY: 'USA', EFF_STATUS: 'A' }),
    );
    expect(Object.keys(data[0]!)).toEqual(
      expect.arrayContaining(['ADDRESS1', 'CITY', 'STATE', 'POSTAL', 'PHONE', 'LASTUPDDTTM']),
    );
    const employees = await list(sim, { rows: 500 });
    const ids = new Set(data.map((company) => company.COMPANY));
    expect(employees.data.every((row) => ids.has(row.COMPANY))).toBe(true);
  });

  it('writes LASTUPDDTTM in the PeopleSoft format in the database time zone when asked', async () => {
    const sim = await simulator({ timestampFormat: 'peoplesoft', timeZone: 'America/Chicago' });
    const iso = await simulator();
    const [local, utc] = await Promise.all([list(sim, { rows: 5 }), list(iso, { rows: 5 })]);
    expect(local.data[0]!.LASTUPDDTTM).toMatch(/^\d{4}-\d{2}-\d{2}-\d{2}\.\d{2}\.\d{2}\.\d{6}$/);
    // 2019-01-01T00:00Z is 2018-12-31 18:00 in Chicago (UTC-6 in winter).
    expect(utc.data[0]!.LASTUPDDTTM).toBe('2019-01-01T00:00:00.000Z');
    expect(local.data[0]!.LASTUPDDTTM).toBe('2018-12-31-18.00.00.000000');
  });
});

describe('PeopleSoft simulator list operation', () => {
  it('serves rows with since <= LASTUPDDTTM < before, sorted, with paging facts', async () => {
    const sim = await simulator();
    const since = '2021-01-01T00:00:00Z';
    const before = '2021-07-01T00:00:00Z';
    const first = await list(sim, { updated_since: since, updated_before: before, page: 1, rows: 100 });
    expect(first).toMatchObject({ page: 1, rows: 100, hasMore: true });
    const all = await listAll(sim, { updated_since: since, updated_before: before }, 100);
    expect(all).toHaveLength(first.totalRows);
    expect(all.slice(0, 100)).toEqual(first.data);
    expect(isSorted(all)).toBe(true);
    for (const row of all) {
      const at = Date.parse(String(row.LASTUPDDTTM));
      expect(at).toBeGreaterThanOrEqual(Date.parse(since));
      expect(at).toBeLessThan(Date.parse(before));
    }
  });

  it('pages the same rows whatever the page size', async () => {
    const sim = await simulator({ employees: 1000 });
    const [small, large] = await Promise.all([listAll(sim, {}, 7), listAll(sim, {}, 10_000)]);
    expect(small).toEqual(large);
    expect(large).toHaveLength(1000);
  });

  it('serves 200 000 employees without materializing them', async () => {
    const sim = await simulator({ employees: 200_000 });
    const everything = await list(sim, { rows: 1 });
    expect(everything.totalRows).toBe(200_000);
    const last = await list(sim, { page: 200_000, rows: 1 });
    expect(last.data[0]!.EMPLID).toBe('300000');
    expect(last.hasMore).toBe(false);
    const window = await list(sim, { updated_since: '2025-06-01T00:00:00Z', updated_before: '2025-06-02T00:00:00Z', rows: 10_000 });
    expect(window.totalRows).toBeGreaterThan(50);
    expect(window.data).toHaveLength(window.totalRows);
    expect(isSorted(window.data)).toBe(true);
    expect(sim.employeeIds(3)).toEqual(['100001', '100002', '100003']);
  });

  it('sends the simulated clock in the Date header', async () => {
    const clock = manualClock('2025-07-01T12:34:56Z');
    const sim = await simulator({ now: clock.now });
    const response = await get(sim, EMPLOYEES, { rows: 1 });
    expect(response.headers.get('date')).toBe('Tue, 01 Jul 2025 12:34:56 GMT');
  });

  it.each([
    ['updated_since', { updated_since: 'yesterday' }],
    ['updated_before', { updated_before: '2024-13-45T00:00:00Z' }],
    ['updated_since', { updated_since: '2024-01-01 00:00' }],
    ['page', { page: 0 }],
    ['rows', { rows: 10_001 }],
    ['rows', { rows: 'many' }],
  ])('answers 400 naming the bad parameter %s', async (parameter, query) => {
    const sim = await simulator();
    const response = await get(sim, EMPLOYEES, query);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; parameter: string };
    expect(body.parameter).toBe(parameter);
    expect(body.error).toContain(parameter);
  });

  it('logs every request with its status', async () => {
    const sim = await simulator();
    await get(sim, EMPLOYEES, { rows: 1 });
    await get(sim, EMPLOYEES, { rows: 1 }, '');
    expect(sim.requests).toEqual([
      { method: 'GET', path: EMPLOYEES, query: { rows: '1' }, status: 200 },
      { method: 'GET', path: EMPLOYEES, query: { rows: '1' }, status: 401 },
    ]);
  });
});

describe('PeopleSoft simulator changes', () => {
  const windowOf = (at: Date): Record<string, string> => ({
    updated_since: at.toISOString(),
    updated_before: new Date(at.getTime() + 1000).toISOString(),
  });

  it('hires with a new EMPLID, stamped with the simulated clock', async () => {
    const clock = manualClock('2025-08-01T09:00:00Z');
    const sim = await simulator({ employees: 100, now: clock.now });
    const hired = sim.hire({ FIRST_NAME: 'Grace', LAST_NAME: 'Hopper' });
    expect(hired).toMatchObject({
      EMPLID: '100101',
      FIRST_NAME: 'Grace',
      ACTION: 'HIR',
      EMPL_STATUS: 'A',
      HIRE_DT: '2025-08-01',
      TERMINATION_DT: null,
      LASTUPDDTTM: '2025-08-01T09:00:00.000Z',
    });
    const { data } = await list(sim, windowOf(clock.now()));
    expect(data).toEqual([hired]);
    expect(sim.employeeIds()).toHaveLength(101);
    expect(sim.employee('100101')).toEqual(hired);
  });

  const changes: ReadonlyArray<[string, (sim: PeopleSoftSimulator, emplid: string) => Employee, Record<string, unknown>]> = [
    ['terminate', (sim, id) => sim.terminate(id), { ACTION: 'TER', EMPL_STATUS: 'T', TERMINATION_DT: '2025-08-01' }],
    ['rehire', (sim, id) => (sim.terminate(id), sim.rehire(id)), { ACTION: 'REH', EMPL_STATUS: 'A', TERMINATION_DT: null }],
    ['transfer', (sim, id) => sim.transfer(id, '15000'), { ACTION: 'XFR', DEPTID: '15000', DEPT_DESCR: 'Engineering' }],
    ['changeTitle', (sim, id) => sim.changeTitle(id, 'Chief Scientist'), { ACTION: 'DTA', JOBTITLE: 'Chief Scientist' }],
    ['update', (sim, id) => sim.update(id, { EMAIL_ADDR: 'bob@@x' }), { EMAIL_ADDR: 'bob@@x' }],
  ];

  it.each(changes)('%s moves the row to now and hides its old version', async (_, apply, expected) => {
    const clock = manualClock('2025-08-01T09:00:00Z');
    const sim = await simulator({ employees: 300, now: clock.now });
    const emplid = '100150';
    const before = sim.employee(emplid)!;
    const changed = apply(sim, emplid);
    expect(changed).toMatchObject({ ...expected, EMPLID: emplid, LASTUPDDTTM: '2025-08-01T09:00:00.000Z' });
    expect(changed.FIRST_NAME).toBe(before.FIRST_NAME);

    const all = await listAll(sim, {}, 1000);
    expect(all).toHaveLength(300);
    expect(all.filter((row) => row.EMPLID === emplid)).toEqual([changed]);
    expect(all.at(-1)).toEqual(changed);
    const old = await list(sim, { updated_since: before.LASTUPDDTTM, updated_before: new Date(Date.parse(before.LASTUPDDTTM) + 1).toISOString() });
    expect(old.totalRows).toBe(0);
  });

  it('keeps changed rows in order among the seeded ones when paging', async () => {
    const clock = manualClock('2020-06-15T00:00:00Z');
    const sim = await simulator({ employees: 2000, now: clock.now });
    // Changes stamped inside the seeded period land between seeded rows.
    for (const id of ['100010', '101500', '100700', '101999']) {
      sim.changeTitle(id, 'Moved');
      clock.advance(3_600_000);
    }
    const small = await listAll(sim, {}, 13);
    const large = await listAll(sim, {}, 10_000);
    expect(small).toEqual(large);
    expect(large).toHaveLength(2000);
    expect(isSorted(large)).toBe(true);
    expect(new Set(large.map((row) => row.EMPLID)).size).toBe(2000);
  });

  it('updates companies', async () => {
    const clock = manualClock('2025-08-01T09:00:00Z');
    const sim = await simulator({ now: clock.now });
    const changed = sim.updateCompany('DLT', { DESCR: 'Delta Foods International' });
    expect(changed).toMatchObject({ COMPANY: 'DLT', DESCR: 'Delta Foods International', LASTUPDDTTM: '2025-08-01T09:00:00.000Z' });
    const { data } = await list(sim, windowOf(clock.now()), COMPANIES);
    expect(data).toEqual([changed]);
    expect(sim.company('DLT')).toEqual(changed);
  });

  it('serves an overridden LASTUPDDTTM verbatim', async () => {
    const clock = manualClock('2025-08-01T09:00:00Z');
    const sim = await simulator({ employees: 10, now: clock.now, timestampFormat: 'peoplesoft' });
    sim.update('100003', { LASTUPDDTTM: 'not a timestamp' });
    const { data } = await list(sim, windowOf(clock.now()));
    expect(data.map((row) => row.LASTUPDDTTM)).toEqual(['not a timestamp']);
  });

  it('refuses to change an unknown employee', async () => {
    const sim = await simulator({ employees: 10 });
    expect(() => sim.terminate('999999')).toThrow(/no employee 999999/);
    expect(sim.employee('999999')).toBeUndefined();
  });
});

describe('PeopleSoft simulator security and Integration Broker errors', () => {
  it('answers 401 with an HTML page and a Basic challenge without credentials', async () => {
    const sim = await simulator();
    const response = await get(sim, EMPLOYEES, {}, '');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('answers 401 to a wrong password', async () => {
    const sim = await simulator();
    const wrong = `Basic ${Buffer.from('ML_INTEGRATION:wrong').toString('base64')}`;
    expect((await get(sim, EMPLOYEES, {}, wrong)).status).toBe(401);
  });

  it('answers 403 when the OPRID lacks the operation in its permission lists', async () => {
    const sim = await simulator({ users: { LIMITED: { password: 'pw', operations: ['ML_COMPANIES_GET'] } } });
    const limited = `Basic ${Buffer.from('LIMITED:pw').toString('base64')}`;
    expect((await get(sim, EMPLOYEES, {}, limited)).status).toBe(403);
    expect((await get(sim, COMPANIES, {}, limited)).status).toBe(200);
  });

  it.each([
    ['an unknown node', '/PSIGW/RESTListeningConnector/PSFT_XX/ML_EMPLOYEES_GET.v1', {}, /node/],
    ['an unknown operation', '/PSIGW/RESTListeningConnector/PSFT_HR/ML_NOPE_GET.v1', {}, /not active/],
    ['an unknown version', '/PSIGW/RESTListeningConnector/PSFT_HR/ML_EMPLOYEES_GET.v2', {}, /not active/],
    ['an inactive operation', EMPLOYEES, { inactiveOperations: ['ML_EMPLOYEES_GET'] }, /not active/],
  ])('answers %s with HTTP 500 and an IBResponse error', async (_, path, options, message) => {
    const sim = await simulator(options);
    const response = await get(sim, path);
    expect(response.status).toBe(500);
    const body = await response.text();
    expect(body).toMatch(/<IBResponse type="error">/);
    expect(/<DefaultMessage>(.*)<\/DefaultMessage>/.exec(body)?.[1]).toMatch(message);
  });

  it('issues bearer tokens to the configured client and accepts them as its OPRID', async () => {
    const sim = await simulator({
      oauth: { clientId: 'ml-client', clientSecret: 'ml-secret', oprid: 'ML_INTEGRATION' },
    });
    const token = async (secret: string): Promise<Response> =>
      fetch(`${sim.url}/idp/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'ml-client', client_secret: secret }).toString(),
      });
    expect((await token('wrong')).status).toBe(401);
    const granted = (await (await token('ml-secret')).json()) as { access_token: string; token_type: string; expires_in: number };
    expect(granted).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect((await get(sim, EMPLOYEES, { rows: 1 }, `Bearer ${granted.access_token}`)).status).toBe(200);
    expect((await get(sim, EMPLOYEES, { rows: 1 }, 'Bearer forged')).status).toBe(401);
    sim.revokeTokens();
    expect((await get(sim, EMPLOYEES, { rows: 1 }, `Bearer ${granted.access_token}`)).status).toBe(401);
  });

  it('expires bearer tokens after an hour of simulated time', async () => {
    const clock = manualClock('2025-08-01T09:00:00Z');
    const sim = await simulator({ now: clock.now, oauth: { clientId: 'c', clientSecret: 's', oprid: 'ML_INTEGRATION' } });
    const response = await fetch(`${sim.url}/idp/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=c&client_secret=s',
    });
    const { access_token: token } = (await response.json()) as { access_token: string };
    clock.advance(3_599_000);
    expect((await get(sim, EMPLOYEES, { rows: 1 }, `Bearer ${token}`)).status).toBe(200);
    clock.advance(1000);
    expect((await get(sim, EMPLOYEES, { rows: 1 }, `Bearer ${token}`)).status).toBe(401);
  });
});

describe('PeopleSoft simulator faults', () => {
  it('answers a scripted status, then recovers', async () => {
    const sim = await simulator();
    sim.faults.enqueue({ kind: 'status', status: 503 }, 2);
    expect((await get(sim, EMPLOYEES, { rows: 1 })).status).toBe(503);
    expect((await get(sim, EMPLOYEES, { rows: 1 })).status).toBe(503);
    expect((await get(sim, EMPLOYEES, { rows: 1 })).status).toBe(200);
  });

  it('cuts the JSON body in half for malformed-json', async () => {
    const sim = await simulator();
    sim.faults.enqueue({ kind: 'malformed-json' });
    const response = await get(sim, EMPLOYEES, { rows: 3 });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    const text = await response.text();
    expect(text.startsWith('{"data":[')).toBe(true);
    expect(() => JSON.parse(text) as unknown).toThrow();
  });

  it('serves an HTML error page with status 200 for html-200', async () => {
    const sim = await simulator();
    sim.faults.enqueue({ kind: 'html-200' });
    const response = await get(sim, EMPLOYEES);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toMatch(/<title>Error 500--Internal Server Error<\/title>/);
  });

  it('delays a slow answer and every answer by pageDelayMs', async () => {
    const sim = await simulator();
    sim.faults.enqueue({ kind: 'slow', delayMs: 150 });
    let startedAt = Date.now();
    expect((await get(sim, EMPLOYEES, { rows: 1 })).status).toBe(200);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(140);
    sim.faults.pageDelayMs = 100;
    startedAt = Date.now();
    await get(sim, EMPLOYEES, { rows: 1 });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(90);
  });

  it('resets the connection without an answer', async () => {
    const sim = await simulator();
    sim.faults.enqueue({ kind: 'reset' });
    await expect(get(sim, EMPLOYEES)).rejects.toThrow();
    expect(sim.requests[0]!.status).toBe(0);
    expect((await get(sim, EMPLOYEES, { rows: 1 })).status).toBe(200);
  });

  it('plays a fault only on the requests it matches', async () => {
    const sim = await simulator();
    sim.faults.enqueue({ kind: 'status', status: 500 }, 1, { operation: 'ML_COMPANIES_GET', page: 2 });
    expect((await get(sim, COMPANIES, { page: 1, rows: 1 })).status).toBe(200);
    expect((await get(sim, EMPLOYEES, { page: 2, rows: 1 })).status).toBe(200);
    expect((await get(sim, COMPANIES, { page: 2, rows: 1 })).status).toBe(500);
    expect(sim.faults.pending).toBe(0);
  });

  it('lets the first matching requests through when asked to play a fault after them', async () => {
    const sim = await simulator();
    sim.faults.enqueue({ kind: 'status', status: 500 }, 1, { operation: 'ML_EMPLOYEES_GET', after: 2 });
    expect((await get(sim, COMPANIES, { rows: 1 })).status).toBe(200);
    expect((await get(sim, EMPLOYEES, { rows: 1 })).status).toBe(200);
    expect((await get(sim, EMPLOYEES, { rows: 1 })).status).toBe(200);
    expect((await get(sim, EMPLOYEES, { rows: 1 })).status).toBe(500);
    expect(sim.faults.pending).toBe(0);
  });

  it('applies a scripted change before answering, so a row updated mid-paging shifts the rows after it', async () => {
    const sim = await simulator({ employees: 10 });
    const window = { updated_since: '2018-01-01T00:00:00Z', updated_before: '2026-01-01T00:00:00Z', rows: 3 };
    const first = (await (await get(sim, EMPLOYEES, { ...window, page: 1 })).json()) as ListBody;
    const movedAway = String(first.data[0]!.EMPLID);
    sim.faults.enqueue({ kind: 'change', apply: () => sim.terminate(movedAway) }, 1, { page: 2 });
    const second = (await (await get(sim, EMPLOYEES, { ...window, page: 2 })).json()) as ListBody;

    // The terminated row now sorts after the window's end; the row that opened page 2 moved to page 1.
    expect(second.totalRows).toBe(first.totalRows - 1);
    expect(second.data.map((row) => row.EMPLID)).toEqual(['100005', '100006', '100007']);
    expect(sim.employee(movedAway)!.EMPL_STATUS).toBe('T');
  });

  it('forgets every fault on clear', async () => {
    const sim = await simulator();
    sim.faults.enqueue({ kind: 'status', status: 500 }, 5);
    sim.faults.pageDelayMs = 10_000;
    sim.faults.clear();
    expect((await get(sim, EMPLOYEES, { rows: 1 })).status).toBe(200);
  });
});
