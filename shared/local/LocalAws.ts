import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Worker } from 'node:worker_threads';
import { resourceNames, type CustomerConfig, type FlowConfig } from '../config';
import { stateTableDefinition } from '../state';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface LocalQueues {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly queueName: string;
  readonly deadLetterQueueName: string;
}

export interface LocalAwsOptions {
  /** Keep DynamoDB data and queue contents in this folder between runs; in memory when absent. */
  readonly stateDir?: string;
  readonly region?: string;
  /**
   * A read-only command's own open: saved queue contents are restored but never written back, so
   * the snapshot on disk stays what the last writer left even if this process is killed.
   */
  readonly readOnly?: boolean;
}

interface InspectedMessage {
  readonly body: string;
  readonly messageAttributes?: Record<string, { StringValue?: string }>;
}

interface QueueSnapshot {
  readonly queue: string;
  readonly messages: Array<{ body: string; attributes: Record<string, string> }>;
}

/**
 * The embedded stand-ins for SQS (fauxqs) and DynamoDB (dynalite), started in-process, with the
 * queues and the table created from the same definitions the CDK stack uses. With a state dir,
 * DynamoDB persists in LevelDB and queue contents (dead letters above all) are saved on stop and
 * restored on start, so `status` and `replay` see what an earlier `sync` left. `connect` gives the
 * clients of emulators another process runs (the holder of the state folder), without starting any.
 */
export class LocalAws {
  public readonly sqs: SQSClient;
  public readonly dynamo: DynamoDBClient;
  /** Endpoints of the emulators, for clients in other processes. */
  public readonly endpoints: { readonly sqs: string; readonly dynamodb: string };
  private readonly queues = new Map<string, LocalQueues>();

  private nextRequest = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private constructor(
    private readonly worker: Worker | undefined,
    endpoints: { sqs: string; dynamodb: string },
    private readonly options: LocalAwsOptions,
  ) {
    const region = options.region ?? 'us-east-1';
    this.sqs = new SQSClient({ endpoint: endpoints.sqs, region, credentials });
    this.dynamo = new DynamoDBClient({ endpoint: endpoints.dynamodb, region, credentials });
    this.endpoints = endpoints;
    worker?.on('message', (reply: { id?: number; result?: unknown; error?: string }) => {
      const waiter = reply.id === undefined ? undefined : this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id!);
      if (reply.error) waiter.reject(new Error(`local emulators: ${reply.error}`));
      else waiter.resolve(reply.result);
    });
  }

  /** Starts the emulators on a worker thread, so they do not compete with the pipeline's event loop. */
  public static async start(options: LocalAwsOptions = {}): Promise<LocalAws> {
    if (options.stateDir) await mkdir(join(options.stateDir, 'dynamodb'), { recursive: true });
    const worker = new Worker(new URL('./emulatorWorker.mjs', import.meta.url), {
      workerData: { region: options.region ?? 'us-east-1', dynamoPath: options.stateDir ? join(options.stateDir, 'dynamodb') : undefined },
      // The worker needs no loader: it is plain JavaScript.
      execArgv: [],
    });
    const endpoints = await new Promise<{ sqs: string; dynamodb: string }>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (message: { type: string; sqs: string; dynamodb: string; error?: string }) => {
        if (message.type === 'ready') resolve({ sqs: message.sqs, dynamodb: message.dynamodb });
        else reject(new Error(`local emulators did not start: ${message.error}`));
      });
    });
    worker.unref();
    return new LocalAws(worker, endpoints, options);
  }

  /**
   * Clients of emulators another process runs (read-only use: nothing is created, restored or
   * saved; `stop` only closes the clients).
   */
  public static connect(endpoints: { sqs: string; dynamodb: string }, options: Pick<LocalAwsOptions, 'region'> = {}): LocalAws {
    return new LocalAws(undefined, endpoints, { ...options, readOnly: true });
  }

  private request<T>(message: Record<string, unknown>): Promise<T> {
    const worker = this.worker!;
    const id = (this.nextRequest += 1);
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...message, id });
    });
  }

  /**
   * Creates the state table and every flow's queue pair (idempotent), restoring saved messages;
   * when connected to another process's emulators, only looks the queues up.
   */
  public async provision(config: CustomerConfig): Promise<void> {
    if (!this.worker) {
      for (const flow of config.flows) await this.findFlowQueues(config, flow);
      return;
    }
    const names = resourceNames(config);
    await this.ensureTable(names.table);
    for (const flow of config.flows) await this.ensureFlowQueues(config, flow);
    await this.restoreQueues();
  }

  public tableName(config: CustomerConfig): string {
    return resourceNames(config).table;
  }

  public flowQueues(flowName: string): LocalQueues {
    const queues = this.queues.get(flowName);
    if (!queues) throw new Error(`queues of flow ${flowName} were not provisioned`);
    return queues;
  }

  /** Every message of a queue, ready, delayed and in flight, without receiving it. */
  public async inspect(queueName: string): Promise<Array<{ body: string; attributes: Record<string, string> }>> {
    if (this.worker) return this.request({ type: 'inspect', queue: queueName });
    // fauxqs's own inspection endpoint: reads without receiving, so visibility and counts stay.
    const response = await fetch(`${this.endpoints.sqs}/_fauxqs/queues/${encodeURIComponent(queueName)}`);
    if (response.status === 404) return [];
    if (!response.ok) throw new Error(`local emulators: inspecting ${queueName} answered ${response.status}`);
    const state = (await response.json()) as {
      messages: { ready: InspectedMessage[]; delayed: InspectedMessage[]; inflight: Array<{ message: InspectedMessage }> };
    };
    return [...state.messages.ready, ...state.messages.delayed, ...state.messages.inflight.map((entry) => entry.message)].map((message) => ({
      body: message.body,
      attributes: Object.fromEntries(Object.entries(message.messageAttributes ?? {}).map(([name, value]) => [name, String(value.StringValue ?? '')])),
    }));
  }

  public async stop(): Promise<void> {
    if (this.worker && !this.options.readOnly) await this.saveQueues();
    this.sqs.destroy();
    this.dynamo.destroy();
    if (!this.worker) return;
    await this.request({ type: 'stop' });
    await this.worker.terminate();
  }

  private async findFlowQueues(config: CustomerConfig, flow: FlowConfig): Promise<void> {
    const names = resourceNames(config).flow(flow);
    const url = async (name: string): Promise<string> => (await this.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
    this.queues.set(flow.name, {
      queueUrl: await url(names.queue),
      deadLetterQueueUrl: await url(names.deadLetterQueue),
      queueName: names.queue,
      deadLetterQueueName: names.deadLetterQueue,
    });
  }

  private async ensureTable(tableName: string): Promise<void> {
    try {
      await this.dynamo.send(new DescribeTableCommand({ TableName: tableName }));
      return;
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    }
    await this.dynamo.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: stateTableDefinition.partitionKey, AttributeType: 'S' },
          { AttributeName: stateTableDefinition.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: stateTableDefinition.partitionKey, KeyType: 'HASH' },
          { AttributeName: stateTableDefinition.sortKey, KeyType: 'RANGE' },
        ],
      }),
    );
    await this.dynamo
      .send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: stateTableDefinition.timeToLiveAttribute, Enabled: true },
        }),
      )
      .catch(() => undefined); // dynalite does not implement TTL; DynamoDB does (set by the stack)
  }

  private async ensureFlowQueues(config: CustomerConfig, flow: FlowConfig): Promise<void> {
    const names = resourceNames(config).flow(flow);
    const dlq = await this.sqs.send(
      new CreateQueueCommand({ QueueName: names.deadLetterQueue, Attributes: { MessageRetentionPeriod: String(14 * 86_400) } }),
    );
    const dlqAttributes = await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }));
    const queue = await this.sqs.send(
      new CreateQueueCommand({
        QueueName: names.queue,
        Attributes: {
          VisibilityTimeout: String(names.visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqAttributes.Attributes!.QueueArn, maxReceiveCount: String(names.maxReceiveCount) }),
        },
      }),
    );
    this.queues.set(flow.name, {
      queueUrl: queue.QueueUrl!,
      deadLetterQueueUrl: dlq.QueueUrl!,
      queueName: names.queue,
      deadLetterQueueName: names.deadLetterQueue,
    });
  }

  private snapshotFile(): string | undefined {
    return this.options.stateDir ? join(this.options.stateDir, 'queues.json') : undefined;
  }

  private async saveQueues(): Promise<void> {
    const file = this.snapshotFile();
    if (!file) return;
    const snapshot: QueueSnapshot[] = [];
    for (const queues of this.queues.values()) {
      snapshot.push({ queue: queues.queueName, messages: await this.inspect(queues.queueName) });
      snapshot.push({ queue: queues.deadLetterQueueName, messages: await this.inspect(queues.deadLetterQueueName) });
    }
    await writeFile(file, JSON.stringify(snapshot));
  }

  private async restoreQueues(): Promise<void> {
    const file = this.snapshotFile();
    if (!file) return;
    let snapshot: QueueSnapshot[];
    try {
      snapshot = JSON.parse(await readFile(file, 'utf8')) as QueueSnapshot[];
    } catch {
      return;
    }
    const urls = new Map([...this.queues.values()].flatMap((q) => [[q.queueName, q.queueUrl], [q.deadLetterQueueName, q.deadLetterQueueUrl]] as const));
    for (const { queue, messages } of snapshot) {
      const url = urls.get(queue);
      if (!url || (await this.inspect(queue)).length > 0) continue;
      for (let i = 0; i < messages.length; i += 10) {
        await this.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: url,
            Entries: messages.slice(i, i + 10).map((message, index) => ({
              Id: String(index),
              MessageBody: message.body,
              ...(Object.keys(message.attributes).length > 0
                ? {
                    MessageAttributes: Object.fromEntries(
                      Object.entries(message.attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value || '-' }]),
                    ),
                  }
                : {}),
            })),
          }),
        );
      }
    }
    // Cleared once restored, so a writer killed before it saves does not restore these twice.
    if (!this.options.readOnly) await writeFile(file, '[]');
  }
}
