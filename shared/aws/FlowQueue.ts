import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ErrorKind, ExternalSystemError } from '../errors';
import type { RecordEnvelope } from '../envelope';

const SEND_BATCH_MAX = 10;
/** SQS caps one SendMessageBatch at 1 MiB in total; keep a margin for attributes. */
const SEND_BATCH_BYTES = 900 * 1024;
const MAX_SEND_ROUNDS = 6;
/** SQS refuses a visibility timeout above 12 hours. */
const MAX_VISIBILITY_SECONDS = 43_200;

/** A record envelope to queue, or (for the dead-letter queue) a body that was not one, kept as received. */
export type OutgoingMessage = ({ readonly envelope: RecordEnvelope } | { readonly body: string }) & {
  readonly delaySeconds?: number;
  readonly attributes?: Readonly<Record<string, string>>;
};

function bodyOf(message: OutgoingMessage): string {
  return 'envelope' in message ? JSON.stringify(message.envelope) : message.body;
}

export interface DeadLetter {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface FlowQueueOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * A flow's queue and dead-letter queue. Sends in batches of ten, retrying the entries SQS did
 * not accept, and throws if any entry still failed: a caller never believes a record is queued
 * when it is not.
 */
export class FlowQueue {
  private readonly sleep: (ms: number) => Promise<void>;

  public constructor(private readonly options: FlowQueueOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  public get queueUrl(): string {
    return this.options.queueUrl;
  }

  public get deadLetterQueueUrl(): string {
    return this.options.deadLetterQueueUrl;
  }

  /** Puts messages on the flow queue; returns the number of SendMessageBatch calls made. */
  public async send(messages: readonly OutgoingMessage[]): Promise<number> {
    return this.sendTo(this.options.queueUrl, messages);
  }

  /** Puts messages on the dead-letter queue with their failure reason as attributes. */
  public async deadLetter(messages: readonly OutgoingMessage[]): Promise<number> {
    return this.sendTo(this.options.deadLetterQueueUrl, messages);
  }

  public async depth(which: 'queue' | 'dead-letter'): Promise<{ visible: number; inFlight: number; delayed: number }> {
    const url = which === 'queue' ? this.options.queueUrl : this.options.deadLetterQueueUrl;
    const result = await this.call('GetQueueAttributes', () =>
      this.options.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
        }),
      ),
    );
    return {
      visible: Number(result.Attributes?.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(result.Attributes?.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  }

  /** Receives up to ten dead letters, hidden for `visibilitySeconds` while the caller decides. */
  public async receiveDeadLetters(visibilitySeconds: number): Promise<DeadLetter[]> {
    const result = await this.call('ReceiveMessage', () =>
      this.options.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.options.deadLetterQueueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: visibilitySeconds,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
        }),
      ),
    );
    return (result.Messages ?? []).map((message: Message) => ({
      messageId: message.MessageId!,
      receiptHandle: message.ReceiptHandle!,
      body: message.Body ?? '',
      attributes: Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue ?? '']),
      ),
    }));
  }

  public async deleteDeadLetters(receiptHandles: readonly string[]): Promise<void> {
    await this.deleteFrom(this.options.deadLetterQueueUrl, receiptHandles);
  }

  /** Makes received dead letters visible again at once (they were not selected). */
  public async releaseDeadLetters(receiptHandles: readonly string[]): Promise<void> {
    for (let i = 0; i < receiptHandles.length; i += SEND_BATCH_MAX) {
      const chunk = receiptHandles.slice(i, i + SEND_BATCH_MAX);
      await this.call('ChangeMessageVisibilityBatch', () =>
        this.options.client.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.options.deadLetterQueueUrl,
            Entries: chunk.map((handle, index) => ({ Id: String(index), ReceiptHandle: handle, VisibilityTimeout: 0 })),
          }),
        ),
      );
    }
  }

  /**
   * Keeps received flow-queue messages out of sight for `seconds` each (ChangeMessageVisibility),
   * e.g. while their target is parked. Returns the receipt handles SQS would not change (gone,
   * expired or invalid), for the caller to handle another way.
   */
  public async hold(entries: ReadonlyArray<{ readonly receiptHandle: string; readonly seconds: number }>): Promise<string[]> {
    const refused: string[] = [];
    for (let i = 0; i < entries.length; i += SEND_BATCH_MAX) {
      const chunk = entries.slice(i, i + SEND_BATCH_MAX);
      const result = await this.call('ChangeMessageVisibilityBatch', () =>
        this.options.client.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.options.queueUrl,
            Entries: chunk.map((entry, index) => ({
              Id: String(index),
              ReceiptHandle: entry.receiptHandle,
              VisibilityTimeout: Math.max(0, Math.min(MAX_VISIBILITY_SECONDS, Math.round(entry.seconds))),
            })),
          }),
        ),
      );
      for (const failure of result.Failed ?? []) {
        const entry = chunk[Number(failure.Id)];
        if (entry) refused.push(entry.receiptHandle);
      }
    }
    return refused;
  }

  private async deleteFrom(queueUrl: string, receiptHandles: readonly string[]): Promise<void> {
    for (let i = 0; i < receiptHandles.length; i += SEND_BATCH_MAX) {
      const chunk = receiptHandles.slice(i, i + SEND_BATCH_MAX);
      const result = await this.call('DeleteMessageBatch', () =>
        this.options.client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((handle, index) => ({ Id: String(index), ReceiptHandle: handle })),
          }),
        ),
      );
      if (result.Failed && result.Failed.length > 0) {
        throw new ExternalSystemError(`${result.Failed.length} deletes failed: ${result.Failed[0]!.Message ?? result.Failed[0]!.Code}`, {
          system: 'sqs',
          operation: `DeleteMessageBatch ${queueName(queueUrl)}`,
          kind: ErrorKind.Retryable,
        });
      }
    }
  }

  private async sendTo(queueUrl: string, messages: readonly OutgoingMessage[]): Promise<number> {
    let calls = 0;
    for (const chunk of chunks(messages)) {
      let pending = chunk.map(({ message, body }, index) => ({ id: String(index), message, body }));
      for (let round = 0; pending.length > 0; round += 1) {
        if (round > 0) await this.sleep(Math.min(2000, 100 * 2 ** round));
        const entries = pending;
        calls += 1;
        const result = await this.call('SendMessageBatch', () =>
          this.options.client.send(
            new SendMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: entries.map(({ id, message, body }) => ({
                Id: id,
                MessageBody: body,
                ...(message.delaySeconds ? { DelaySeconds: message.delaySeconds } : {}),
                ...(message.attributes ? { MessageAttributes: toAttributes(message.attributes) } : {}),
              })),
            }),
          ),
        );
        const failed = new Map((result.Failed ?? []).map((failure) => [failure.Id, failure]));
        const permanent = (result.Failed ?? []).filter((failure) => failure.SenderFault);
        if (permanent.length > 0) {
          const first = permanent[0]!;
          const refused = entries.find((entry) => entry.id === first.Id)?.message;
          const record = refused && 'envelope' in refused ? refused.envelope.dedupeKey : first.Id;
          throw new ExternalSystemError(`SQS refused record ${record}: ${first.Code} ${first.Message ?? ''}`, {
            system: 'sqs',
            operation: `SendMessageBatch ${queueName(queueUrl)}`,
            kind: ErrorKind.Permanent,
            code: first.Code,
          });
        }
        pending = entries.filter((entry) => failed.has(entry.id));
        if (pending.length > 0 && round + 1 >= MAX_SEND_ROUNDS) {
          throw new ExternalSystemError(`${pending.length} entries still failing after ${MAX_SEND_ROUNDS} attempts`, {
            system: 'sqs',
            operation: `SendMessageBatch ${queueName(queueUrl)}`,
            kind: ErrorKind.Retryable,
          });
        }
      }
    }
    return calls;
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (error instanceof ExternalSystemError) throw error;
      throw new ExternalSystemError(`${(error as Error).name}: ${(error as Error).message}`, {
        system: 'sqs',
        operation,
        kind: ErrorKind.Retryable,
        cause: error,
      });
    }
  }
}

/** Serializes each message once and groups them into SendMessageBatch calls (count and size). */
function* chunks(messages: readonly OutgoingMessage[]): Generator<Array<{ message: OutgoingMessage; body: string }>> {
  let chunk: Array<{ message: OutgoingMessage; body: string }> = [];
  let bytes = 0;
  for (const message of messages) {
    const body = bodyOf(message);
    const size = Buffer.byteLength(body) + 512;
    if (chunk.length > 0 && (chunk.length === SEND_BATCH_MAX || bytes + size > SEND_BATCH_BYTES)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push({ message, body });
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

function toAttributes(attributes: Readonly<Record<string, string>>): Record<string, MessageAttributeValue> {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value.slice(0, 4000) || '-' }]),
  );
}

function queueName(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}
