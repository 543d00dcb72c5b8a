import { afterEach, describe, expect, it } from 'vitest';
import { customerConfigSchema } from '../../shared/config/schema';
import type { PeopleSoftConfig } from '../../shared/config/schema';
import { ErrorKind, ExternalSystemError, UnsafeHostError } from '../../shared/errors';
import { PeopleSoftSource } from '../../shared/peoplesoft';
import type { PeopleSoftCredentials, PeopleSoftSourceOptions, SourceEvent, SourceItem, SourceRecordItem } from '../../shared/peoplesoft';
import { startPeopleSoftSimulator } from '../../simulators/peoplesoft';
import type { PeopleSoftSimulator, PeopleSoftSimulatorOptions } from '../../simulators/peoplesoft';

const PASSWORD = 'sim-password';
const BASIC: PeopleSoftCredentials = { kind: 'basic', username: 'ML_INTEGRATION', password: PASSWORD };
const ALL_TIME = { from: new Date('2018-01-01T00:00:00Z'), to: new Date('2026-01-01T00:00:00Z') };

const started: PeopleSoftSimulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.stop()));
});

async function simulator(options: PeopleSoftSimulatorOptions = {}): Promise<PeopleSoftSimulator> {
  const sim = await startPeopleSoftSimulator(options);
  started.push(sim);
  return sim;
}

type EntityInput = Record<string, unknown>;

/**
 * A PeopleSoft config section pointing at `baseUrl`, completed by the schema's defaults except for
 * the query form: ISO instants, so windows finer than a second can be asked for exactly (the
 * wall-clock forms are covered in peoplesoftQueryFormats.test.ts).
 */
function peopleSoftConfig(baseUrl: string, overrides: { employees?: EntityInput; companies?: EntityInput; [key: string]: unknown } = {}): PeopleSoftConfig {
  const { employees, companies, ...rest } = overrides;
  return customerConfigSchema.shape.peoplesoft.parse({
    baseUrl,
    node: 'PSFT_HR',
    auth: { kind: 'basic', secret: 'peoplesoft' },
    entities: {
      employees: {
        operation: 'ML_EMPLOYEES_GET',
        timestamp: { queryFormat: 'iso' },
        keyFields: ['EMPLID'],
        lifecycle: {},
        fields: { EMAIL_ADDR: { type: 'email', required: true } },
        ...employees,
      },
      companies: { operation: 'ML_COMPANIES_GET', timestamp: { queryFormat: 'iso' }, keyFields: ['COMPANY'], ...companies },
    },
    ...rest,
  });
}

interface Harness {
  readonly source: PeopleSoftSource;
  readonly sleeps: number[];
}

function sourceFor(config: PeopleSoftConfig, options: Partial<PeopleSoftSourceOptions> = {}): Harness {
  const sleeps: number[] = [];
  const source = new PeopleSoftSource({
    config,
    credentials: BASIC,
    hostPolicy: { allowLoopback: true, allowPrivate: false },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
  return { source, sleeps };
}

async function collect(events: AsyncIterable<SourceEvent>): Promise<SourceEvent[]> {
  const all: SourceEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

function itemsOf(events: readonly SourceEvent[]): SourceItem[] {
  return events.flatMap((event) => (event.type === 'page' ? event.items : []));
}

function recordsOf(events: readonly SourceEvent[]): SourceRecordItem[] {
  return itemsOf(events).filter((item): item is SourceRecordItem => item.kind === 'record');
}

function completions(events: readonly SourceEvent[]): Array<{ until: Date; rows: number }> {
  return events.flatMap((event) => (event.type === 'window-complete' ? [{ until: event.until, rows: event.rows }] : []));
}

function listCalls(sim: PeopleSoftSimulator): Array<Readonly<Record<string, string>>> {
  return sim.requests.filter((request) => request.path.startsWith('/PSIGW/')).map((request) => request.query);
}

/** Rows of the simulator in a range, asked directly. */
async function countIn(sim: PeopleSoftSimulator, range: { from: Date; to: Date }): Promise<number> {
  const url = new URL(`${sim.url}/PSIGW/RESTListeningConnector/PSFT_HR/ML_EMPLOYEES_GET.v1`);
  url.searchParams.set('updated_since', range.from.toISOString());
  url.searchParams.set('updated_before', range.to.toISOString());
  url.searchParams.set('rows', '1');
  const response = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(`ML_INTEGRATION:${PASSWORD}`).toString('base64')}` } });
  return ((await response.json()) as { totalRows: number }).totalRows;
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('PeopleSoftSource reads', () => {
  it('builds operation URLs with the configured parameter names', () => {
    const config = peopleSoftConfig('https://hr.example.com:8443/', {
      employees: { version: 2, params: { since: 'fromDttm', until: 'toDttm', page: 'pg', pageSize: 'size' } },
    });
    const { source } = sourceFor(config);
    const url = source.operationUrl('employees', {
      since: new Date('2025-01-01T00:00:00Z'),
      until: new Date('2025-01-02T00:00:00Z'),
      page: 3,
      pageSize: 250,
    });
    expect(url.toString()).toBe(
      'https://hr.example.com:8443/PSIGW/RESTListeningConnector/PSFT_HR/ML_EMPLOYEES_GET.v2' +
        '?fromDttm=2025-01-01T00%3A00%3A00.000Z&toDttm=2025-01-02T00%3A00%3A00.000Z&pg=3&size=250',
    );
  });

  it('pages through a window and completes it once every page is out', async () => {
    const sim = await simulator({ employees: 1200 });
    const { source } = sourceFor(peopleSoftConfig(sim.url));
    const events = await collect(source.read('employees', ALL_TIME));

    const records = recordsOf(events);
    expect(records).toHaveLength(1200);
    expect(new Set(records.map((item) => item.id)).size).toBe(1200);
    expect(events.filter((event) => event.type === 'page').map((event) => event.type === 'page' && event.items.length)).toEqual([500, 500, 200]);
    expect(events.at(-1)).toEqual({ type: 'window-complete', until: ALL_TIME.to, rows: 1200 });
    expect(listCalls(sim).map((query) => query.page)).toEqual(['1', '2', '3']);
    expect(listCalls(sim)[0]).toEqual({
      updated_since: '2018-01-01T00:00:00.000Z',
      updated_before: '2026-01-01T00:00:00.000Z',
      page: '1',
      rows: '500',
    });
  });

  it('ends on a short page when the operation has no more flag', async () => {
    const sim = await simulator({ employees: 250 });
    // `null` declares that the operation has no "more pages" flag.
    const { source } = sourceFor(peopleSoftConfig(sim.url, { employees: { morePath: null, pageSize: 100 } }));
    const events = await collect(source.read('employees', ALL_TIME));
    expect(recordsOf(events)).toHaveLength(250);
    expect(listCalls(sim).map((query) => query.page)).toEqual(['1', '2', '3']);
  });

  it('splits a window holding more than maxRowsPerWindow and completes each half in order', async () => {
    const sim = await simulator({ employees: 1000 });
    const { source } = sourceFor(peopleSoftConfig(sim.url, { employees: { maxRowsPerWindow: 300, pageSize: 200 } }));
    const events = await collect(source.read('employees', ALL_TIME));

    const records = recordsOf(events);
    expect(records).toHaveLength(1000);
    expect(new Set(records.map((item) => item.id)).size).toBe(1000);
    const done = completions(events);
    expect(done.length).toBeGreaterThanOrEqual(4);
    expect(done.at(-1)!.until).toEqual(ALL_TIME.to);
    expect(done.reduce((sum, window) => sum + window.rows, 0)).toBe(1000);
    for (let index = 1; index < done.length; index += 1) {
      expect(done[index]!.until.getTime()).toBeGreaterThan(done[index - 1]!.until.getTime());
    }
    // Rows of a completed window never show up after its completion.
    let cursor = ALL_TIME.from.getTime();
    for (const event of events) {
      if (event.type === 'window-complete') cursor = event.until.getTime();
      else for (const item of event.items) expect(Date.parse((item as SourceRecordItem).updatedAt)).toBeGreaterThanOrEqual(cursor);
    }
  });

  it('streams half a year of a 200 000-employee population in split windows, each row once', async () => {
    const sim = await simulator({ employees: 200_000 });
    const range = { from: new Date('2025-01-01T00:00:00Z'), to: new Date('2025-07-01T00:00:00Z') };
    const { source } = sourceFor(peopleSoftConfig(sim.url, { employees: { pageSize: 1000, maxRowsPerWindow: 2000 } }));
    const seen = new Set<string>();
    let windows = 0;
    let rows = 0;
    for await (const event of source.read('employees', range)) {
      if (event.type === 'window-complete') {
        windows += 1;
        rows += event.rows;
      } else for (const item of event.items) seen.add(item.id!);
    }
    const expected = await countIn(sim, range);
    expect(seen.size).toBe(expected);
    expect(rows).toBe(expected);
    expect(windows).toBeGreaterThanOrEqual(8);
    // The first window is read with a full page (most windows fit); the halves of a crowded one
    // are probed with a one-row page, so no other full page is thrown away.
    const fullFirstPages = sim.requests.filter((request) => request.query.rows === '1000' && request.query.page === '1');
    expect(fullFirstPages).toHaveLength(windows + 1);
  });

  it('reads a crowded window of one second without splitting it further', async () => {
    const clock = { now: () => new Date('2025-08-01T09:00:00.000Z') };
    const sim = await simulator({ employees: 10, now: clock.now });
    for (let index = 0; index < 30; index += 1) sim.hire();
    const { source } = sourceFor(peopleSoftConfig(sim.url, { employees: { maxRowsPerWindow: 5, pageSize: 10 } }));
    const from = new Date('2025-08-01T09:00:00.000Z');
    const events = await collect(source.read('employees', { from, to: new Date(from.getTime() + 1000) }));
    expect(recordsOf(events)).toHaveLength(30);
    expect(completions(events)).toEqual([{ until: new Date(from.getTime() + 1000), rows: 30 }]);
  });

  it('rejects an invalid row with its reason and lets its neighbours through', async () => {
    const clock = { now: () => new Date('2025-08-01T09:00:00.000Z') };
    const sim = await simulator({ employees: 10, now: clock.now });
    const a = sim.hire();
    const bad = sim.hire();
    sim.update(bad.EMPLID, { EMAIL_ADDR: 'bob@@x' });
    const c = sim.hire();
    const { source } = sourceFor(peopleSoftConfig(sim.url));
    const items = itemsOf(await collect(source.read('employees', { from: clock.now(), to: new Date(clock.now().getTime() + 1) })));
    expect(items.map((item) => [item.kind, item.id])).toEqual([
      ['record', a.EMPLID],
      ['rejected', bad.EMPLID],
      ['record', c.EMPLID],
    ]);
    expect(items[1]).toMatchObject({ field: 'EMAIL_ADDR', reason: 'EMAIL_ADDR: invalid email "bob@@x"' });
  });

  it('derives hire, transfer, rehire and termination from the rows', async () => {
    let now = new Date('2025-08-01T09:00:00.000Z');
    const sim = await simulator({ employees: 50, now: () => now });
    const hired = sim.hire();
    now = new Date(now.getTime() + 1);
    sim.transfer('100010', '13000');
    now = new Date(now.getTime() + 1);
    sim.terminate('100020');
    now = new Date(now.getTime() + 1);
    sim.terminate('100030');
    sim.rehire('100030');
    const { source } = sourceFor(peopleSoftConfig(sim.url));
    const records = recordsOf(await collect(source.read('employees', { from: new Date('2025-08-01T09:00:00Z'), to: new Date('2025-08-01T09:00:01Z') })));
    expect(records.map((item) => [item.id, item.operation, item.lifecycle])).toEqual([
      [hired.EMPLID, 'upsert', 'hire'],
      ['100010', 'upsert', 'transfer'],
      ['100020', 'deactivate', 'termination'],
      ['100030', 'upsert', 'rehire'],
    ]);
    expect(records[0]!.updatedAt).toBe('2025-08-01T09:00:00.000Z');
  });

  it('reads PeopleSoft-format timestamps in the database time zone', async () => {
    const sim = await simulator({ employees: 300, timestampFormat: 'peoplesoft', timeZone: 'America/Chicago' });
    const config = peopleSoftConfig(sim.url, { timeZone: 'America/Chicago', employees: { timestamp: { format: 'peoplesoft' } } });
    const range = { from: new Date('2020-01-01T00:00:00Z'), to: new Date('2022-01-01T00:00:00Z') };
    const items = itemsOf(await collect(sourceFor(config).source.read('employees', range)));
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) {
      expect(item.kind).toBe('record');
      const at = Date.parse((item as SourceRecordItem).updatedAt);
      expect(at).toBeGreaterThanOrEqual(range.from.getTime());
      expect(at).toBeLessThan(range.to.getTime());
    }
  });

  it('re-reads a window whose rows moved while it was paged, so no row is skipped', async () => {
    const sim = await simulator({ employees: 1000 });
    const { source } = sourceFor(peopleSoftConfig(sim.url, { employees: { pageSize: 100 } }));
    const seen = new Set<string>();
    let moved: string | undefined;
    for await (const event of source.read('employees', ALL_TIME)) {
      if (event.type !== 'page') continue;
      for (const item of event.items) seen.add(item.id!);
      // After the first page, an early row changes: its update moves it past the window's end.
      moved ??= sim.terminate(event.items[0]!.id!).EMPLID;
    }
    const stillInWindow = sim.employeeIds().filter((id) => id !== moved);
    expect(stillInWindow.every((id) => seen.has(id))).toBe(true);
    expect(listCalls(sim).filter((query) => query.page === '1')).toHaveLength(2);
  });

  it('reads every row of a window without a row count although a row moves out of it between pages', async () => {
    const sim = await simulator({ employees: 1000 });
    const { source } = sourceFor(peopleSoftConfig(sim.url, { employees: { pageSize: 100, countPath: null } }));
    const [firstRow] = sim.employeeIds(1);
    sim.faults.enqueue({ kind: 'change', apply: () => sim.terminate(firstRow!) }, 1, { after: 1 });

    const records = recordsOf(await collect(source.read('employees', ALL_TIME)));

    expect(sim.faults.pending).toBe(0);
    const seen = new Set(records.map((item) => item.id));
    expect(sim.employeeIds().filter((id) => !seen.has(id))).toEqual([]);
    expect(records).toHaveLength(1000);
  });

  it.each([
    ['with', 'totalRows'],
    ['without', null],
  ] as const)('offers a resume point per page %s a row count: every row updated before it has been read', async (_, countPath) => {
    const sim = await simulator({ employees: 1000 });
    const { source } = sourceFor(peopleSoftConfig(sim.url, { employees: { pageSize: 100, countPath } }));
    const stamps = sim.employeeIds().map((id) => ({ id, at: Date.parse(String(sim.employee(id)!.LASTUPDDTTM)) }));
    const seen = new Set<string>();
    const points: number[] = [];
    for await (const event of source.read('employees', ALL_TIME)) {
      if (event.type !== 'page') continue;
      for (const item of event.items) {
        seen.add(item.id!);
        if (points.length > 0) expect(Date.parse((item as SourceRecordItem).updatedAt)).toBeGreaterThanOrEqual(points.at(-1)!);
      }
      if (!event.readThrough) continue;
      points.push(event.readThrough.getTime());
      expect(stamps.filter((row) => row.at < event.readThrough!.getTime() && !seen.has(row.id))).toEqual([]);
    }
    expect(points.length).toBeGreaterThanOrEqual(9);
    expect(seen.size).toBe(1000);
  });

  it('reads more rows stamped in one instant than a page holds, without a row count', async () => {
    const at = new Date('2025-08-01T09:00:00.000Z');
    const sim = await simulator({ employees: 20, now: () => at });
    const hired = Array.from({ length: 250 }, () => sim.hire().EMPLID);
    const { source } = sourceFor(peopleSoftConfig(sim.url, { employees: { pageSize: 100, countPath: null } }));

    const events = await collect(source.read('employees', { from: new Date('2025-01-01T00:00:00Z'), to: new Date('2025-09-01T00:00:00Z') }));

    const ids = recordsOf(events).map((item) => item.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(hired.filter((id) => !ids.includes(id))).toEqual([]);
    expect(completions(events)).toHaveLength(1);
  });

  it('reads a window without a row count whose rows are not sorted by their stamp in verified passes, each row once, despite a shift', async () => {
    const sim = await simulator({ employees: 450 });
    // An operation that ignores the contract's order: every page arrives reversed.
    const reversing: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const body = (await response.json()) as { data: unknown[] };
      return new Response(JSON.stringify({ ...body, data: body.data.reverse() }), { status: response.status, headers: response.headers });
    };
    const { source } = sourceFor(peopleSoftConfig(sim.url, { employees: { pageSize: 100, countPath: null } }), { fetch: reversing });
    // The first row leaves the window while the first offset pass reads its second page.
    const [firstRow] = sim.employeeIds(1);
    sim.faults.enqueue({ kind: 'change', apply: () => sim.terminate(firstRow!) }, 1, { after: 2 });

    const events = await collect(source.read('employees', ALL_TIME));

    const ids = recordsOf(events).map((item) => item.id);
    expect(sim.faults.pending).toBe(0);
    expect(ids).toHaveLength(450);
    expect(new Set(ids).size).toBe(450);
    expect(events.some((event) => event.type === 'page' && event.readThrough)).toBe(false);
    // Passes are repeated until two agree: the one with the shift, then two unchanged ones.
    expect(listCalls(sim).filter((query) => query.page === '1' && query.updated_since === ALL_TIME.from.toISOString())).toHaveLength(4);
  });

  it('throws instead of looping when the operation ignores the page parameter', async () => {
    const sim = await simulator({ employees: 300 });
    const config = peopleSoftConfig(sim.url, { employees: { pageSize: 100, params: { page: 'pageNumber' } } });
    const error = await failureOf(collect(sourceFor(config).source.read('employees', ALL_TIME)));
    expect(error).toBeInstanceOf(ExternalSystemError);
    expect((error as ExternalSystemError).kind).toBe(ErrorKind.Misconfigured);
    expect((error as ExternalSystemError).message).toMatch(/page 2 repeats the keys of page 1.*"pageNumber"/);
    expect(listCalls(sim)).toHaveLength(2);
  });

  it('reads the source clock from the Date header, or falls back to the local clock', async () => {
    const sim = await simulator({ now: () => new Date('2025-07-01T12:34:56.789Z') });
    const local = new Date('2030-01-01T00:00:00Z');
    const { source } = sourceFor(peopleSoftConfig(sim.url), { now: () => local });
    expect(await source.sourceNow('employees')).toEqual(new Date('2025-07-01T12:34:56.000Z'));
    expect(listCalls(sim).at(-1)).toMatchObject({ rows: '1', updated_before: local.toISOString() });

    const withoutDate: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const headers = new Headers(response.headers);
      headers.delete('date');
      return new Response(await response.text(), { status: response.status, headers });
    };
    const { source: blind } = sourceFor(peopleSoftConfig(sim.url), { now: () => local, fetch: withoutDate });
    expect(await blind.sourceNow('employees')).toEqual(local);
  });
});

describe('PeopleSoftSource handles faults', () => {
  it('retries a 500 with backoff and reads on', async () => {
    const sim = await simulator({ employees: 700 });
    sim.faults.enqueue({ kind: 'status', status: 500 }, 2, { page: 2 });
    const { source, sleeps } = sourceFor(peopleSoftConfig(sim.url));
    const events = await collect(source.read('employees', ALL_TIME));
    expect(recordsOf(events)).toHaveLength(700);
    expect(sleeps).toEqual([500, 1000]);
    expect(sim.requests.map((request) => request.status)).toEqual([200, 500, 500, 200]);
  });

  it('gives up with a retryable error after the last attempt', async () => {
    const sim = await simulator({ employees: 10 });
    sim.faults.enqueue({ kind: 'status', status: 503 }, 10);
    const { source, sleeps } = sourceFor(peopleSoftConfig(sim.url), { retry: { attempts: 3 } });
    const error = await failureOf(collect(source.read('employees', ALL_TIME)));
    expect(error).toBeInstanceOf(ExternalSystemError);
    expect((error as ExternalSystemError).kind).toBe(ErrorKind.Retryable);
    expect((error as ExternalSystemError).status).toBe(503);
    expect(sleeps).toHaveLength(2);
  });

  it.each([
    ['html-200', /PeopleSoft returned an HTML error page instead of JSON/],
    ['malformed-json', /PeopleSoft returned malformed JSON/],
  ] as const)('classifies %s as a retryable failure naming the path', async (kind, message) => {
    const sim = await simulator({ employees: 10 });
    sim.faults.enqueue({ kind });
    const { source } = sourceFor(peopleSoftConfig(sim.url), { retry: { attempts: 1 } });
    const error = (await failureOf(collect(source.read('employees', ALL_TIME)))) as ExternalSystemError;
    expect(error.kind).toBe(ErrorKind.Retryable);
    expect(error.message).toMatch(message);
    expect(error.message).toContain('GET /PSIGW/RESTListeningConnector/PSFT_HR/ML_EMPLOYEES_GET.v1');
    expect(error.message).not.toContain(PASSWORD);
  });

  it.each([['html-200'], ['malformed-json'], ['reset']] as const)('recovers from a single %s by retrying', async (kind) => {
    const sim = await simulator({ employees: 600 });
    sim.faults.enqueue({ kind }, 1, { page: 2 });
    const { source, sleeps } = sourceFor(peopleSoftConfig(sim.url));
    expect(recordsOf(await collect(source.read('employees', ALL_TIME)))).toHaveLength(600);
    expect(sleeps).toEqual([500]);
  });

  it('still reads a slow page', async () => {
    const sim = await simulator({ employees: 600 });
    sim.faults.enqueue({ kind: 'slow', delayMs: 300 }, 1, { page: 2 });
    const { source, sleeps } = sourceFor(peopleSoftConfig(sim.url));
    expect(recordsOf(await collect(source.read('employees', ALL_TIME)))).toHaveLength(600);
    expect(sleeps).toEqual([]);
  });

  it('retries a page slower than the request timeout', async () => {
    const sim = await simulator({ employees: 600 });
    sim.faults.enqueue({ kind: 'slow', delayMs: 3000 }, 1, { page: 2 });
    const { source, sleeps } = sourceFor(peopleSoftConfig(sim.url, { requestTimeoutMs: 1000 }));
    expect(recordsOf(await collect(source.read('employees', ALL_TIME)))).toHaveLength(600);
    expect(sleeps).toEqual([500]);
  });

  it('does not retry what a human must fix', async () => {
    const sim = await simulator({ employees: 10 });
    const { source, sleeps } = sourceFor(peopleSoftConfig(sim.url), { credentials: { ...BASIC, password: 'wrong' } });
    const error = (await failureOf(collect(source.read('employees', ALL_TIME)))) as ExternalSystemError;
    expect(error.kind).toBe(ErrorKind.Misconfigured);
    expect(error.message).toMatch(/PeopleSoft rejected the credentials of OPRID ML_INTEGRATION: check the user and password/);
    expect(error.message).not.toContain('wrong');
    expect(sleeps).toEqual([]);
    expect(sim.requests).toHaveLength(1);
  });
});

describe('PeopleSoftSource ping', () => {
  const summary = (checks: ReadonlyArray<{ name: string; ok: boolean; detail: string }>): Record<string, string> =>
    Object.fromEntries(checks.map((check) => [check.name, `${check.ok ? 'ok' : 'FAIL'}: ${check.detail}`]));

  it('passes every check against a healthy PeopleSoft', async () => {
    const sim = await simulator();
    const checks = await sourceFor(peopleSoftConfig(sim.url)).source.ping();
    expect(checks.map((check) => check.name)).toEqual([
      'DNS',
      'credentials',
      'operation employees (ML_EMPLOYEES_GET.v1)',
      'operation companies (ML_COMPANIES_GET.v1)',
    ]);
    expect(checks.every((check) => check.ok)).toBe(true);
  });

  it('tells a bad password from everything else', async () => {
    const sim = await simulator();
    const checks = summary(await sourceFor(peopleSoftConfig(sim.url), { credentials: { ...BASIC, password: 'nope' } }).source.ping());
    expect(checks.DNS).toMatch(/^ok/);
    expect(checks.credentials).toMatch(/^FAIL: .*PeopleSoft rejected the credentials of OPRID ML_INTEGRATION: check the user and password/);
    expect(checks['operation employees (ML_EMPLOYEES_GET.v1)']).toBe('FAIL: not checked: credentials rejected (see credentials)');
    expect(JSON.stringify(checks)).not.toContain('nope');
  });

  it('tells a wrong node name', async () => {
    const sim = await simulator();
    const checks = summary(await sourceFor(peopleSoftConfig(sim.url, { node: 'PSFT_EP' })).source.ping());
    expect(checks.credentials).toMatch(/^ok/);
    expect(checks['operation employees (ML_EMPLOYEES_GET.v1)']).toMatch(/^FAIL: .*wrong node name PSFT_EP: set peoplesoft\.node/);
    expect(checks['operation companies (ML_COMPANIES_GET.v1)']).toMatch(/wrong node name/);
  });

  it('tells which service operation is not active', async () => {
    const sim = await simulator({ inactiveOperations: ['ML_COMPANIES_GET'] });
    const checks = summary(await sourceFor(peopleSoftConfig(sim.url)).source.ping());
    expect(checks.credentials).toMatch(/^ok/);
    expect(checks['operation employees (ML_EMPLOYEES_GET.v1)']).toMatch(/^ok/);
    expect(checks['operation companies (ML_COMPANIES_GET.v1)']).toMatch(
      /^FAIL: .*activate the service operation ML_COMPANIES_GET\.v1 in Integration Broker/,
    );
  });

  it('tells a missing permission', async () => {
    const sim = await simulator({ users: { ML_INTEGRATION: { password: PASSWORD, operations: ['ML_EMPLOYEES_GET'] } } });
    const checks = summary(await sourceFor(peopleSoftConfig(sim.url)).source.ping());
    expect(checks['operation companies (ML_COMPANIES_GET.v1)']).toMatch(/lacks permission for operation ML_COMPANIES_GET\.v1: add it to a permission list/);
  });

  it('tells a host that does not resolve, and skips what cannot be checked', async () => {
    const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    const { source } = sourceFor(peopleSoftConfig('http://peoplesoft.invalid:8000'), {
      resolveHost: async () => {
        throw notFound;
      },
    });
    const checks = summary(await source.ping());
    expect(checks.DNS).toMatch(/^FAIL: peoplesoft\.invalid does not resolve \(ENOTFOUND\): check the host in peoplesoft\.baseUrl/);
    expect(checks.credentials).toMatch(/^FAIL: not checked/);
  });

  it('tells a port where nothing listens', async () => {
    const sim = await simulator();
    const url = sim.url;
    await sim.stop();
    const checks = summary(await sourceFor(peopleSoftConfig(url)).source.ping());
    expect(checks.DNS).toMatch(/^ok/);
    expect(checks.credentials).toMatch(/^FAIL: not checked: .*cannot connect.*check the host and port/);
  });

  it('tells an untrusted TLS certificate', async () => {
    const { createServer } = await import('node:https');
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'ps-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    const server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_, res) => res.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const checks = summary(await sourceFor(peopleSoftConfig(`https://127.0.0.1:${port}`)).source.ping());
      expect(checks.TLS).toMatch(/^FAIL: the TLS certificate of 127\.0\.0\.1 is not trusted \(.+\): install the issuing CA/);
      expect(checks.credentials).toMatch(/^FAIL: not checked: no trusted TLS connection/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('PeopleSoftSource with OAuth2 bearer tokens', () => {
  const OAUTH = { clientId: 'ml-client', clientSecret: 'ml-client-secret', oprid: 'ML_INTEGRATION' };

  function oauthConfig(sim: PeopleSoftSimulator, overrides: Record<string, unknown> = {}): PeopleSoftConfig {
    return peopleSoftConfig(sim.url, {
      auth: { kind: 'oauth2', secret: 'peoplesoft', tokenUrl: `${sim.url}/idp/oauth2/token` },
      employees: { pageSize: 100 },
      ...overrides,
    });
  }
  const tokenCalls = (sim: PeopleSoftSimulator): number => sim.requests.filter((request) => request.path === '/idp/oauth2/token').length;

  it('reads with a token from the IdP, fetched once for every page', async () => {
    const sim = await simulator({ employees: 450, oauth: OAUTH });
    const { source } = sourceFor(oauthConfig(sim), { credentials: { kind: 'oauth2', clientId: OAUTH.clientId, clientSecret: OAUTH.clientSecret } });
    const [a, b] = await Promise.all([collect(source.read('employees', ALL_TIME)), collect(source.read('companies', ALL_TIME))]);
    expect(recordsOf(a)).toHaveLength(450);
    expect(recordsOf(b)).toHaveLength(8);
    expect(tokenCalls(sim)).toBe(1);
  });

  it('fetches a new token once when PeopleSoft refuses the cached one', async () => {
    const sim = await simulator({ employees: 450, oauth: OAUTH });
    const { source } = sourceFor(oauthConfig(sim), { credentials: { kind: 'oauth2', clientId: OAUTH.clientId, clientSecret: OAUTH.clientSecret } });
    await collect(source.read('employees', ALL_TIME));
    sim.revokeTokens();
    expect(recordsOf(await collect(source.read('employees', ALL_TIME)))).toHaveLength(450);
    expect(tokenCalls(sim)).toBe(2);
  });

  it('refreshes the token shortly before it expires', async () => {
    let now = new Date('2025-08-01T09:00:00Z');
    const clock = (): Date => now;
    const sim = await simulator({ employees: 10, oauth: OAUTH, now: clock });
    const { source } = sourceFor(oauthConfig(sim), {
      credentials: { kind: 'oauth2', clientId: OAUTH.clientId, clientSecret: OAUTH.clientSecret },
      now: clock,
    });
    await source.sourceNow('employees');
    now = new Date(now.getTime() + 3_500_000);
    await source.sourceNow('employees');
    expect(tokenCalls(sim)).toBe(1);
    now = new Date(now.getTime() + 60_000);
    await source.sourceNow('employees');
    expect(tokenCalls(sim)).toBe(2);
    expect(sim.requests.every((request) => request.status === 200)).toBe(true);
  });

  it('reports a wrong client secret in ping without printing it', async () => {
    const sim = await simulator({ oauth: OAUTH });
    const { source } = sourceFor(oauthConfig(sim), { credentials: { kind: 'oauth2', clientId: OAUTH.clientId, clientSecret: 'not-the-secret' } });
    const checks = await source.ping();
    const credentials = checks.find((check) => check.name === 'credentials')!;
    expect(credentials.ok).toBe(false);
    expect(credentials.detail).toMatch(/identity provider refused client ml-client.*check the OAuth2 client id and secret/);
    expect(JSON.stringify(checks)).not.toContain('not-the-secret');
    expect(checks.filter((check) => check.name.startsWith('operation')).every((check) => !check.ok)).toBe(true);
  });

  it('passes ping with a valid client', async () => {
    const sim = await simulator({ oauth: OAUTH });
    const { source } = sourceFor(oauthConfig(sim), { credentials: { kind: 'oauth2', clientId: OAUTH.clientId, clientSecret: OAUTH.clientSecret } });
    expect((await source.ping()).every((check) => check.ok)).toBe(true);
  });
});

describe('PeopleSoftSource network policy', () => {
  it('refuses a loopback host unless the policy allows it, before sending anything', async () => {
    const sim = await simulator({ employees: 10 });
    const { source } = sourceFor(peopleSoftConfig(sim.url), { hostPolicy: { allowLoopback: false, allowPrivate: false } });
    const error = await failureOf(collect(source.read('employees', ALL_TIME)));
    expect(error).toBeInstanceOf(UnsafeHostError);
    expect((error as UnsafeHostError).kind).toBe(ErrorKind.Misconfigured);
    expect(sim.requests).toHaveLength(0);

    const checks = await source.ping();
    expect(checks[0]).toEqual({
      name: 'DNS',
      ok: false,
      detail: '127.0.0.1 is refused: loopback addresses are only allowed in local runs',
    });
    expect(sim.requests).toHaveLength(0);
  });

  it('refuses a name that resolves to a private address unless the network is private', async () => {
    const { source } = sourceFor(peopleSoftConfig('https://hr.customer.example:8443'), {
      hostPolicy: { allowLoopback: false, allowPrivate: false },
      resolveHost: async () => ['10.20.30.40'],
    });
    const checks = await source.ping();
    expect(checks[0]).toMatchObject({ name: 'DNS', ok: false });
    expect(checks[0]!.detail).toMatch(/^hr\.customer\.example resolves to 10\.20\.30\.40, which is refused: private addresses need `network: private`/);
    expect(checks.slice(1).every((check) => !check.ok && check.detail.startsWith('not checked'))).toBe(true);
    expect(checks.map((check) => check.name)).toContain('TLS');
  });

  it('refuses credentials of the other auth kind than the config declares', () => {
    expect(() => sourceFor(peopleSoftConfig('https://hr.example.com'), { credentials: { kind: 'oauth2', clientId: 'a', clientSecret: 'b' } })).toThrow(
      /peoplesoft\.auth\.kind: is basic but the secret holds oauth2 credentials/,
    );
  });
});
