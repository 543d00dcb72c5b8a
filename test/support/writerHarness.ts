import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { CustomerConfig, FlowConfig } from '../../shared/config';
import type { TargetConnector } from '../../shared/connectors';
import type { RecordEnvelope } from '../../shared/envelope';
import { FlowQueue } from '../../shared/aws';
import { MarketoConnector, type MarketoConfig } from '../../shared/connectors/marketo';
import { LocalAws } from '../../shared/local';
import { MemoryAlerter, writeBatch, type WriteBatchResult, type WriterDependencies, type WriterMessage } from '../../shared/pipeline';
import { StateStore } from '../../shared/state';
import { startMarketoSimulator, type MarketoSimulator, type MarketoSimulatorOptions } from '../../simulators/marketo';
import { demoConfig, employeesFlow } from './factories';

export interface WriterHarness {
  readonly config: CustomerConfig;
  readonly flow: FlowConfig;
  readonly aws: LocalAws;
  readonly store: StateStore;
  readonly queue: FlowQueue;
  readonly marketo: MarketoSimulator;
  readonly connector: MarketoConnector;
  readonly alerts: MemoryAlerter;
  /** Fake time the writer sleeps on (rate-limit waits cost no real time). */
  readonly slept: number[];
  write(
    messages: WriterMessage[],
    store?: StateStore,
    overrides?: Partial<Pick<WriterDependencies, 'connector' | 'now' | 'credentialsProbeSeconds'>>,
  ): ReturnType<typeof writeBatch>;
  /** A connector to the same simulator with other credentials (e.g. a wrong secret). */
  connectorWith(credentials: { clientId: string; clientSecret: string }): TargetConnector;
  /** Puts envelopes on the flow queue. */
  enqueue(envelopes: readonly RecordEnvelope[]): Promise<void>;
  /** Receives every visible message of the flow queue, as the event source mapping would. */
  receive(): Promise<WriterMessage[]>;
  /** What Lambda does after an invocation: deletes the messages not reported as failures. */
  acknowledge(messages: readonly WriterMessage[], result: WriteBatchResult): Promise<void>;
  /** Ends the hold of received messages at once, as if their visibility had run out. */
  release(messages: readonly WriterMessage[]): Promise<void>;
  close(): Promise<void>;
}

/** The writer core wired to the embedded emulators and a Marketo simulator. */
export async function startWriterHarness(
  marketoOptions: MarketoSimulatorOptions = {},
  clock?: { now: () => Date; sleep: (ms: number) => Promise<void> },
): Promise<WriterHarness> {
  const config = demoConfig();
  const flow = employeesFlow(config);
  const aws = await LocalAws.start({});
  await aws.provision(config);
  const marketo = await startMarketoSimulator({ ...marketoOptions, ...(clock ? { now: clock.now } : {}) });
  const store = new StateStore({ client: aws.dynamo, tableName: aws.tableName(config), auditRetentionDays: 30 });
  const queue = new FlowQueue({ client: aws.sqs, ...aws.flowQueues(flow.name) });
  const connector = new MarketoConnector({
    config: { ...(config.targets.marketo as MarketoConfig), baseUrl: marketo.url },
    credentials: { clientId: 'sim-client', clientSecret: 'sim-secret' },
    hostPolicy: { allowLoopback: true, allowPrivate: false },
    ...(clock ? { now: clock.now, sleep: clock.sleep } : {}),
  });
  const alerts = new MemoryAlerter();
  const slept: number[] = [];
  const { queueUrl } = aws.flowQueues(flow.name);
  const entries = (messages: readonly WriterMessage[]) => messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.receiptHandle }));
  return {
    config,
    flow,
    aws,
    store,
    queue,
    marketo,
    connector,
    alerts,
    slept,
    write: (messages, withStore = store, overrides = {}) =>
      writeBatch(messages, {
        flow,
        connector,
        store: withStore,
        queue,
        alerts,
        sleep: async (ms) => {
          slept.push(ms);
          if (clock) await clock.sleep(ms);
        },
        ...overrides,
      }),
    connectorWith: (credentials) =>
      new MarketoConnector({
        config: { ...(config.targets.marketo as MarketoConfig), baseUrl: marketo.url },
        credentials,
        hostPolicy: { allowLoopback: true, allowPrivate: false },
      }),
    enqueue: async (envelopes) => {
      await queue.send(envelopes.map((envelope) => ({ envelope })));
    },
    receive: async () => {
      const received: WriterMessage[] = [];
      for (;;) {
        const { Messages = [] } = await aws.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 60,
            WaitTimeSeconds: 0,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
        );
        if (Messages.length === 0) return received;
        received.push(
          ...Messages.map((message) => ({
            messageId: message.MessageId!,
            body: message.Body ?? '',
            receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
            receiptHandle: message.ReceiptHandle!,
          })),
        );
      }
    },
    acknowledge: async (messages, result) => {
      const done = messages.filter((message) => !result.failedMessageIds.includes(message.messageId));
      for (let i = 0; i < done.length; i += 10) {
        await aws.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries(done.slice(i, i + 10)) }));
      }
    },
    release: async (messages) => {
      for (let i = 0; i < messages.length; i += 10) {
        const chunk = entries(messages.slice(i, i + 10)).map((entry) => ({ ...entry, VisibilityTimeout: 0 }));
        await aws.sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: chunk }));
      }
    },
    close: async () => {
      await aws.stop();
      await marketo.stop();
    },
  };
}
