import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/runCli';
import { loadConfig } from '../../shared/config';
import { LocalSecretResolver } from '../../shared/secrets';

const demoYaml = readFileSync(new URL('../../customers/demo.yaml', import.meta.url), 'utf8');
const ACME = fileURLToPath(new URL('../../customers/acme.yaml', import.meta.url));
const CLI = fileURLToPath(new URL('../../shared/cli/bin.mjs', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ml-connector-messages-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('messages an operator meets first', () => {
  it('says that a configured local.secretsFile does not exist', async () => {
    const path = join(dir, 'secrets-file.yaml');
    const missing = join(dir, 'no-such-secrets.json');
    await writeFile(
      path,
      demoYaml
        .replace(/simulator: true\n/g, 'simulator: false\n')
        .replace('https://hr.demo.example:8443', 'https://hr.acme.invalid')
        .replace('alertEmail', `local: { stateDir: ${JSON.stringify(join(dir, 'state'))}, secretsFile: ${JSON.stringify(missing)} }\nalertEmail`),
    );
    const result = await runCli(['sync', '--config', path, '--flow', 'companies-to-marketo']);
    expect(result.code).not.toBe(0);
    expect(result.err).toContain(`local.secretsFile ${missing} does not exist`);
    expect(result.err).toMatch(/secret "(marketo|peoplesoft)" not found: .*; create it, or set \$ML_SECRET_/);
  });

  it('tells secrets set without AWS credentials what to configure', async () => {
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
    Object.assign(env, {
      AWS_PROFILE: 'ml-connector-test-no-such-profile',
      AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [CLI, 'secrets', 'set', '--config', ACME, '--system', 'marketo'], { env }, (error, _out, err) =>
        resolve({ code: error ? Number(error.code) : 0, stderr: err }),
      );
      child.stdin!.end('{"clientId":"abc","clientSecret":"very-secret-value"}\n');
    });
    expect(code).not.toBe(0);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/no AWS credentials found; set AWS_PROFILE .*aws sso login.* or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    expect(stderr).not.toContain('very-secret-value');
  });
});

describe('a relative local.secretsFile', () => {
  it('is read next to the config file, whatever folder the command runs in', async () => {
    const configDir = join(dir, 'customer');
    await mkdir(configDir, { recursive: true });
    await writeFile(
      join(configDir, 'secrets.json'),
      JSON.stringify({ peoplesoft: JSON.stringify({ username: 'ML_INTEGRATION', password: 'sim-password' }) }),
    );
    const path = join(configDir, 'relative-secrets.yaml');
    await writeFile(
      path,
      demoYaml
        .replace(/simulator: true\n/g, 'simulator: false\n')
        .replace('https://hr.demo.example:8443', 'https://hr.acme.invalid')
        .replace('alertEmail', `local: { stateDir: state, secretsFile: secrets.json }\nalertEmail`),
    );
    const config = await loadConfig(path);
    expect(config.local.secretsFile).toBe(join(configDir, 'secrets.json'));
    const secret = await new LocalSecretResolver(config.local.secretsFile, {}).get('peoplesoft');
    expect(secret).toEqual({ username: 'ML_INTEGRATION', password: 'sim-password' });
  });
});
