import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/runCli';
import { loadConfig, peopleSoftSystems, resourceNames, type CustomerConfig } from '../../shared/config';
import { systemSecrets } from '../../shared/cli/commands/secretsSet';
import { GetQueueAttributesCommand, StartMessageMoveTaskCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { FlowQueue } from '../../shared/aws';
import { redriveDeadLetters } from '../../shared/pipeline';
import { LocalAws } from '../../shared/local';
import { recordEnvelopeSchema } from '../../shared/envelope';
import { StateStore } from '../../shared/state';
import { startAwsStandIn, type AwsStandIn } from '../infra/support/awsStandIn';
import { employee, envelopeOf } from '../support/factories';

const ACME = fileURLToPath(new URL('../../customers/acme.yaml', import.meta.url));
const CLI = fileURLToPath(new URL('../../shared/cli/bin.mjs', import.meta.url));
let config: CustomerConfig;
let standIn: AwsStandIn;
let aws: LocalAws;
let env: Record<string, string>;

const run = (args: string[]) => runCli(args, env);
const FLOW = 'employees-to-marketo';

function flowOf(name: string) {
  return config.flows.find((flow) => flow.name === name)!;
}

function store(): StateStore {
  return new StateStore({ client: aws.dynamo, tableName: resourceNames(config).table, auditRetentionDays: 1 });
}

/** The records on a queue of the stand-in stack, read without receiving them. */
async function onQueue(which: 'queue' | 'deadLetterQueue', flow = FLOW) {
  const messages = await aws.inspect(resourceNames(config).flow(flowOf(flow))[which]);
  return messages.map((message) => ({ ...recordEnvelopeSchema.parse(JSON.parse(message.body)), attributes: message.attributes }));
}

/** Dead-letters one employee per reason, as the deployed writer does (reason and time as attributes). */
async function deadLetter(flow: string, letters: Array<{ reason: string; failedAt: string }>): Promise<string[]> {
  const queue = new FlowQueue({ client: aws.sqs, ...aws.flowQueues(flow) });
  const records = letters.map(() => employee());
  await queue.deadLetter(
    records.map((record, index) => ({
      envelope: envelopeOf(flowOf(flow), record),
      attributes: { reason: letters[index]!.reason, failedAt: letters[index]!.failedAt, flow, sourceId: String(record.EMPLID) },
    })),
  );
  return records.map((record) => String(record.EMPLID));
}

/** Empties both queues of a flow, so each test starts from a known stack. */
async function purge(flow = FLOW): Promise<void> {
  const queue = new FlowQueue({ client: aws.sqs, ...aws.flowQueues(flow) });
  for (let letters = await queue.receiveDeadLetters(30); letters.length > 0; letters = await queue.receiveDeadLetters(30)) {
    await queue.deleteDeadLetters(letters.map((letter) => letter.receiptHandle));
  }
  const flowQueue = new FlowQueue({ client: aws.sqs, queueUrl: aws.flowQueues(flow).queueUrl, deadLetterQueueUrl: aws.flowQueues(flow).queueUrl });
  for (let messages = await flowQueue.receiveDeadLetters(30); messages.length > 0; messages = await flowQueue.receiveDeadLetters(30)) {
    await flowQueue.deleteDeadLetters(messages.map((message) => message.receiptHandle));
  }
}

beforeAll(async () => {
  config = await loadConfig(ACME);
  const names = resourceNames(config);
  standIn = await startAwsStandIn(
    Object.fromEntries(systemSecrets(config).map((secret) => [names.secret(secret.name), {}])),
    (functionName) =>
      functionName.endsWith('-poller')
        ? { checks: [{ name: 'credentials', ok: false, detail: 'PeopleSoft rejected the credentials of OPRID ML_SYNC' }] }
        : { checks: [{ name: 'marketo: access token', ok: true, detail: 'token issued' }] },
  );
  aws = await LocalAws.start({ region: config.region });
  await aws.provision(config); // the queues and table a deployed stack has, under the same names
  env = {
    AWS_REGION: config.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SQS: aws.endpoints.sqs,
    AWS_ENDPOINT_URL_DYNAMODB: aws.endpoints.dynamodb,
    AWS_ENDPOINT_URL_LAMBDA: standIn.url,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: standIn.url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
});
afterAll(async () => {
  await aws?.stop();
  await standIn?.stop();
});

describe('CLI against a deployed stack', () => {
  it('status --deployed reads the stack table and queues', async () => {
    const store = new StateStore({ client: aws.dynamo, tableName: resourceNames(config).table, auditRetentionDays: 1 });
    await store.advanceCursor('employees-to-marketo', '2026-11-20T06:00:00.000Z', 'run-1');
    const result = await run(['status', '--config', ACME, '--deployed']);
    expect(result.err).toBe('');
    expect(result.out).toMatch(/employees-to-marketo\n\s+cursor\s+2026-11-20T06:00:00.000Z/);
    expect(result.out).toMatch(/companies-to-marketo\n\s+cursor\s+\(none/);
  });

  it('replay --deployed --key moves only that dead letter to the flow queue and audits it', async () => {
    await purge();
    const [kept1, chosen, kept2] = await deadLetter(FLOW, [
      { reason: 'marketo leads a@x.com: 1006 Field title not found', failedAt: '2026-11-20T06:00:00.000Z' },
      { reason: 'marketo leads b@x.com: 1006 Field title not found', failedAt: '2026-11-20T06:01:00.000Z' },
      { reason: 'marketo leads c@x.com: 1001 invalid value', failedAt: '2026-11-20T06:02:00.000Z' },
    ]);

    const result = await run(['replay', '--config', ACME, '--deployed', '--flow', FLOW, '--key', chosen!]);

    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(new RegExp(`${FLOW}: replayed 1 \\(run .*\\), left in the dead-letter queue 2`));
    const queued = await onQueue('queue');
    expect(queued.map((envelope) => envelope.source.id)).toEqual([chosen]);
    expect(queued[0]!.attempt).toBe(1);
    expect(queued[0]!.runId).toMatch(/~replay~/);
    expect((await onQueue('deadLetterQueue')).map((envelope) => envelope.source.id).sort()).toEqual([kept1, kept2].sort());

    const trail = await store().auditTrail(chosen!);
    expect(trail).toEqual([
      expect.objectContaining({ event: 'replayed', flow: FLOW, attempt: 1, runId: queued[0]!.runId, reason: expect.stringContaining('1006 Field title not found') }),
    ]);
    expect(await store().auditTrail(kept1!)).toEqual([]);
    expect(await store().getRun(FLOW, queued[0]!.runId)).toMatchObject({ replayed: 1, status: 'replayed' });

    const audit = await run(['audit', '--config', ACME, '--deployed', '--key', chosen!]);
    expect(audit.out).toMatch(new RegExp(`${FLOW}\\s+replayed\\s+\\(hire\\) attempt 1 — was dead-lettered: marketo leads b@x.com: 1006`));
  });

  it('replay --deployed selects by failure reason and by time, and leaves the others', async () => {
    await purge();
    const [old1006, new1006, new1001] = await deadLetter(FLOW, [
      { reason: 'marketo leads: 1006 Field title not found', failedAt: '2026-11-01T00:00:00.000Z' },
      { reason: 'marketo leads: 1006 Field title not found', failedAt: '2026-11-20T00:00:00.000Z' },
      { reason: 'marketo leads: 1001 invalid value', failedAt: '2026-11-20T00:00:00.000Z' },
    ]);

    const result = await run(['replay', '--config', ACME, '--deployed', '--flow', FLOW, '--error', 'FIELD TITLE', '--since', '2026-11-10']);

    expect(result.code).toBe(0);
    expect((await onQueue('queue')).map((envelope) => envelope.source.id)).toEqual([new1006]);
    expect((await onQueue('deadLetterQueue')).map((envelope) => envelope.source.id).sort()).toEqual([old1006, new1001].sort());
  });

  it('replay --deployed without a selection moves every dead letter of every flow', async () => {
    await purge();
    await purge('companies-to-marketo');
    const employees = await deadLetter(FLOW, [
      { reason: 'a', failedAt: '2026-11-20T00:00:00.000Z' },
      { reason: 'b', failedAt: '2026-11-20T00:00:00.000Z' },
    ]);

    const result = await run(['replay', '--config', ACME, '--deployed']);

    expect(result.out).toContain(`${FLOW}: replayed 2`);
    expect(result.out).toContain('companies-to-marketo: replayed 0');
    expect((await onQueue('queue')).map((envelope) => envelope.source.id).sort()).toEqual(employees.sort());
    expect(await onQueue('deadLetterQueue')).toEqual([]);
  });

  it('replay --native refuses a selection: SQS redrive moves everything', async () => {
    const result = await run(['replay', '--config', ACME, '--deployed', '--native', '--key', '1']);
    expect(result.code).toBe(1);
    expect(result.err).toContain('--native moves every dead letter');
  });

  it('native redrive asks SQS to move the dead-letter queue into the flow queue, by their ARNs, and records the run', async () => {
    // fauxqs 1.9 has no StartMessageMoveTask: everything else goes to it, that call is answered here.
    const sent: Array<{ name: string; input: Record<string, unknown> }> = [];
    const sqs = {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        sent.push({ name: command.constructor.name, input: command.input });
        if (command instanceof StartMessageMoveTaskCommand) return { TaskHandle: 'task-1', $metadata: {} };
        return aws.sqs.send(command as never);
      },
    } as unknown as SQSClient;
    await purge();
    await deadLetter(FLOW, [{ reason: 'x', failedAt: '2026-11-20T00:00:00.000Z' }, { reason: 'y', failedAt: '2026-11-20T00:00:00.000Z' }]);
    const queue = new FlowQueue({ client: sqs, ...aws.flowQueues(FLOW) });
    const arnOf = async (url: string) =>
      (await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn;

    const result = await redriveDeadLetters({ flow: flowOf(FLOW), sqs, queue, store: store() });

    const move = sent.find((command) => command.name === 'StartMessageMoveTaskCommand')!;
    expect(move.input).toEqual({ SourceArn: await arnOf(queue.deadLetterQueueUrl), DestinationArn: await arnOf(queue.queueUrl) });
    expect(result).toMatchObject({ taskHandle: 'task-1', approximateCount: 2 });
    expect(await store().getRun(FLOW, result.runId)).toMatchObject({ replayed: 2, status: 'redrive', taskHandle: 'task-1' });
  });

  it('sync --deployed starts the poller asynchronously, from the cursor or from a date', async () => {
    const before = standIn.requests.length;
    const fromCursor = await run(['sync', '--config', ACME, '--deployed', '--flow', FLOW]);
    const fromDate = await run(['sync', '--config', ACME, '--deployed', '--flow', FLOW, '--since', '2026-01-01T00:00:00Z']);

    const poller = resourceNames(config).flow(flowOf(FLOW)).pollerFunction;
    expect(fromCursor.code).toBe(0);
    expect(fromCursor.out).toContain(`${FLOW}: started ${poller} from its cursor`);
    expect(fromCursor.out).toContain(`status --config ${ACME} --deployed`);
    expect(fromDate.out).toContain('re-reading since 2026-01-01T00:00:00.000Z');
    const invokes = standIn.requests.slice(before).filter((request) => request.operation === 'Invoke');
    expect(invokes.map((request) => [request.target, JSON.parse(request.body!)])).toEqual([
      [poller, {}],
      [poller, { since: '2026-01-01T00:00:00.000Z' }],
    ]);
  });

  it('status --deployed counts the records waiting on the flow queue', async () => {
    await purge();
    await deadLetter(FLOW, [{ reason: 'x', failedAt: '2026-11-20T00:00:00.000Z' }]);
    await run(['replay', '--config', ACME, '--deployed', '--flow', FLOW]);
    const result = await run(['status', '--config', ACME, '--deployed']);
    expect(result.out).toMatch(new RegExp(`${FLOW}\\n.*cursor.*\\n\\s+queued\\s+1\\n\\s+dead letters 0`));
    expect(result.out).toMatch(/recent runs .*\n +replay +\S+ +replayed; .*replayed 1,/);
  });

  it('ping --deployed asks a poller (from the VPC) and a writer, by their fixed names', async () => {
    const before = standIn.requests.length;
    const result = await run(['ping', '--config', ACME, '--deployed']);
    expect(result.code).toBe(1);
    // Each PeopleSoft system that a flow reads is pinged from a poller of that system's flows.
    expect(result.out).toContain('FAIL peoplesoft hcm: credentials: PeopleSoft rejected the credentials of OPRID ML_SYNC');
    expect(result.out).toContain('ok   marketo: access token: token issued');
    const invoked = standIn.requests.slice(before).filter((request) => request.operation === 'Invoke').map((request) => request.target);
    const names = resourceNames(config);
    expect(invoked).toEqual([names.flow(config.flows[0]!).pollerFunction, names.flow(config.flows[0]!).writerFunction]);
  });

  it('secrets set reads the value from stdin, stores it, and never prints it', async () => {
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      const child = execFile(process.execPath, [CLI, 'secrets', 'set', '--config', ACME, '--system', 'marketo'], { env: { ...process.env, ...env } }, (error, out, err) =>
        error ? reject(Object.assign(error, { stderr: err })) : resolve({ stdout: out, stderr: err }),
      );
      child.stdin!.end('{"clientId":"abc","clientSecret":"very-secret-value"}\n');
    });
    expect(stdout).toContain('stored the marketo credentials in ml-connector/acme/marketo');
    expect(stdout + stderr).not.toContain('very-secret-value');
    const put = standIn.requests.filter((request) => request.operation === 'PutSecretValue').at(-1)!;
    expect(JSON.parse(put.body!).SecretString).toContain('very-secret-value');
  });

  it('peoplesoft-setup prints the service operations to activate', async () => {
    const result = await run(['peoplesoft-setup', '--config', ACME]);
    expect(result.out).toContain(config.peoplesoft.entities.employees!.operation);
    expect(result.out).toContain(`node ${peopleSoftSystems(config.peoplesoft)[0]!.node}`);
  });
});
