import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ItemOutcome, TargetAction, type TargetItem } from '../../shared/connectors';
import { MarketoConnector, type MarketoConnectorOptions } from '../../shared/connectors/marketo';
import type { MarketoConfig } from '../../shared/connectors/marketo';
import { ErrorKind, ExternalSystemError, UnsafeHostError } from '../../shared/errors';
import { startMarketoSimulator, type MarketoSimulator } from '../../simulators/marketo';
import { busiestWindow, VirtualClock } from '../support/virtualClock';

const SECRET_NAME = 'acme/marketo';
const credentials = { clientId: 'sim-client', clientSecret: 'sim-secret' };
const loopbackAllowed = { allowLoopback: true, allowPrivate: false };

function configFor(baseUrl: string, overrides: Partial<MarketoConfig> = {}): MarketoConfig {
  return {
    simulator: false,
    munchkinId: '123-ABC-456',
    secret: SECRET_NAME,
    baseUrl,
    network: 'public',
    pacing: { callsPer20s: 100, concurrency: 10 },
    requestTimeoutMs: 10_000,
    ...overrides,
  };
}

function connectorFor(sim: { url: string }, options: Partial<MarketoConnectorOptions> = {}): MarketoConnector {
  return new MarketoConnector({
    config: configFor(sim.url),
    credentials,
    hostPolicy: loopbackAllowed,
    ...options,
  });
}

/** A clock shared by the simulator and the connector; the connector's sleeps move it forward. */
function fakeClock(startIso: string) {
  let at = Date.parse(startIso);
  const sleeps: number[] = [];
  return {
    now: () => new Date(at),
    sleep: async (ms: number): Promise<void> => {
      sleeps.push(ms);
      at += ms;
      await Promise.resolve();
    },
    advance: (ms: number): void => {
      at += ms;
    },
    sleeps,
  };
}

const lead = (email: string, fields: Record<string, unknown> = {}): TargetItem => ({
  ref: `lead:${email}`,
  key: email,
  payload: { email, firstName: 'Ada', lastName: 'Lovelace', ...fields },
});
const company = (id: string, fields: Record<string, unknown> = {}): TargetItem => ({
  ref: `company:${id}`,
  key: id,
  payload: { externalCompanyId: id, company: `Company ${id}`, ...fields },
});
const salesPerson = (id: string, fields: Record<string, unknown> = {}): TargetItem => ({
  ref: `sp:${id}`,
  key: id,
  payload: { externalSalesPersonId: id, email: id, firstName: 'Sam', lastName: 'Seller', ...fields },
});

function byRef<T extends { ref: string }>(results: readonly T[]): Record<string, T> {
  return Object.fromEntries(results.map((result) => [result.ref, result]));
}

describe('MarketoConnector against the Marketo simulator', () => {
  let sim: MarketoSimulator;

  beforeAll(async () => {
    sim = await startMarketoSimulator();
  });
  afterEach(() => sim.reset());
  afterAll(async () => sim.stop());

  describe('tokens', () => {
    it('asks for one token for many writes', async () => {
      const connector = connectorFor(sim);
      for (let i = 0; i < 5; i += 1) await connector.write('leads', TargetAction.Upsert, [lead(`seq${i}@x.com`)]);
      await Promise.all(Array.from({ length: 10 }, (_, i) => connector.write('leads', TargetAction.Upsert, [lead(`par${i}@x.com`)])));

      expect(sim.tokenRequests).toBe(1);
      expect(sim.leads()).toHaveLength(15);
      expect(connector.stats()).toMatchObject({ calls: { 'leads:upsert': 15 }, totalCalls: 15, throttled: 0 });
    });

    it('refreshes an expired token once when several batches notice at the same time (602)', async () => {
      const connector = connectorFor(sim);
      await connector.write('leads', TargetAction.Upsert, [lead('first@x.com')]);
      expect(sim.tokenRequests).toBe(1);
      sim.expireTokens();

      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => connector.write('companies', TargetAction.Upsert, [company(`C-${i}`)])),
      );

      expect(results.flat().map((result) => result.outcome)).toEqual(Array(8).fill(ItemOutcome.Created));
      expect(sim.tokenRequests).toBe(2);
      expect(sim.calls((entry) => entry.code === '602')).toBe(8);
      expect(sim.companies()).toHaveLength(8);
    });
  });

  describe('pacing', () => {
    it('keeps a burst of 150 calls under 100 per 20 s and 10 in flight, with no 606 or 615', async () => {
      const clock = new VirtualClock('2024-06-03T15:00:00Z');
      const paced = await startMarketoSimulator({ now: clock.date, latencyMs: 5, rateLimit: { enabled: true, maxCalls: 100, windowMs: 20_000, maxConcurrent: 10 } });
      try {
        const connector = connectorFor(paced, { now: clock.date, sleep: clock.sleep });
        const results = await Promise.all(
          Array.from({ length: 150 }, (_, i) => clock.task(() => connector.write('leads', TargetAction.Upsert, [lead(`burst${i}@x.com`)]))),
        );
        const arrivals = paced.callLog.map((entry) => entry.at.getTime());

        expect(results.flat().every((result) => result.outcome === ItemOutcome.Created)).toBe(true);
        expect(paced.calls((entry) => entry.code === '606' || entry.code === '615')).toBe(0);
        expect(paced.calls()).toBe(150);
        expect(connector.stats().throttled).toBe(0);
        // The whole budget is used, and the 101st call waited for the window to roll.
        expect(busiestWindow(arrivals, 20_000)).toBe(100);
        expect(Math.max(...arrivals) - Math.min(...arrivals)).toBeGreaterThanOrEqual(20_000);
      } finally {
        await paced.stop();
      }
    });

    it('control: the same burst is throttled when the instance allows fewer calls than the pacing', async () => {
      const clock = new VirtualClock('2024-06-03T15:00:00Z');
      const strict = await startMarketoSimulator({ now: clock.date, latencyMs: 5, rateLimit: { enabled: true, maxCalls: 60, windowMs: 20_000, maxConcurrent: 10 } });
      try {
        const connector = connectorFor(strict, { now: clock.date, sleep: clock.sleep });
        const settled = await Promise.allSettled(
          Array.from({ length: 150 }, (_, i) => clock.task(() => connector.write('leads', TargetAction.Upsert, [lead(`ctl${i}@x.com`)]))),
        );

        expect(strict.calls((entry) => entry.code === '606')).toBeGreaterThan(0);
        expect(settled.some((outcome) => outcome.status === 'rejected' && (outcome.reason as ExternalSystemError).kind === ErrorKind.RateLimited)).toBe(true);
        expect(connector.stats().throttled).toBe(strict.calls((entry) => entry.code === '606'));
      } finally {
        await strict.stop();
      }
    });

    it('turns a 606 into rate-limited with a wait and holds later calls back by it', async () => {
      const clock = fakeClock('2024-06-03T15:00:00Z');
      // The instance is shared with other integrations: only 3 calls left for us in the window.
      const busy = await startMarketoSimulator({ now: clock.now, rateLimit: { enabled: true, maxCalls: 3, windowMs: 20_000, maxConcurrent: 10 } });
      try {
        const connector = connectorFor(busy, { now: clock.now, sleep: clock.sleep });
        for (let i = 0; i < 3; i += 1) await connector.write('leads', TargetAction.Upsert, [lead(`r${i}@x.com`)]);

        const error = await connector.write('leads', TargetAction.Upsert, [lead('r3@x.com')]).catch((caught: unknown) => caught);

        expect(error).toBeInstanceOf(ExternalSystemError);
        expect(error).toMatchObject({ kind: ErrorKind.RateLimited, code: '606', retryAfterMs: 20_000 });
        expect(connector.stats().throttled).toBe(1);

        // The next call waits out the pause before it is sent, and then goes through.
        const results = await connector.write('leads', TargetAction.Upsert, [lead('r3@x.com')]);
        expect(results[0]?.outcome).toBe(ItemOutcome.Created);
        expect(clock.sleeps.reduce((sum, ms) => sum + ms, 0)).toBeGreaterThanOrEqual(20_000);
      } finally {
        await busy.stop();
      }
    });
  });

  describe('quota', () => {
    it('parks a batch on 607 until the next midnight in Chicago', async () => {
      const clock = fakeClock('2024-03-10T03:00:00Z'); // Mar 9, 21:00 CST; DST starts overnight
      const quota = await startMarketoSimulator({ now: clock.now, dailyQuota: 10 });
      try {
        const connector = connectorFor(quota, { now: clock.now, sleep: clock.sleep });
        quota.setQuotaUsed(10);

        const error = await connector.write('leads', TargetAction.Upsert, [lead('q@x.com')]).catch((caught: unknown) => caught);

        expect(error).toBeInstanceOf(ExternalSystemError);
        const typed = error as ExternalSystemError;
        expect(typed.kind).toBe(ErrorKind.QuotaExhausted);
        expect(typed.code).toBe('607');
        expect(typed.resetsAt?.toISOString()).toBe('2024-03-10T06:00:00.000Z');
        expect(connector.stats().throttled).toBe(0);
      } finally {
        await quota.stop();
      }
    });
  });

  describe('per-record results', () => {
    it('maps lead results by input order', async () => {
      const connector = connectorFor(sim);
      await connector.write('leads', TargetAction.Upsert, [lead('known@x.com')]);

      const results = await connector.write('leads', TargetAction.Upsert, [
        lead('new@x.com'),
        lead('known@x.com', { title: 'Engineer' }),
        lead('bad@x.com', { notAField: 'x' }),
        lead('other@x.com'),
      ]);

      expect(results.map((result) => [result.ref, result.outcome])).toEqual([
        ['lead:new@x.com', 'created'],
        ['lead:known@x.com', 'updated'],
        ['lead:bad@x.com', 'rejected'],
        ['lead:other@x.com', 'created'],
      ]);
      expect(results[2]?.reason).toMatchObject({ code: '1006' });
      expect(results[1]?.targetId).toBe(String(sim.lead('known@x.com')?.id));
      expect(sim.lead('known@x.com')?.fields['title']).toBe('Engineer');
    });

    it('maps company results by seq, with duplicates in one call rejected (1036)', async () => {
      const connector = connectorFor(sim);
      const results = byRef(
        await connector.write('companies', TargetAction.Upsert, [
          company('C-1'),
          company('C-2', { bogus: 1 }),
          { ...company('C-1', { company: 'Again' }), ref: 'company:C-1:again' },
        ]),
      );

      expect(results['company:C-1']).toMatchObject({ outcome: 'created' });
      expect(results['company:C-2']).toMatchObject({ outcome: 'rejected', reason: { code: '1006' } });
      expect(results['company:C-1:again']).toMatchObject({ outcome: 'rejected', reason: { code: '1036' } });
      expect(sim.companies().map((row) => row.fields['externalCompanyId'])).toEqual(['C-1']);
    });

    it('upserts and deletes sales persons by external id; a missing one is not-found', async () => {
      const connector = connectorFor(sim);
      const created = await connector.write('salespersons', TargetAction.Upsert, [salesPerson('sam@x.com'), salesPerson('sue@x.com')]);
      expect(created.map((result) => result.outcome)).toEqual(['created', 'created']);

      const deleted = byRef(
        await connector.write('salespersons', TargetAction.Delete, [salesPerson('sam@x.com'), salesPerson('nobody@x.com')]),
      );

      expect(deleted['sp:sam@x.com']).toMatchObject({ outcome: 'deleted' });
      expect(deleted['sp:nobody@x.com']).toMatchObject({ outcome: 'not-found' });
      expect(sim.salesPersons().map((row) => row.fields['externalSalesPersonId'])).toEqual(['sue@x.com']);
      expect(sim.calls((entry) => entry.path === '/rest/v1/salespersons/delete.json')).toBe(1);
    });

    it('deletes companies by external id', async () => {
      const connector = connectorFor(sim);
      await connector.write('companies', TargetAction.Upsert, [company('C-9')]);
      const results = await connector.write('companies', TargetAction.Delete, [company('C-9'), company('C-missing')]);
      expect(results.map((result) => result.outcome)).toEqual(['deleted', 'not-found']);
      expect(sim.companies()).toHaveLength(0);
    });
  });

  describe('lead delete', () => {
    it('reads ids by email first, deletes by id, and reports unknown emails as not-found', async () => {
      const connector = connectorFor(sim);
      await connector.write('leads', TargetAction.Upsert, [lead('a@x.com'), lead('b@x.com'), lead('keep@x.com')]);
      const before = sim.callLog.length;

      const results = byRef(
        await connector.write('leads', TargetAction.Delete, [lead('a@x.com'), { ...lead('B@X.com'), ref: 'lead:B' }, lead('ghost@x.com')]),
      );

      expect(results['lead:a@x.com']).toMatchObject({ outcome: 'deleted' });
      expect(results['lead:B']).toMatchObject({ outcome: 'deleted' });
      expect(results['lead:ghost@x.com']).toMatchObject({ outcome: 'not-found' });
      expect(sim.leads().map((row) => row.fields['email'])).toEqual(['keep@x.com']);
      const calls = sim.callLog.slice(before).map((entry) => `${entry.method} ${entry.path}`);
      expect(calls).toEqual(['GET /rest/v1/leads.json', 'POST /rest/v1/leads/delete.json']);
      expect(connector.stats().calls['leads:delete']).toBe(2);
    });

    it('makes no delete call when no email matches', async () => {
      const connector = connectorFor(sim);
      const results = await connector.write('leads', TargetAction.Delete, [lead('nobody@x.com')]);
      expect(results).toEqual([{ ref: 'lead:nobody@x.com', outcome: 'not-found' }]);
      expect(sim.calls((entry) => entry.path === '/rest/v1/leads/delete.json')).toBe(0);
    });
  });

  describe('readBack', () => {
    it('reads leads, companies and sales persons by key; missing keys are absent', async () => {
      const connector = connectorFor(sim);
      await connector.write('leads', TargetAction.Upsert, [lead('read@x.com', { firstName: 'Grace' })]);
      await connector.write('companies', TargetAction.Upsert, [company('C-R', { website: 'https://r.example' })]);
      await connector.write('salespersons', TargetAction.Upsert, [salesPerson('rep@x.com')]);

      const leads = await connector.readBack('leads', ['READ@x.com', 'absent@x.com']);
      expect(leads).toEqual([
        expect.objectContaining({ key: 'READ@x.com', targetId: String(sim.lead('read@x.com')?.id), fields: expect.objectContaining({ firstName: 'Grace' }) }),
      ]);
      const companies = await connector.readBack('companies', ['C-R', 'C-absent']);
      expect(companies).toHaveLength(1);
      expect(companies[0]).toMatchObject({ key: 'C-R', fields: { externalCompanyId: 'C-R' } });
      const people = await connector.readBack('salespersons', ['rep@x.com']);
      expect(people).toMatchObject([{ key: 'rep@x.com' }]);
      expect(connector.stats().calls).toMatchObject({ 'leads:read': 1, 'companies:read': 1, 'salespersons:read': 1 });
    });

    it('reads 300 leads whose filter would pass the 8 KB URI limit (POST with _method=GET)', async () => {
      const connector = connectorFor(sim);
      const emails = Array.from({ length: 300 }, (_, i) => `a.rather.long.address.number.${i}@example-company.com`);
      await connector.write('leads', TargetAction.Upsert, emails.map((email) => lead(email)));

      const stored = await connector.readBack('leads', emails);

      expect(stored).toHaveLength(300);
      expect(sim.calls((entry) => entry.path === '/rest/v1/leads.json' && entry.method === 'GET' && entry.status === 200)).toBe(1);
    });
  });

  describe('failures', () => {
    it.each([
      ['604', ErrorKind.Retryable],
      ['608', ErrorKind.Retryable],
      ['611', ErrorKind.Retryable],
      ['713', ErrorKind.Retryable],
      ['http502', ErrorKind.Retryable],
      ['http500', ErrorKind.Retryable],
    ] as const)('throws fault %s as %s without retrying it itself', async (fault, kind) => {
      const connector = connectorFor(sim);
      sim.faults.enqueue(fault, 1);

      const error = await connector.write('companies', TargetAction.Upsert, [company('F-1')]).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(ExternalSystemError);
      expect((error as ExternalSystemError).kind).toBe(kind);
      expect((error as ExternalSystemError).message).toContain('POST /rest/v1/companies.json');
      expect(sim.calls()).toBe(1);
    });

    it('refuses a loopback base URL when the host policy forbids it, before any request', async () => {
      const connector = connectorFor(sim, { hostPolicy: { allowLoopback: false, allowPrivate: false } });

      await expect(connector.write('leads', TargetAction.Upsert, [lead('x@x.com')])).rejects.toBeInstanceOf(UnsafeHostError);
      const checks = await connector.ping();

      expect(checks[0]).toMatchObject({ ok: false });
      expect(checks[0]?.detail).toContain('loopback');
      expect(sim.tokenRequests).toBe(0);
      expect(sim.calls()).toBe(0);
    });

    it('accepts a base URL with a trailing slash or the /rest suffix shown in Marketo admin', async () => {
      for (const baseUrl of [`${sim.url}/`, `${sim.url}/rest`, `${sim.url}/identity/`]) {
        const connector = new MarketoConnector({ config: configFor(baseUrl), credentials, hostPolicy: loopbackAllowed });
        await connector.write('leads', TargetAction.Upsert, [lead('slash@x.com')]);
      }
      expect(sim.callLog.every((entry) => !entry.path.includes('//'))).toBe(true);
      expect(sim.calls((entry) => entry.status === 200 && entry.success)).toBe(3);
    });
  });

  describe('ping', () => {
    it('passes with good credentials', async () => {
      const checks = await connectorFor(sim).ping();
      expect(checks.map((check) => check.ok)).toEqual([true, true]);
    });

    it('names the secret and never its value when the credentials are wrong', async () => {
      const connector = new MarketoConnector({
        config: configFor(sim.url),
        credentials: { clientId: 'sim-client', clientSecret: 'wrong-secret-value' },
        hostPolicy: loopbackAllowed,
      });

      const checks = await connector.ping();

      expect(checks[0]).toMatchObject({ ok: false });
      expect(checks[0]?.detail).toContain(
        `Marketo rejected client id/secret: check the LaunchPoint service credentials in secret ${SECRET_NAME}`,
      );
      expect(JSON.stringify(checks)).not.toContain('wrong-secret-value');
      expect(checks[1]).toMatchObject({ ok: false });
      expect(sim.calls()).toBe(0);
    });

    it('reports an unreachable Marketo without throwing', async () => {
      const gone = await startMarketoSimulator();
      const url = gone.url;
      await gone.stop();
      const checks = await connectorFor({ url }).ping();
      expect(checks[0]).toMatchObject({ ok: false });
      expect(checks[0]?.detail).toMatch(/cannot connect/);
    });
  });
});
