import { afterEach, describe, expect, it } from 'vitest';
import type { WriterMessage } from '../../shared/pipeline';
import { employee, envelopeOf } from '../support/factories';
import { startWriterHarness, type WriterHarness } from '../support/writerHarness';

let harness: WriterHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const deadLetters = async (h: WriterHarness): Promise<number> =>
  (await h.aws.inspect(h.aws.flowQueues(h.flow.name).deadLetterQueueName)).length;
const onQueue = async (h: WriterHarness): Promise<string[]> =>
  (await h.aws.inspect(h.aws.flowQueues(h.flow.name).queueName)).map((message) => JSON.parse(message.body).source.id as string).sort();
const events = async (h: WriterHarness, sourceId: string): Promise<string[]> =>
  (await h.store.auditTrail(sourceId)).map((row) => row.event);

describe('writer: a parked daily quota', () => {
  it('holds the messages on the queue without churn: one audit row per record, no call, nothing dead-lettered', async () => {
    const h = (harness = await startWriterHarness({ dailyQuota: 1 }));
    h.marketo.setQuotaUsed(1);
    const records = Array.from({ length: 3 }, () => employee());
    const ids = records.map((record) => String(record.EMPLID)).sort();
    await h.enqueue(records.map((record) => envelopeOf(h.flow, record)));

    // Well past maxReceiveCount returns, as the holds run out one after the other before the reset.
    const rounds = h.flow.maxReceiveCount + 3;
    const receiveCounts: number[] = [];
    for (let round = 1; round <= rounds; round += 1) {
      const messages = await h.receive();
      expect(messages.map((message) => JSON.parse(message.body).source.id).sort()).toEqual(ids);
      receiveCounts.push(messages[0]!.receiveCount);

      const result = await h.write(messages);
      await h.acknowledge(messages, result);

      expect(result.counters.deadLettered ?? 0).toBe(0);
      expect(await deadLetters(h)).toBe(0);
      if (result.heldMessageIds.length > 0) {
        // Held, not made visible again: nothing to receive until the hold ends.
        expect(result.heldMessageIds).toHaveLength(3);
        expect(await h.receive()).toEqual([]);
        await h.release(messages);
      }
      // Otherwise they were close to maxReceiveCount: fresh copies are on the queue instead.
    }

    // A message close to maxReceiveCount was swapped for a fresh copy instead of waiting into the DLQ.
    expect(Math.max(...receiveCounts)).toBeLessThan(h.flow.maxReceiveCount);
    expect(receiveCounts).toContain(1);
    expect(receiveCounts.lastIndexOf(1)).toBeGreaterThan(0);
    expect(await onQueue(h)).toEqual(ids);
    expect(h.marketo.calls((entry) => entry.code === '607')).toBe(1);
    expect(h.marketo.calls()).toBe(1);
    expect(h.alerts.raised).toHaveLength(1);
    for (const id of ids) expect(await events(h, id)).toEqual(['received', 'parked']);
    expect((await h.store.getRun(h.flow.name, 'test-run'))?.parked).toBe(3);
  });

  it('keeps a parked message whose hold SQS refuses (an expired receipt) as a delayed copy', async () => {
    const h = (harness = await startWriterHarness({ dailyQuota: 1 }));
    h.marketo.setQuotaUsed(1);
    const record = employee();
    const stale: WriterMessage = { messageId: 'stale', body: JSON.stringify(envelopeOf(h.flow, record)), receiveCount: 1, receiptHandle: 'expired' };

    const result = await h.write([stale]);

    expect(result.failedMessageIds).toEqual([]); // done: the copy now carries the record
    expect(await onQueue(h)).toEqual([String(record.EMPLID)]);
    expect(await deadLetters(h)).toBe(0);
  });
});

describe('writer: refused credentials', () => {
  it('stops the flow: nothing dead-lettered, one alert naming the secret, the records wait and are written once the secret is fixed', async () => {
    const h = (harness = await startWriterHarness());
    const wrong = h.connectorWith({ clientId: 'sim-client', clientSecret: 'not-the-secret' });
    const secretName = h.config.targets.marketo!.secret;
    let offsetMs = 0;
    const now = (): Date => new Date(Date.now() + offsetMs);
    const records = Array.from({ length: 4 }, () => employee());
    const ids = records.map((record) => String(record.EMPLID)).sort();
    await h.enqueue(records.map((record) => envelopeOf(h.flow, record)));

    // 1. The secret is wrong: the records are held, not failed towards the dead-letter queue.
    let messages = await h.receive();
    let result = await h.write(messages, undefined, { connector: wrong, now });
    await h.acknowledge(messages, result);
    expect(result.heldMessageIds).toHaveLength(4);
    expect(result.refusedSecret).toBe(secretName);
    expect(await deadLetters(h)).toBe(0);
    expect(await onQueue(h)).toEqual(ids);
    expect(h.alerts.raised).toHaveLength(1);
    expect(h.alerts.raised[0]!.subject).toContain(`secret ${secretName}`);
    expect(h.alerts.raised[0]!.message).toContain(`secrets set --config <customer config> --system marketo`);
    expect(JSON.stringify(h.alerts.raised)).not.toContain('not-the-secret');
    const identityCalls = h.marketo.tokenRequests;

    // 2. Back before the probe time: held again without asking Marketo, no second alert or audit row.
    await h.release(messages);
    messages = await h.receive();
    result = await h.write(messages, undefined, { connector: wrong, now });
    await h.acknowledge(messages, result);
    expect(result.heldMessageIds).toHaveLength(4);
    expect(h.marketo.tokenRequests).toBe(identityCalls);

    // 3. The probe is due but the secret is still wrong: one batch tries, the park goes on quietly.
    offsetMs += 6 * 60_000;
    await h.release(messages);
    messages = await h.receive();
    result = await h.write(messages, undefined, { connector: wrong, now });
    await h.acknowledge(messages, result);
    expect(h.marketo.tokenRequests).toBeGreaterThan(identityCalls);
    expect(result.heldMessageIds).toHaveLength(4);
    expect(h.alerts.raised).toHaveLength(1);

    // 4. The secret is fixed (the next container reads it again): the next probe writes everything.
    offsetMs += 6 * 60_000;
    await h.release(messages);
    messages = await h.receive();
    result = await h.write(messages, undefined, { now });
    await h.acknowledge(messages, result);
    expect(result.failedMessageIds).toEqual([]);
    expect(result.refusedSecret).toBeUndefined();
    expect(h.marketo.leads()).toHaveLength(4);
    expect(await onQueue(h)).toEqual([]);
    expect(await deadLetters(h)).toBe(0);
    expect(h.alerts.raised.map((alert) => alert.subject)).toEqual([
      `marketo refused the credentials in secret ${secretName}`,
      `marketo accepts the credentials in secret ${secretName} again`,
    ]);
    expect(await h.store.getCredentialsPark('marketo')).toBeUndefined();
    expect(await events(h, ids[0]!)).toEqual(['received', 'parked', 'received', 'written', 'written']);
  });
});
