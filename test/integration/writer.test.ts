import { afterEach, describe, expect, it } from 'vitest';
import { StateStore, type RecordState } from '../../shared/state';
import { employee, envelopeOf, messageOf } from '../support/factories';
import { startWriterHarness, type WriterHarness } from '../support/writerHarness';

let harness: WriterHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const writes = (h: WriterHarness, path: string): number =>
  h.marketo.calls((entry) => entry.method === 'POST' && entry.path === path);

describe('writer', () => {
  it('writes a full batch with one call per target object and records state and audit', async () => {
    harness = await startWriterHarness();
    const records = Array.from({ length: 300 }, () => employee());
    const result = await harness.write(records.map((record) => messageOf(envelopeOf(harness!.flow, record))));

    expect(result.failedMessageIds).toEqual([]);
    expect(writes(harness, '/rest/v1/leads.json')).toBe(1);
    expect(writes(harness, '/rest/v1/salespersons.json')).toBe(1);
    expect(harness.marketo.leads()).toHaveLength(300);
    expect(harness.marketo.lead(String(records[7]!.EMAIL_ADDR))?.fields.title).toBe('Analyst');
    const trail = await harness.store.auditTrail(String(records[7]!.EMPLID));
    expect(trail.map((row) => [row.event, row.object ?? ''])).toEqual([
      ['received', ''],
      ['written', 'salespersons'],
      ['written', 'leads'],
    ]);
    expect(trail[2]!.outcome).toBe('created');
  });

  it('skips records whose mapped payload is unchanged, with no API call', async () => {
    harness = await startWriterHarness();
    const records = Array.from({ length: 20 }, () => employee());
    await harness.write(records.map((record) => messageOf(envelopeOf(harness!.flow, record))));
    const callsBefore = harness.marketo.calls();

    const again = await harness.write(records.map((record) => messageOf(envelopeOf(harness!.flow, { ...record, LASTUPDDTTM: '2026-02-01T00:00:00Z' }))));

    expect(again.failedMessageIds).toEqual([]);
    expect(harness.marketo.calls()).toBe(callsBefore);
    expect(again.counters.skippedUnchanged).toBe(40);
    const trail = await harness.store.auditTrail(String(records[0]!.EMPLID));
    expect(trail.filter((row) => row.event === 'skipped-unchanged')).toHaveLength(2);
  });

  it('dead-letters a record Marketo rejects at once, with the reason, while its batch-mates land', async () => {
    harness = await startWriterHarness();
    const good = Array.from({ length: 5 }, () => employee());
    const bad = employee({ JOBTITLE: 'x'.repeat(300) });
    const messages = [...good, bad].map((record) => messageOf(envelopeOf(harness!.flow, record)));

    const result = await harness.write(messages);

    expect(result.failedMessageIds).toEqual([]); // not handed back to SQS: no receives burnt
    expect(harness.marketo.leads()).toHaveLength(5);
    const dead = await harness.aws.inspect(harness.aws.flowQueues(harness.flow.name).deadLetterQueueName);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.attributes.sourceId).toBe(bad.EMPLID);
    expect(dead[0]!.attributes.reason).toMatch(/leads .*1001/);
    const trail = await harness.store.auditTrail(String(bad.EMPLID));
    expect(trail.at(-1)).toMatchObject({ event: 'dead-lettered' });
    expect(trail.at(-1)!.reason).toContain('title');
  });

  it('deletes the sales person of a terminated employee and keeps the lead', async () => {
    harness = await startWriterHarness();
    const person = employee();
    await harness.write([messageOf(envelopeOf(harness.flow, person))]);
    expect(harness.marketo.salesPersons()).toHaveLength(1);

    await harness.write([messageOf(envelopeOf(harness.flow, { ...person, EMPL_STATUS: 'T', ACTION: 'TER' }))]);

    expect(harness.marketo.salesPersons()).toHaveLength(0);
    expect(harness.marketo.lead(String(person.EMAIL_ADDR))).toBeDefined();
    const trail = await harness.store.auditTrail(String(person.EMPLID));
    expect(trail.some((row) => row.event === 'written' && row.object === 'salespersons' && row.outcome === 'deleted')).toBe(true);
  });

  it('hands transient failures back to SQS and audits the last receive as dead-lettered', async () => {
    harness = await startWriterHarness();
    harness.marketo.faults.enqueue('http502', 20);
    const record = employee();
    const first = await harness.write([messageOf(envelopeOf(harness.flow, record), 1)]);
    expect(first.failedMessageIds).toHaveLength(1);
    const last = await harness.write([messageOf(envelopeOf(harness.flow, record), harness.flow.maxReceiveCount)]);
    expect(last.failedMessageIds).toHaveLength(1);
    const events = (await harness.store.auditTrail(String(record.EMPLID))).map((row) => row.event);
    expect(events).toContain('retrying');
    expect(events.at(-1)).toBe('dead-lettered');
  });

  it('parks the batch when the daily quota is used up: no more calls, one alert, messages delayed', async () => {
    harness = await startWriterHarness({ dailyQuota: 1 });
    harness.marketo.setQuotaUsed(1);
    const first = await harness.write(Array.from({ length: 3 }, () => messageOf(envelopeOf(harness!.flow, employee()))));
    const second = await harness.write(Array.from({ length: 3 }, () => messageOf(envelopeOf(harness!.flow, employee()))));

    expect(first.failedMessageIds).toEqual([]);
    expect(second.failedMessageIds).toEqual([]);
    expect(harness.marketo.calls((entry) => entry.code === '607')).toBe(1); // the second batch made no call
    expect(harness.alerts.raised).toHaveLength(1);
    expect(harness.alerts.raised[0]!.subject).toContain('quota');
    const queued = await harness.aws.inspect(harness.aws.flowQueues(harness.flow.name).queueName);
    expect(queued).toHaveLength(6);
    expect(harness.marketo.leads()).toHaveLength(0);
  });

  it('waits and retries on rate limits instead of failing records', async () => {
    let offset = 0;
    const clock = { now: () => new Date(Date.now() + offset), sleep: async (ms: number) => void (offset += ms) };
    harness = await startWriterHarness({ rateLimit: { enabled: true, maxCalls: 1, windowMs: 20_000 } }, clock);
    harness.marketo.faults.clear();
    // Another API user of the same instance used the window up.
    const h = harness;
    const first = await h.write([messageOf(envelopeOf(h.flow, employee()))]);
    expect(first.failedMessageIds).toEqual([]);
    expect(h.marketo.calls((entry) => entry.code === '606')).toBeGreaterThan(0);
    expect(h.marketo.leads()).toHaveLength(1);
    expect(h.marketo.salesPersons()).toHaveLength(1);
  });

  it('settles a write interrupted before its result was recorded without writing to Marketo again', async () => {
    harness = await startWriterHarness();
    const records = Array.from({ length: 10 }, () => employee());
    const messages = records.map((record) => messageOf(envelopeOf(harness!.flow, record)));
    // A store that fails when the writer records the results, i.e. after the Marketo write.
    const crashing = new (class extends StateStore {
      public override async putRecordStates(states: readonly RecordState[]): Promise<void> {
        if (states.some((state) => state.hash !== undefined && state.pendingHash === undefined)) throw new Error('writer killed');
        return super.putRecordStates(states);
      }
    })({ client: harness.aws.dynamo, tableName: harness.aws.tableName(harness.config), auditRetentionDays: 30 });

    await expect(harness.write(messages, crashing)).rejects.toThrow('writer killed');
    expect(harness.marketo.leads()).toHaveLength(10);
    const writesBefore = writes(harness, '/rest/v1/leads.json') + writes(harness, '/rest/v1/salespersons.json');

    const redelivered = await harness.write(records.map((record) => messageOf(envelopeOf(harness!.flow, record), 2)));

    expect(redelivered.failedMessageIds).toEqual([]);
    expect(writes(harness, '/rest/v1/leads.json') + writes(harness, '/rest/v1/salespersons.json')).toBe(writesBefore);
    expect(harness.marketo.leads()).toHaveLength(10);
    const trail = await harness.store.auditTrail(String(records[0]!.EMPLID));
    expect(trail.filter((row) => row.event === 'settled')).toHaveLength(2);
    // Once settled, the record is unchanged: the next delivery costs nothing either.
    const calls = harness.marketo.calls();
    await harness.write([messageOf(envelopeOf(harness.flow, records[0]!))]);
    expect(harness.marketo.calls()).toBe(calls);
  });

  it('dead-letters a message that is not a record envelope without touching Marketo', async () => {
    harness = await startWriterHarness();
    const result = await harness.write([{ messageId: 'junk', body: '{"hello":1}', receiveCount: 1, receiptHandle: 'junk-handle' }]);
    expect(result.failedMessageIds).toEqual([]);
    const dead = await harness.aws.inspect(harness.aws.flowQueues(harness.flow.name).deadLetterQueueName);
    expect(dead[0]!.attributes.reason).toContain('not a record envelope');
    expect(dead[0]!.body).toBe('{"hello":1}'); // kept as received, for whoever investigates
    expect(harness.marketo.calls()).toBe(0);
  });
});
