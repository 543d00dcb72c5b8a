import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peopleSoftSystemOf, resourceNames, validateConfig, type CustomerConfig, type CustomerConfigInput } from '../../shared/config';
import { LocalAws } from '../../shared/local/LocalAws';
import { startMarketoSimulator, type MarketoSimulator } from '../../simulators/marketo';
import { startPeopleSoftSimulator, type PeopleSoftSimulator } from '../../simulators/peoplesoft';
import { startAwsStandIn, type AwsStandIn } from './support/awsStandIn';
import { bundledFunctions, type BundledFunction } from './support/bundledFunctions';
import { forward, nonLoopbackAddress, type Forwarder } from './support/forwarder';
import { runBundle } from './support/runBundle';
import { exampleConfig, synthesize, type Synthesized } from './support/synthesize';

interface Metafile {
  readonly inputs: Record<string, unknown>;
  readonly outputs: Record<string, { entryPoint?: string }>;
}

let config: CustomerConfig;
let synth: Synthesized;
let functions: BundledFunction[];

beforeAll(async () => {
  config = await exampleConfig();
  synth = synthesize(config, { bundle: true });
  functions = bundledFunctions(synth);
});
afterAll(() => synth?.cleanup());

const metafile = (fn: BundledFunction): Metafile => JSON.parse(readFileSync(join(fn.dir, 'index.meta.json'), 'utf8')) as Metafile;

/** Dummy values for the references a bare import needs (cold start reads the environment only). */
function importEnvironment(fn: BundledFunction): Record<string, string> {
  const env: Record<string, string> = {
    AWS_REGION: 'us-east-1',
    TABLE_NAME: 'table',
    QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/queue',
    DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/dlq',
  };
  for (const [name, value] of Object.entries(fn.environment)) if (typeof value === 'string') env[name] = value;
  return env;
}

describe('Lambda bundles', () => {
  it('bundles each handler from its entry, with no simulator, test or emulator code inside', () => {
    expect(functions.map((fn) => `${fn.flow}/${fn.kind}`)).toEqual([
      'employees-to-marketo/poller',
      'employees-to-marketo/writer',
      'companies-to-marketo/poller',
      'companies-to-marketo/writer',
    ]);
    for (const fn of functions) {
      const meta = metafile(fn);
      expect(Object.values(meta.outputs).map((output) => output.entryPoint)).toContain(`functions/${fn.kind}/handler.ts`);
      const inputs = Object.keys(meta.inputs);
      const forbidden = inputs.filter((input) =>
        /^(simulators|test)\//.test(input) ||
        /^shared\/(local|cli)\//.test(input) ||
        // yaml: the config arrives in the bundle as validated JSON; the YAML parser is for files on disk.
        /^node_modules\/(fauxqs|dynalite|vitest|aws-cdk-lib|cdk-nag|esbuild|constructs|yaml|commander)\//.test(input),
      );
      expect(forbidden, `${fn.flow}/${fn.kind}`).toEqual([]);
      // The SDK is bundled, not taken from the runtime.
      expect(inputs.some((input) => /(^|\/)node_modules\/@aws-sdk\/client-sqs\//.test(input))).toBe(true);
    }
  });

  it('carries the validated config as ml-config.json', () => {
    for (const fn of functions) {
      expect(JSON.parse(readFileSync(join(fn.dir, 'ml-config.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(config)));
    }
  });

  it('loads in a fresh Node process from the asset directory alone, with its bundled config', async () => {
    const runs = await Promise.all(functions.map((fn) => runBundle({ dir: fn.dir, env: importEnvironment(fn) })));
    for (const [index, run] of runs.entries()) {
      expect(run.error, `${functions[index]!.flow}/${functions[index]!.kind}: ${run.stderr}`).toBeUndefined();
      expect(run.ok).toBe(true);
    }
  });
});

describe('bundled handlers against the local emulators and simulators', () => {
  const host = nonLoopbackAddress();
  let aws: LocalAws;
  let peoplesoft: PeopleSoftSimulator;
  let marketo: MarketoSimulator;
  let standIn: AwsStandIn;
  const forwarders: Forwarder[] = [];
  let smokeConfig: CustomerConfig;
  let smokeConfigFile: string;
  let endpoints: Record<string, string>;

  /** The config the bundles run with: Acme's flows, PeopleSoft and Marketo at the simulators. */
  function configAt(peoplesoftUrl: string, marketoUrl: string): CustomerConfig {
    const input = structuredClone(config) as CustomerConfigInput;
    input.peoplesoft.systems!.hcm!.baseUrl = peoplesoftUrl;
    input.peoplesoft.systems!.hcm!.network = 'private';
    // The forwarders speak plain HTTP on this machine's own (non-loopback) address.
    input.peoplesoft.systems!.hcm!.allowCleartextCredentials = true;
    input.targets.marketo!.baseUrl = marketoUrl;
    input.targets.marketo!.network = 'private';
    input.targets.marketo!.allowCleartextCredentials = true;
    return validateConfig(input, 'smoke config');
  }

  function writeConfig(value: CustomerConfig, name: string): string {
    const file = join(synth.outdir, name);
    writeFileSync(file, JSON.stringify(value));
    return file;
  }

  /** The function's synthesized environment with every reference resolved to the emulators. */
  function environmentOf(fn: BundledFunction, configFile: string): Record<string, string> {
    const names = resourceNames(smokeConfig);
    const queues = aws.flowQueues(fn.flow);
    const references: Record<string, string> = {
      TABLE_NAME: names.table,
      QUEUE_URL: queues.queueUrl,
      DLQ_URL: queues.deadLetterQueueUrl,
      ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:ml-connector-acme-alerts',
      // Sealing only: these flows' targets keep no shared token, so KMS is never called.
      TOKEN_KEY_ARN: 'arn:aws:kms:us-east-1:000000000000:key/00000000-0000-0000-0000-000000000000',
    };
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(fn.environment)) {
      const resolved = typeof value === 'string' ? value : references[name];
      if (resolved === undefined) throw new Error(`${fn.logicalId}: no emulator value for ${name}`);
      env[name] = resolved;
    }
    return {
      ...env,
      ...endpoints,
      ML_CONFIG_FILE: configFile,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_LAMBDA_FUNCTION_NAME: `acme-${fn.flow}-${fn.kind}`,
      // fauxqs queue URLs name http://sqs.<region>.localhost:<port>, and the SDK calls a queue
      // URL's own host: resolve *.localhost in the child as a Lambda resolves sqs.<region>.amazonaws.com.
      BUNDLE_RESOLVE_LOCALHOST: '1',
    };
  }

  const find = (flow: string, kind: BundledFunction['kind']): BundledFunction => functions.find((fn) => fn.flow === flow && fn.kind === kind)!;

  beforeAll(async () => {
    [aws, peoplesoft, marketo] = await Promise.all([
      LocalAws.start(),
      startPeopleSoftSimulator({ node: peopleSoftSystemOf(config, 'employees').node, timeZone: peopleSoftSystemOf(config, 'employees').timeZone, employees: 40, companies: 6 }),
      startMarketoSimulator(),
    ]);
    standIn = await startAwsStandIn({
      [resourceNames(config).secret(peopleSoftSystemOf(config, 'employees').auth.secret)]: { username: 'ML_INTEGRATION', password: 'sim-password' },
      [resourceNames(config).secret(config.targets.marketo!.secret!)]: { clientId: 'sim-client', clientSecret: 'sim-secret' },
    });
    if (host) {
      forwarders.push(await forward(host, Number(new URL(peoplesoft.url).port)), await forward(host, Number(new URL(marketo.url).port)));
    }
    // Without a non-loopback address only the loopback refusal below can run (same flows, same names).
    smokeConfig = host ? configAt(forwarders[0]!.url, forwarders[1]!.url) : configAt(peoplesoft.url, marketo.url);
    smokeConfigFile = writeConfig(smokeConfig, 'smoke-config.json');
    await aws.provision(smokeConfig);
    const endpoint = async (client: { config: { endpoint?: () => Promise<{ protocol: string; hostname: string; port?: number }> } }) => {
      const resolved = await client.config.endpoint!();
      return `${resolved.protocol}//${resolved.hostname}:${resolved.port}`;
    };
    endpoints = {
      AWS_ENDPOINT_URL_SQS: await endpoint(aws.sqs),
      AWS_ENDPOINT_URL_DYNAMODB: await endpoint(aws.dynamo),
      AWS_ENDPOINT_URL_SECRETS_MANAGER: standIn.url,
      AWS_ENDPOINT_URL_LAMBDA: standIn.url,
    };
  });

  afterAll(async () => {
    await Promise.all(forwarders.map((forwarder) => forwarder.stop()));
    await Promise.all([aws?.stop(), peoplesoft?.stop(), marketo?.stop(), standIn?.stop()]);
  });

  /** Receives every queued message of a flow as the SQS event Lambda would deliver. */
  async function queuedEvent(flow: string): Promise<SQSEvent> {
    const { queueUrl, queueName } = aws.flowQueues(flow);
    const records: SQSRecord[] = [];
    for (;;) {
      const batch = await aws.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }),
      );
      if (!batch.Messages?.length) break;
      for (const message of batch.Messages) {
        records.push({
          messageId: message.MessageId!,
          receiptHandle: message.ReceiptHandle!,
          body: message.Body!,
          attributes: {
            ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
            SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
            SenderId: 'AIDASMOKE',
            ApproximateFirstReceiveTimestamp: String(Date.now()),
          },
          messageAttributes: {},
          md5OfBody: message.MD5OfBody!,
          eventSource: 'aws:sqs',
          eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queueName}`,
          awsRegion: 'us-east-1',
        });
      }
    }
    return { Records: records };
  }

  // The simulators listen on loopback, which the deployed runtime refuses: they are reached through
  // a forwarder on this machine's own (non-loopback) address, as a PeopleSoft behind a VPN would be.
  it.runIf(host !== undefined).each([
    { flow: 'employees-to-marketo', stored: () => marketo.leads().length },
    { flow: 'companies-to-marketo', stored: () => marketo.companies().length },
  ])('$flow: the bundled poller queues PeopleSoft records and the bundled writer lands them in Marketo', async ({ flow, stored }) => {
    const poller = find(flow, 'poller');
    const poll = await runBundle({ dir: poller.dir, env: environmentOf(poller, smokeConfigFile), event: {}, timeoutMs: 900_000 });
    expect(poll.error, poll.stdout + poll.stderr).toBeUndefined();
    const result = poll.result as { complete: boolean; read: number; enqueued: number; rejected: number };
    expect(result.complete).toBe(true);
    expect(result.read).toBeGreaterThan(0);
    expect(result.enqueued + result.rejected).toBe(result.read);

    const event = await queuedEvent(flow);
    expect(event.Records).toHaveLength(result.enqueued);
    const writer = find(flow, 'writer');
    const write = await runBundle({ dir: writer.dir, env: environmentOf(writer, smokeConfigFile), event, timeoutMs: 120_000 });
    expect(write.error, write.stdout + write.stderr).toBeUndefined();
    expect(write.result).toEqual({ batchItemFailures: [] });
    // A record first seen deactivated (an employee terminated before any sync) creates nothing.
    const upserts = event.Records.filter((record) => (JSON.parse(record.body) as { operation: string }).operation === 'upsert');
    expect(stored()).toBe(upserts.length);
    // Credentials came from Secrets Manager under SECRET_PREFIX + the config's secret names.
    // Only the secret of the PeopleSoft system the flow reads (HCM), never the Financials one.
    const secretIds = new Set(standIn.requests.filter((request) => request.service === 'secretsmanager').map((request) => request.target));
    expect(secretIds).toEqual(new Set(['ml-connector/acme/peoplesoft-hcm', 'ml-connector/acme/marketo']));
  });

  it('the deployed runtime in the bundle refuses a PeopleSoft on a loopback address, with a clear error', async () => {
    const loopbackFile = writeConfig(configAt(peoplesoft.url, marketo.url), 'loopback-config.json');
    const poller = find('employees-to-marketo', 'poller');
    const poll = await runBundle({ dir: poller.dir, env: environmentOf(poller, loopbackFile), event: {}, timeoutMs: 900_000 });
    expect(poll.error?.name).toBe('UnsafeHostError');
    expect(poll.error?.message).toMatch(/^Refusing to call 127\.0\.0\.1 \(127\.0\.0\.1\): loopback addresses are only allowed in local runs/);
  });
});
