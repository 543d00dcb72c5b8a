/**
 * Runs one poller cycle in a process of its own and reports that process's peak memory, so the
 * figure is the poller's alone (the emulators and the simulator live in the parent).
 * Input (env): BENCH_CONFIG (JSON customer config), BENCH_SQS, BENCH_DYNAMO, BENCH_TABLE,
 * BENCH_QUEUE_URL, BENCH_DLQ_URL, BENCH_PEOPLESOFT_URL.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { FlowQueue } from '../../shared/aws';
import { peopleSoftSystemOf, validateConfig } from '../../shared/config';
import { PeopleSoftSource } from '../../shared/peoplesoft';
import { pollFlow } from '../../shared/pipeline';
import { StateStore } from '../../shared/state';

const env = process.env;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const config = validateConfig(JSON.parse(env.BENCH_CONFIG!), 'bench');
const flow = config.flows.find((candidate) => candidate.name === 'employees-to-marketo')!;
// Live heap: collected before each sample (the process runs with --expose-gc), so garbage
// waiting for the collector does not count; a poller that held its result would show here.
const collect = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
let peakHeap = 0;
const sampler = setInterval(() => {
  collect();
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}, 250);
const system = peopleSoftSystemOf(config, flow.source!);
const source = new PeopleSoftSource({
  config: { ...config.peoplesoft, systems: { [system.name]: { ...system, baseUrl: env.BENCH_PEOPLESOFT_URL! } } },
  system: system.name,
  credentials: { kind: 'basic', username: 'ML_INTEGRATION', password: 'sim-password' },
  hostPolicy: { allowLoopback: true, allowPrivate: false },
});
const started = Date.now();
const result = await pollFlow({
  config,
  flow,
  source,
  queue: new FlowQueue({
    client: new SQSClient({ endpoint: env.BENCH_SQS, region: 'us-east-1', credentials }),
    queueUrl: env.BENCH_QUEUE_URL!,
    deadLetterQueueUrl: env.BENCH_DLQ_URL!,
  }),
  store: new StateStore({
    client: new DynamoDBClient({ endpoint: env.BENCH_DYNAMO, region: 'us-east-1', credentials }),
    tableName: env.BENCH_TABLE!,
    auditRetentionDays: 1,
  }),
});
clearInterval(sampler);
process.stdout.write(
  `${JSON.stringify({ enqueued: result.enqueued, seconds: (Date.now() - started) / 1000, peakHeapBytes: peakHeap, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
);
