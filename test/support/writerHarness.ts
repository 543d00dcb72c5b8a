import type { CustomerConfig, FlowConfig } from '../../shared/config';
import { FlowQueue } from '../../shared/aws';
import { MarketoConnector, type MarketoConfig } from '../../shared/connectors/marketo';
import { LocalAws } from '../../shared/local';
import { MemoryAlerter, writeBatch, type WriterMessage } from '../../shared/pipeline';
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
  write(messages: WriterMessage[], store?: StateStore): ReturnType<typeof writeBatch>;
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
    write: (messages, withStore = store) =>
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
      }),
    close: async () => {
      await aws.stop();
      await marketo.stop();
    },
  };
}
