import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/runCli';
import { loadConfig, resourceNames, type CustomerConfig } from '../../shared/config';
import { systemSecrets } from '../../shared/cli/commands/secretsSet';
import { LocalAws } from '../../shared/local';
import { StateStore } from '../../shared/state';
import { startAwsStandIn, type AwsStandIn } from '../infra/support/awsStandIn';

const ACME = fileURLToPath(new URL('../../customers/acme.yaml', import.meta.url));
const CLI = fileURLToPath(new URL('../../shared/cli/bin.mjs', import.meta.url));
let config: CustomerConfig;
let standIn: AwsStandIn;
let aws: LocalAws;
let env: Record<string, string>;

const run = (args: string[]) => runCli(args, env);

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

  it('ping --deployed asks a poller (from the VPC) and a writer, by their fixed names', async () => {
    const result = await run(['ping', '--config', ACME, '--deployed']);
    expect(result.code).toBe(1);
    expect(result.out).toContain('FAIL peoplesoft credentials: PeopleSoft rejected the credentials of OPRID ML_SYNC');
    expect(result.out).toContain('ok   marketo: access token: token issued');
    const invoked = standIn.requests.filter((request) => request.operation === 'Invoke').map((request) => request.target);
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
    expect(result.out).toContain(config.peoplesoft.node);
  });
});
