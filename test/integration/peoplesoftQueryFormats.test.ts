import { afterEach, describe, expect, it } from 'vitest';
import { customerConfigSchema, type PeopleSoftConfig, type QueryTimestampFormat } from '../../shared/config';
import { ErrorKind, ExternalSystemError } from '../../shared/errors';
import { PeopleSoftSource, type SourceEvent, type SourceRecordItem } from '../../shared/peoplesoft';
import { startPeopleSoftSimulator, type PeopleSoftSimulator, type PeopleSoftSimulatorOptions } from '../../simulators/peoplesoft';

const started: PeopleSoftSimulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.stop()));
});

async function simulator(options: PeopleSoftSimulatorOptions): Promise<PeopleSoftSimulator> {
  const sim = await startPeopleSoftSimulator(options);
  started.push(sim);
  return sim;
}

/** An HCM system on `baseUrl` in `timeZone` whose employees operation takes `queryFormat` (default: the schema's). */
function config(baseUrl: string, timeZone: string, queryFormat?: QueryTimestampFormat, timestampFormat: 'iso' | 'peoplesoft' = 'iso'): PeopleSoftConfig {
  return customerConfigSchema.shape.peoplesoft.parse({
    systems: { hcm: { baseUrl, node: 'PSFT_HR', auth: { kind: 'basic', secret: 'peoplesoft-hcm' }, timeZone } },
    entities: {
      employees: {
        operation: 'ML_EMPLOYEES_GET',
        keyFields: ['EMPLID'],
        timestamp: { format: timestampFormat, ...(queryFormat ? { queryFormat } : {}) },
      },
    },
  });
}

function sourceOf(peoplesoft: PeopleSoftConfig, now?: () => Date): PeopleSoftSource {
  return new PeopleSoftSource({
    config: peoplesoft,
    credentials: { kind: 'basic', username: 'ML_INTEGRATION', password: 'sim-password' },
    hostPolicy: { allowLoopback: true, allowPrivate: false },
    retry: { attempts: 1 },
    sleep: async () => undefined,
    ...(now ? { now } : {}),
  });
}

async function idsRead(source: PeopleSoftSource, from: string, to: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const event of source.read('employees', { from: new Date(from), to: new Date(to) }) as AsyncIterable<SourceEvent>) {
    if (event.type === 'page') ids.push(...event.items.filter((item): item is SourceRecordItem => item.kind === 'record').map((item) => item.id));
  }
  return ids;
}

function sinceParameters(sim: PeopleSoftSimulator): string[] {
  return sim.requests.filter((request) => request.path.startsWith('/PSIGW/')).map((request) => request.query.updated_since!);
}

describe('query timestamps in the form the operation reads', () => {
  it('writes local wall time in the system time zone by default', () => {
    const peoplesoft = config('https://hr.example.com', 'America/Chicago');
    expect(peoplesoft.entities.employees!.timestamp.queryFormat).toBe('local');
    const url = sourceOf(peoplesoft).operationUrl('employees', { since: new Date('2026-01-31T06:00:00.000Z'), until: new Date('2026-02-01T06:00:00.000Z') });
    expect(url.searchParams.get('updated_since')).toBe('2026-01-31T00:00:00');
    expect(url.searchParams.get('updated_before')).toBe('2026-02-01T00:00:00');
  });

  it.each([
    ['iso', '2025-07-01T14:00:00.000Z'],
    ['local', '2025-07-01T09:00:00'],
    ['peoplesoft', '2025-07-01-09.00.00.000000'],
  ] as const)('reads every changed row from an operation that accepts only the %s form', async (format, expectedSince) => {
    const clock = { at: new Date('2025-07-01T14:30:00.000Z') };
    const sim = await simulator({ employees: 20, timeZone: 'America/Chicago', queryFormat: format, now: () => clock.at });
    const hired = [sim.hire().EMPLID, sim.hire().EMPLID];
    clock.at = new Date('2025-07-01T14:45:10.250Z');
    sim.terminate(hired[0]!);
    const read = await idsRead(sourceOf(config(sim.url, 'America/Chicago', format)), '2025-07-01T14:00:00.000Z', '2025-07-01T15:00:00.000Z');
    expect(read.sort()).toEqual([...hired].sort());
    expect(sinceParameters(sim)[0]).toBe(expectedSince);
  });

  it.each([
    ['iso', 'local'],
    ['local', 'peoplesoft'],
    ['peoplesoft', 'iso'],
  ] as const)('fails a read in the %s form against an operation that takes only %s, naming the field to change', async (configured, accepted) => {
    const sim = await simulator({ employees: 5, queryFormat: accepted });
    const error = await idsRead(sourceOf(config(sim.url, 'UTC', configured)), '2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z').then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(ExternalSystemError);
    expect((error as ExternalSystemError).kind).toBe(ErrorKind.Misconfigured);
    expect((error as ExternalSystemError).message).toContain('peoplesoft.entities.employees.timestamp.queryFormat');
    // Not retried: the same text would be refused again.
    expect(sinceParameters(sim)).toHaveLength(1);
  });

  it.each([
    ['local', 'peoplesoft'],
    ['iso', 'local'],
  ] as const)('ping runs a real date-range query: an operation refusing %s fails it and the message names %s', async (configured, accepted) => {
    const sim = await simulator({ employees: 5, queryFormat: accepted });
    const checks = await sourceOf(config(sim.url, 'UTC', configured)).ping();
    const operation = checks.find((check) => check.name.startsWith('operation employees'))!;
    expect(operation.ok).toBe(false);
    expect(operation.detail).toContain(`set peoplesoft.entities.employees.timestamp.queryFormat to ${accepted}`);
    expect(checks.find((check) => check.name === 'credentials')?.ok).toBe(true);
  });

  it('ping passes with the form the operation takes, having asked a real range in it', async () => {
    const sim = await simulator({ employees: 5, queryFormat: 'peoplesoft' });
    const checks = await sourceOf(config(sim.url, 'UTC', 'peoplesoft'), () => new Date('2025-03-01T10:00:00Z')).ping();
    expect(checks.every((check) => check.ok)).toBe(true);
    const query = sim.requests.find((request) => request.path.includes('ML_EMPLOYEES_GET'))!.query;
    expect([query.updated_since, query.updated_before]).toEqual(['2025-03-01-09.00.00.000000', '2025-03-01-10.00.00.000000']);
  });
});

describe('the hour the autumn clock change repeats', () => {
  // America/Chicago, 2026-11-01: 01:00-02:00 happens at 06:00-07:00Z (CDT) and again at 07:00-08:00Z (CST).
  const ZONE = 'America/Chicago';

  it.each(['local', 'peoplesoft'] as const)(
    'loses no row committed in either pass when consecutive %s windows end inside it',
    async (format) => {
      const clock = { at: new Date('2026-11-01T05:50:00.000Z') };
      const sim = await simulator({ employees: 10, timeZone: ZONE, queryFormat: format, timestampFormat: 'peoplesoft', now: () => clock.at });
      const commit = (iso: string): string => {
        clock.at = new Date(iso);
        return sim.hire().EMPLID;
      };
      const firstPass = commit('2026-11-01T06:50:00.000Z'); // 01:50 CDT
      const secondPass = commit('2026-11-01T07:10:00.000Z'); // 01:10 CST: a smaller wall time than the row before
      const afterwards = commit('2026-11-01T08:05:00.000Z'); // 02:05 CST
      const source = sourceOf(config(sim.url, ZONE, format, 'peoplesoft'));
      // The windows a poller running every 25 minutes reads (each boundary a UTC instant).
      const boundaries = ['2026-11-01T05:45:00Z', '2026-11-01T06:45:00Z', '2026-11-01T07:00:30Z', '2026-11-01T07:25:00Z', '2026-11-01T08:30:00Z'];
      const read = new Set<string>();
      for (let index = 1; index < boundaries.length; index += 1) {
        for (const id of await idsRead(source, boundaries[index - 1]!, boundaries[index]!)) read.add(id);
      }
      expect([...read].sort()).toEqual([firstPass, secondPass, afterwards].sort());
      // A window with an end inside either pass asked for the whole repeated hour.
      const sinces = sinceParameters(sim);
      expect(sinces.some((since) => since.startsWith('2026-11-01T01:00:00') || since.startsWith('2026-11-01-01.00.00'))).toBe(true);
    },
  );

  it('reads a window that ends early in the second pass, although its wall-clock end is before its start', async () => {
    const clock = { at: new Date('2026-11-01T06:55:00.000Z') };
    const sim = await simulator({ employees: 10, timeZone: ZONE, queryFormat: 'local', timestampFormat: 'peoplesoft', now: () => clock.at });
    const late = sim.hire().EMPLID; // 01:55 CDT
    clock.at = new Date('2026-11-01T07:05:00.000Z');
    const early = sim.hire().EMPLID; // 01:05 CST
    // 01:50 CDT .. 01:15 CST: as plain wall times an empty, inverted range.
    const read = await idsRead(sourceOf(config(sim.url, ZONE, 'local', 'peoplesoft')), '2026-11-01T06:50:00Z', '2026-11-01T07:15:00Z');
    expect(read.sort()).toEqual([late, early].sort());
  });
});
