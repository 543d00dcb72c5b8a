import { ChangeMessageVisibilityCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalAws, EventSourceLoop } from '../../shared/local';
import type { WriterMessage } from '../../shared/pipeline';
import { demoConfig, employeesFlow } from '../support/factories';

let aws: LocalAws | undefined;
afterEach(async () => {
  await aws?.stop();
  aws = undefined;
});

async function queueWith(count: number): Promise<{ aws: LocalAws; queueUrl: string; dlqName: string }> {
  const config = demoConfig((yaml) => yaml.replace('source: employees', 'source: employees\n    maxReceiveCount: 3'));
  aws = await LocalAws.start({});
  await aws.provision(config);
  const queues = aws.flowQueues(employeesFlow(config).name);
  for (let i = 0; i < count; i += 10) {
    await aws.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queues.queueUrl,
        Entries: Array.from({ length: Math.min(10, count - i) }, (_, j) => ({ Id: String(j), MessageBody: `m${i + j}` })),
      }),
    );
  }
  return { aws, queueUrl: queues.queueUrl, dlqName: queues.deadLetterQueueName };
}

function loop(
  queueUrl: string,
  handler: (messages: WriterMessage[]) => Promise<string[] | { failedMessageIds: string[]; heldMessageIds: string[] }>,
  batchSize = 300,
): EventSourceLoop {
  return new EventSourceLoop({
    sqs: aws!.sqs,
    queueUrl,
    batchSize,
    batchingWindowMs: 2000,
    visibilityTimeoutSeconds: 720,
    retryDelaySeconds: 0,
    concurrency: 2,
    handler,
  });
}

describe('local event-source loop (Lambda SQS semantics)', () => {
  it('delivers full batches of the configured size', async () => {
    const { queueUrl } = await queueWith(650);
    const sizes: number[] = [];
    const esl = loop(queueUrl, async (messages) => {
      sizes.push(messages.length);
      return [];
    });
    esl.start();
    esl.producerDone();
    await esl.drain();
    await esl.stop();
    expect(sizes.sort((a, b) => b - a)).toEqual([300, 300, 50]);
  });

  it('deletes the successes of a partial batch failure and redelivers only the failures', async () => {
    const { queueUrl } = await queueWith(20);
    const seen = new Map<string, number[]>();
    const esl = loop(queueUrl, async (messages) => {
      for (const message of messages) seen.set(message.body, [...(seen.get(message.body) ?? []), message.receiveCount]);
      return messages.filter((message) => message.body === 'm7' && message.receiveCount < 2).map((message) => message.messageId);
    });
    esl.start();
    esl.producerDone();
    await esl.drain();
    await esl.stop();
    expect(seen.get('m7')).toEqual([1, 2]);
    expect([...seen.entries()].filter(([body]) => body !== 'm7').every(([, receives]) => receives.length === 1)).toBe(true);
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives', async () => {
    const { queueUrl, dlqName } = await queueWith(3);
    const receives: number[] = [];
    const esl = loop(queueUrl, async (messages) => {
      for (const message of messages) if (message.body === 'm1') receives.push(message.receiveCount);
      return messages.filter((message) => message.body === 'm1').map((message) => message.messageId);
    });
    esl.start();
    esl.producerDone();
    await esl.drain();
    await esl.stop();
    expect(receives).toEqual([1, 2, 3]);
    expect((await aws!.inspect(dlqName)).map((message) => message.body)).toEqual(['m1']);
  });

  it('leaves a message the handler held out of sight, as Lambda does, and does not wait for it to drain', async () => {
    const { queueUrl, dlqName } = await queueWith(3);
    const receives: number[] = [];
    const esl = loop(queueUrl, async (messages) => {
      const parked = messages.filter((message) => message.body === 'm1');
      for (const message of parked) {
        receives.push(message.receiveCount);
        // What the writer does while a target is parked: hide the message until the park ends.
        await aws!.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.receiptHandle, VisibilityTimeout: 3600 }));
      }
      const ids = parked.map((message) => message.messageId);
      return { failedMessageIds: ids, heldMessageIds: ids };
    });
    esl.start();
    esl.producerDone();
    await esl.drain();
    expect(esl.heldCount()).toBe(1);
    await esl.stop();
    expect(receives).toEqual([1]); // with retryDelaySeconds 0 an ordinary failure is back at once
    expect((await aws!.inspect(queueUrl.slice(queueUrl.lastIndexOf('/') + 1))).map((message) => message.body)).toEqual(['m1']);
    expect(await aws!.inspect(dlqName)).toEqual([]);
  });

  it('fails the whole batch when the handler throws', async () => {
    const { queueUrl } = await queueWith(5);
    let calls = 0;
    const esl = loop(queueUrl, async (messages) => {
      calls += 1;
      if (calls === 1) throw new Error('cold start failed');
      return [];
    });
    esl.start();
    esl.producerDone();
    await esl.drain();
    await esl.stop();
    expect(calls).toBe(2);
  });
});
