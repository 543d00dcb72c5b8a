import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
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
}

interface QueueSnapshot {
  readonly queue: string;
  readonly messages: Array<{ body: string; attributes: Record<string, string> }>;
}

/**
 * The embedded stand-ins for SQS (fauxqs) and DynamoDB (dynalite), started in-process, with the
 * queues and the table created from the same definitions the CDK stack uses. With a state dir,
 * DynamoDB persists in LevelDB and queue contents (dead letters above all) are saved on stop and
 * restored on start, so `status` and `replay` see what an earlier `sync` left.
 */
export class LocalAws {
  public readonly sqs: SQSClient;
  public readonly dynamo: DynamoDBClient;
  /** Endpoints of the emulators, for clients in other processes. */
  public readonly endpoints: { readonly sqs: string; readonly dynamodb: string };
  private readonly queues = new Map<string, LocalQueues>();

  private constructor(
    private readonly fauxqs: FauxqsServer,
    private readonly dynaliteServer: ReturnType<typeof dynalite>,
    dynamoEndpoint: string,
    private readonly options: LocalAwsOptions,
  ) {
    const region = options.region ?? 'us-east-1';
    this.sqs = new SQSClient({ endpoint: fauxqs.address, region, credentials });
    this.dynamo = new DynamoDBClient({ endpoint: dynamoEndpoint, region, credentials });
    this.endpoints = { sqs: fauxqs.address, dynamodb: dynamoEndpoint };
  }

  public static async start(options: LocalAwsOptions = {}): Promise<LocalAws> {
    const fauxqs = await startFauxqs({ port: 0, logger: false, defaultRegion: options.region ?? 'us-east-1' });
    if (options.stateDir) await mkdir(join(options.stateDir, 'dynamodb'), { recursive: true });
    const server = dynalite({
      ...(options.stateDir ? { path: join(options.stateDir, 'dynamodb') } : {}),
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    return new LocalAws(fauxqs, server, `http://127.0.0.1:${port}`, options);
  }

  /** Creates the state table and every flow's queue pair (idempotent), restoring saved messages. */
  public async provision(config: CustomerConfig): Promise<void> {
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
  public inspect(queueName: string): Array<{ body: string; attributes: Record<string, string> }> {
    const state = this.fauxqs.inspectQueue(queueName);
    if (!state) return [];
    const all = [...state.messages.ready, ...state.messages.delayed, ...state.messages.inflight.map((entry) => entry.message)];
    return all.map((message) => ({
      body: message.body,
      attributes: Object.fromEntries(
        Object.entries(message.messageAttributes ?? {}).map(([name, value]) => [name, String(value.StringValue ?? '')]),
      ),
    }));
  }

  public async stop(): Promise<void> {
    await this.saveQueues();
    this.sqs.destroy();
    this.dynamo.destroy();
    await this.fauxqs.stop();
    await new Promise<void>((resolve) => this.dynaliteServer.close(() => resolve()));
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
    const snapshot: QueueSnapshot[] = [...this.queues.values()].flatMap((queues) => [
      { queue: queues.queueName, messages: this.inspect(queues.queueName) },
      { queue: queues.deadLetterQueueName, messages: this.inspect(queues.deadLetterQueueName) },
    ]);
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
      if (!url || this.inspect(queue).length > 0) continue;
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
    await writeFile(file, '[]');
  }
}
