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
  /**
   * The handler: returns the ids of messages that failed (ReportBatchItemFailures), or those
   * plus the ids of failed messages whose visibility it set itself (held while a target is
   * parked), which keep that visibility as they would on AWS.
   */
  readonly handler: (messages: WriterMessage[]) => Promise<string[] | EventSourceHandlerResult>;
  readonly onError?: (error: unknown) => void;
}

/** What a handler may return instead of the failed ids alone. */
export interface EventSourceHandlerResult {
  readonly failedMessageIds: readonly string[];
  /** Failed messages whose visibility the handler changed: not made visible again early. */
  readonly heldMessageIds?: readonly string[];
}

/**
 * Feeds SQS batches to a writer the way Lambda's event source mapping does: batch size and
 * batching window, partial batch failures (successes deleted, failures left for redelivery),
 * a handler that throws fails the whole batch, and SQS's own redrive moves a message to the
 * dead-letter queue after maxReceiveCount receives. A failed message comes back after
 * `retryDelaySeconds`, except one the handler held (set its visibility itself): like Lambda,
 * the loop leaves that visibility alone.
 */
export class EventSourceLoop {
  private running = false;
  private workers: Promise<void>[] = [];
  private busy = 0;
  private producing = true;
  /** Batches are gathered one at a time, as Lambda's pollers fill a batch before invoking. */
  private gathering: Promise<unknown> = Promise.resolve();
  /** Messages a handler holds out of sight (message id → until, epoch ms). */
  private readonly held = new Map<string, number>();

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
   * Messages waiting for a parked target do not count: held ones (in flight until the park
   * ends) and delayed fresh copies.
   */
  public async drain(pollMs = 100): Promise<void> {
    for (let quietChecks = 0; quietChecks < 2; ) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      const depth = await this.depth();
      const working = depth.inFlight - this.heldCount();
      quietChecks = depth.visible === 0 && working <= 0 && this.busy === 0 ? quietChecks + 1 : 0;
    }
  }

  /** Messages held by a handler whose hold has not ended yet. */
  public heldCount(): number {
    const now = Date.now();
    for (const [messageId, until] of this.held) if (until <= now) this.held.delete(messageId);
    return this.held.size;
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
      const asked = Math.min(10, this.options.batchSize - batch.length);
      const result = await this.options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.options.queueUrl,
          MaxNumberOfMessages: asked,
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
      } else if (Date.now() >= deadline && messages.length < asked) {
        // Lambda's pollers take what is waiting at once; the emulator hands it out ten at a time,
        // so a batch is only cut short by the window once the queue has nothing more ready.
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
      receiptHandle: message.ReceiptHandle!,
    }));
    for (const message of messages) this.held.delete(message.messageId);
    let failed: Set<string>;
    let held = new Set<string>();
    try {
      const result = await this.options.handler(messages);
      failed = new Set(Array.isArray(result) ? result : result.failedMessageIds);
      if (!Array.isArray(result)) held = new Set(result.heldMessageIds ?? []);
    } catch (error) {
      this.options.onError?.(error);
      failed = new Set(messages.map((message) => message.messageId));
    }
    // The loop cannot read a message's visibility back; a hold lasts at most SQS's 12 hours.
    for (const messageId of held) if (failed.has(messageId)) this.held.set(messageId, Date.now() + 43_200_000);
    const succeeded = batch.filter((message) => !failed.has(message.MessageId!));
    const retry = batch.filter((message) => failed.has(message.MessageId!) && !held.has(message.MessageId!));
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
