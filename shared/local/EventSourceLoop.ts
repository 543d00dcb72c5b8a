import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { WriterMessage } from '../pipeline';

export interface EventSourceLoopOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** Most messages per handler invocation (Lambda's BatchSize). */
  readonly batchSize: number;
  /** How long to gather a batch before invoking with fewer messages (MaximumBatchingWindowInSeconds). */
  readonly batchingWindowMs: number;
  /** Visibility timeout applied to received messages (the queue's, as on AWS). */
  readonly visibilityTimeoutSeconds: number;
  /**
   * Locally, a failed message becomes visible again after this many seconds instead of the full
   * visibility timeout, so a demo does not stall for minutes. Receive counts and the redrive to
   * the dead-letter queue after maxReceiveCount behave as on AWS.
   */
  readonly retryDelaySeconds: number;
  /** Concurrent handler invocations (the event source mapping's maximum concurrency). */
  readonly concurrency: number;
  /** The handler: returns the ids of messages that failed (ReportBatchItemFailures). */
  readonly handler: (messages: WriterMessage[]) => Promise<string[]>;
  readonly onError?: (error: unknown) => void;
}

/**
 * Feeds SQS batches to a writer the way Lambda's event source mapping does: batch size and
 * batching window, partial batch failures (successes deleted, failures left for redelivery),
 * a handler that throws fails the whole batch, and SQS's own redrive moves a message to the
 * dead-letter queue after maxReceiveCount receives.
 */
export class EventSourceLoop {
  private running = false;
  private workers: Promise<void>[] = [];
  private busy = 0;
  private producing = true;
  /** Batches are gathered one at a time, as Lambda's pollers fill a batch before invoking. */
  private gathering: Promise<unknown> = Promise.resolve();

  public constructor(private readonly options: EventSourceLoopOptions) {}

  public start(): void {
    if (this.running) return;
    this.running = true;
    this.workers = Array.from({ length: this.options.concurrency }, () => this.work());
  }

  /**
   * Says nothing more will be enqueued for now, so a partial batch need not wait out the
   * batching window (no message could join it). Batch contents stay as on AWS.
   */
  public producerDone(): void {
    this.producing = false;
  }

  public async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  /**
   * Waits until the queue holds nothing visible or in flight and no invocation is running.
   * Delayed messages (parked until a quota resets) do not count.
   */
  public async drain(pollMs = 100): Promise<void> {
    for (let quietChecks = 0; quietChecks < 2; ) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      const depth = await this.depth();
      quietChecks = depth.visible === 0 && depth.inFlight === 0 && this.busy === 0 ? quietChecks + 1 : 0;
    }
  }

  public async depth(): Promise<{ visible: number; inFlight: number; delayed: number }> {
    const result = await this.options.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.options.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    return {
      visible: Number(result.Attributes?.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(result.Attributes?.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  }

  private async work(): Promise<void> {
    while (this.running) {
      let batch: Message[];
      try {
        const gathered = this.gathering.then(() => this.gather());
        this.gathering = gathered.catch(() => undefined);
        batch = await gathered;
      } catch (error) {
        this.options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      if (batch.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      this.busy += 1;
      try {
        await this.invoke(batch);
      } catch (error) {
        this.options.onError?.(error);
      } finally {
        this.busy -= 1;
      }
    }
  }

  private async gather(): Promise<Message[]> {
    const batch: Message[] = [];
    // As on AWS, the batching window opens with the first message of the batch.
    let deadline = Number.POSITIVE_INFINITY;
    while (this.running && batch.length < this.options.batchSize) {
      const result = await this.options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.options.queueUrl,
          MaxNumberOfMessages: Math.min(10, this.options.batchSize - batch.length),
          VisibilityTimeout: this.options.visibilityTimeoutSeconds,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      const messages = result.Messages ?? [];
      if (messages.length > 0 && batch.length === 0) deadline = Date.now() + this.options.batchingWindowMs;
      batch.push(...messages);
      if (messages.length === 0) {
        if (batch.length === 0 || !this.producing || Date.now() >= deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      } else if (Date.now() >= deadline) {
        break;
      }
    }
    return batch;
  }

  private async invoke(batch: Message[]): Promise<void> {
    const messages: WriterMessage[] = batch.map((message) => ({
      messageId: message.MessageId!,
      body: message.Body ?? '',
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
    }));
    let failed: Set<string>;
    try {
      failed = new Set(await this.options.handler(messages));
    } catch (error) {
      this.options.onError?.(error);
      failed = new Set(messages.map((message) => message.messageId));
    }
    const succeeded = batch.filter((message) => !failed.has(message.MessageId!));
    const retry = batch.filter((message) => failed.has(message.MessageId!));
    for (let i = 0; i < succeeded.length; i += 10) {
      await this.options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: succeeded.slice(i, i + 10).map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
        }),
      );
    }
    for (let i = 0; i < retry.length; i += 10) {
      await this.options.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: retry.slice(i, i + 10).map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle!,
            VisibilityTimeout: this.options.retryDelaySeconds,
          })),
        }),
      );
    }
  }
}
