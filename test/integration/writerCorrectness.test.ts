import { afterEach, describe, expect, it } from 'vitest';
import { LocalSession } from '../../shared/local';
import { writeBatch } from '../../shared/pipeline';
import { startMarketoSimulator } from '../../simulators/marketo';
import { startPeopleSoftSimulator } from '../../simulators/peoplesoft';
import { demoConfig, employee, envelopeOf, messageOf } from '../support/factories';
import { startWriterHarness, type WriterHarness } from '../support/writerHarness';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function harness(): Promise<WriterHarness> {
  const h = await startWriterHarness();
  cleanups.push(() => h.close());
  return h;
}

const events = async (h: WriterHarness, sourceId: unknown): Promise<string[][]> =>
  (await h.store.auditTrail(String(sourceId))).map((row) => [row.event, row.object ?? '']);

describe('writer: record versions', () => {
  it('never writes an older version over a newer one: a replayed v1 after v2 is audited as superseded and costs no call', async () => {
    const h = await harness();
    const v1 = employee({ JOBTITLE: 'Analyst', LASTUPDDTTM: '2026-01-05T09:00:00Z' });
    const v2 = { ...v1, JOBTITLE: 'Senior Analyst', LASTUPDDTTM: '2026-03-01T14:30:00Z' };
    await h.write([messageOf(envelopeOf(h.flow, v1))]);
    await h.write([messageOf(envelopeOf(h.flow, v2))]);
    const callsAfterV2 = h.marketo.calls();

    // v1 comes back, as `replay` of an old dead letter or a late redelivery would bring it.
    const replay = await h.write([messageOf(envelopeOf(h.flow, v1, { attempt: 1, runId: 'a-replay' }), 1)]);

    expect(replay.failedMessageIds).toEqual([]);
    expect(h.marketo.calls()).toBe(callsAfterV2);
    expect(h.marketo.lead(String(v1.EMAIL_ADDR))?.fields.title).toBe('Senior Analyst');
    const superseded = (await h.store.auditTrail(String(v1.EMPLID))).filter((row) => row.event === 'superseded');
    expect(superseded.map((row) => row.object)).toEqual(['leads']);
    expect(superseded[0]!.reason).toContain('2026-01-05T09:00:00Z is older than 2026-03-01T14:30:00Z');
    expect((await h.store.getRun(h.flow.name, 'a-replay'))?.superseded).toBe(1);

    // The stored state still describes v2, so reading v2 again is unchanged: no call.
    const again = await h.write([messageOf(envelopeOf(h.flow, v2))]);
    expect(again.counters.skippedUnchanged).toBe(2);
    expect(h.marketo.calls()).toBe(callsAfterV2);
  });

  it('writes an equal version again when its mapped payload changed (a mapping fix, then a replay)', async () => {
    const h = await harness();
    const person = employee({ JOBTITLE: 'Analyst' });
    await h.write([messageOf(envelopeOf(h.flow, person))]);
    const fixed = { ...h.flow, objects: h.flow.objects.map((o) => (o.object === 'leads' ? { ...o, mapping: { ...o.mapping, title: { value: 'Fixed' } } } : o)) };

    const deps = { flow: fixed, connector: h.connector, store: h.store, queue: h.queue, alerts: h.alerts };
    await writeBatch([messageOf(envelopeOf(h.flow, person, { attempt: 1 }))], deps);

    expect(h.marketo.lead(String(person.EMAIL_ADDR))?.fields.title).toBe('Fixed');
  });
});

describe('writer: deactivations of records never synced', () => {
  it('costs no call and creates nothing when a record is first seen terminated, whatever onDeactivate says', async () => {
    const h = await harness();
    // The demo flow deletes the sales person and upserts the lead on a termination.
    expect(h.flow.objects.map((o) => [o.object, o.onDeactivate])).toEqual([
      ['salespersons', 'delete'],
      ['leads', 'upsert'],
    ]);
    const gone = employee({ EMPL_STATUS: 'T', ACTION: 'TER' });
    const active = employee();

    const result = await h.write([messageOf(envelopeOf(h.flow, gone)), messageOf(envelopeOf(h.flow, active))]);

    expect(result.failedMessageIds).toEqual([]);
    expect(h.marketo.calls((entry) => entry.path.endsWith('/delete.json'))).toBe(0);
    expect(h.marketo.lead(String(gone.EMAIL_ADDR))).toBeUndefined();
    expect(h.marketo.salesPersons().map((p) => p.fields.email)).toEqual([String(active.EMAIL_ADDR)]);
    expect(await events(h, gone.EMPLID)).toEqual([
      ['received', ''],
      ['inactive-never-synced', 'salespersons'],
      ['inactive-never-synced', 'leads'],
    ]);
    expect(result.counters.inactiveNeverSynced).toBe(2);
  });

  it('still deletes and upserts as configured when the terminated record was written before', async () => {
    const h = await harness();
    const person = employee({ JOBTITLE: 'Analyst' });
    await h.write([messageOf(envelopeOf(h.flow, person))]);

    await h.write([messageOf(envelopeOf(h.flow, { ...person, EMPL_STATUS: 'T', ACTION: 'TER', JOBTITLE: 'Former analyst', LASTUPDDTTM: '2026-02-01T00:00:00Z' }))]);

    expect(h.marketo.salesPersons()).toHaveLength(0);
    expect(h.marketo.lead(String(person.EMAIL_ADDR))?.fields.title).toBe('Former analyst');
  });

  it('on a first sync, already-terminated employees cost no delete call and become no lead, and the dry run says so first', async () => {
    const peoplesoft = await startPeopleSoftSimulator({ employees: 300 });
    const marketo = await startMarketoSimulator({});
    cleanups.push(() => peoplesoft.stop(), () => marketo.stop());
    const session = await LocalSession.open({ config: demoConfig(), stateDir: null, simulators: { peoplesoft, targets: { marketo } } });
    cleanups.push(() => session.close());
    const ids = peoplesoft.employeeIds(300);
    const terminated = ids.filter((id) => peoplesoft.employee(id)!.EMPL_STATUS === 'T');
    expect(terminated.length).toBeGreaterThan(0);
    const active = ids.length - terminated.length;

    const plan = await session.plan('employees-to-marketo');
    expect(plan.objects.salespersons).toMatchObject({ creates: active, deletes: 0, inactiveNeverSynced: terminated.length });
    expect(plan.objects.leads).toMatchObject({ creates: active, updates: 0, inactiveNeverSynced: terminated.length });

    const summary = await session.sync('employees-to-marketo');

    expect(summary.inactiveNeverSynced).toBe(2 * terminated.length);
    expect(marketo.calls((entry) => entry.path.endsWith('/delete.json'))).toBe(0);
    expect(marketo.leads()).toHaveLength(active);
    expect(marketo.lead(peoplesoft.employee(terminated[0]!)!.EMAIL_ADDR)).toBeUndefined();
    const trail = await session.store.auditTrail(terminated[0]!);
    expect(trail.filter((row) => row.event === 'inactive-never-synced').map((row) => row.object)).toEqual(['salespersons', 'leads']);
  });
});

describe('writer: cleared fields', () => {
  it('clears a field in the target when it is cleared in the source', async () => {
    const h = await harness();
    const person = employee({ JOBTITLE: 'Analyst' });
    await h.write([messageOf(envelopeOf(h.flow, person))]);
    expect(h.marketo.lead(String(person.EMAIL_ADDR))?.fields.title).toBe('Analyst');

    const cleared = await h.write([messageOf(envelopeOf(h.flow, { ...person, JOBTITLE: null, LASTUPDDTTM: '2026-02-01T00:00:00Z' }))]);

    expect(cleared.counters.updated).toBe(1); // the lead; the sales person has no title
    expect(h.marketo.lead(String(person.EMAIL_ADDR))?.fields.title ?? null).toBeNull();
    expect(h.marketo.lead(String(person.EMAIL_ADDR))?.fields.lastName).toBe(person.LAST_NAME);
  });

  it('leaves a field alone when the source record does not carry it at all', async () => {
    const h = await harness();
    const person = employee({ JOBTITLE: 'Analyst' });
    await h.write([messageOf(envelopeOf(h.flow, person))]);
    const { JOBTITLE: _omitted, ...sparse } = person;

    await h.write([messageOf(envelopeOf(h.flow, { ...sparse, DEPT_DESCR: 'Treasury', LASTUPDDTTM: '2026-02-01T00:00:00Z' }))]);

    expect(h.marketo.lead(String(person.EMAIL_ADDR))?.fields).toMatchObject({ title: 'Analyst', department: 'Treasury' });
  });
});

describe('writer: skipWhen rules (loop guard)', () => {
  it('writes nothing for a record carrying the other side\'s origin marker, audits why, and writes its neighbours', async () => {
    const h = await harness();
    const flow = { ...h.flow, skipWhen: [{ field: 'ORIGIN', startsWith: 'TARGET:', because: 'created from the target: an echo of our own write' }] };
    const echo = employee({ ORIGIN: 'TARGET:4711' });
    const own = employee({ ORIGIN: '' });
    const deps = { flow, connector: h.connector, store: h.store, queue: h.queue, alerts: h.alerts };

    const result = await writeBatch([messageOf(envelopeOf(flow, echo)), messageOf(envelopeOf(flow, own))], deps);

    expect(result.failedMessageIds).toEqual([]);
    expect(result.counters.skipped).toBe(1);
    expect(h.marketo.lead(String(echo.EMAIL_ADDR))).toBeUndefined();
    expect(h.marketo.lead(String(own.EMAIL_ADDR))).toBeDefined();
    const skipped = (await h.store.auditTrail(String(echo.EMPLID))).find((row) => row.event === 'skipped');
    expect(skipped?.reason).toBe('ORIGIN: created from the target: an echo of our own write');
    expect(await events(h, own.EMPLID)).toContainEqual(['written', 'leads']);
  });
});

describe('writer: a lookup without an entry', () => {
  it('refuses only that record, naming the field and the value, and writes its neighbours', async () => {
    const h = await harness();
    const flow = {
      ...h.flow,
      objects: h.flow.objects.map((o) => (o.object === 'leads' ? { ...o, mapping: { ...o.mapping, title: { from: 'JOBTITLE', lookup: { Analyst: 'AN' } } } } : o)),
    };
    const known = employee({ JOBTITLE: 'Analyst' });
    const unknown = employee({ JOBTITLE: 'Astronaut' });
    const deps = { flow, connector: h.connector, store: h.store, queue: h.queue, alerts: h.alerts };

    const result = await writeBatch([messageOf(envelopeOf(flow, known)), messageOf(envelopeOf(flow, unknown))], deps);

    expect(result.failedMessageIds).toEqual([]);
    expect(h.marketo.lead(String(known.EMAIL_ADDR))?.fields.title).toBe('AN');
    expect(h.marketo.lead(String(unknown.EMAIL_ADDR))).toBeUndefined();
    const dead = (await h.store.auditTrail(String(unknown.EMPLID))).find((row) => row.event === 'dead-lettered');
    expect(dead?.reason).toContain('leads.title: JOBTITLE "Astronaut" has no entry in the lookup');
  });
});
