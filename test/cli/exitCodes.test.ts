import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoYamlHcmOnly, withoutTarget } from '../support/factories';
import { runCli } from '../support/runCli';
import { startMarketoSimulator, type MarketoSimulator } from '../../simulators/marketo';
import { startPeopleSoftSimulator, type PeopleSoftSimulator } from '../../simulators/peoplesoft';

// Marketo is the target these tests point at real simulators.
const demoYaml = withoutTarget(demoYamlHcmOnly(), 'zoho');
let dir: string;
let peoplesoft: PeopleSoftSimulator;
let marketo: MarketoSimulator;
let configs = 0;

const secrets = {
  ML_SECRET_PEOPLESOFT: JSON.stringify({ username: 'ML_INTEGRATION', password: 'sim-password' }),
  ML_SECRET_MARKETO: JSON.stringify({ clientId: 'sim-client', clientSecret: 'sim-secret' }),
};

/** A config of its own (customer and state) pointing at the running simulators as real systems. */
async function config(edit: (yaml: string) => string = (yaml) => yaml): Promise<string> {
  configs += 1;
  const path = join(dir, `exit-${configs}.yaml`);
  const yaml = demoYaml
    .replace(/simulator: true\n/g, 'simulator: false\n')
    .replace('https://hr.demo.example:8443', peoplesoft.url)
    .replace('secret: marketo', `secret: marketo\n    baseUrl: ${marketo.url}`)
    .replace('customer: demo', `customer: exit${configs}`)
    .replace('alertEmail', `local: { stateDir: ${JSON.stringify(join(dir, 'state'))} }\nalertEmail`);
  await writeFile(path, edit(yaml));
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ml-connector-exit-'));
  peoplesoft = await startPeopleSoftSimulator({ employees: 12 });
  marketo = await startMarketoSimulator({});
});
afterAll(async () => {
  await peoplesoft.stop();
  await marketo.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('sync exit codes', () => {
  it('exits 0 when every record was written', async () => {
    const result = await runCli(['sync', '--config', await config(), '--flow', 'companies-to-marketo'], secrets);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/created 8/);
  });

  it('exits 3 when a record was rejected at the source or dead-lettered by the target', async () => {
    // Active employees: a record first seen terminated is never written, so never dead-lettered.
    const [badEmail, longTitle] = peoplesoft.employeeIds().filter((id) => peoplesoft.employee(id)!.EMPL_STATUS === 'A');
    peoplesoft.update(badEmail!, { EMAIL_ADDR: 'not-an-address' });
    peoplesoft.changeTitle(longTitle!, 'Chief '.repeat(60)); // Marketo refuses a title over 255 characters
    // The source clock has one-second resolution: a change in the current second is read by the next run.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const result = await runCli(['sync', '--config', await config(), '--flow', 'employees-to-marketo'], secrets);
    expect(result.code).toBe(3);
    expect(result.out).toMatch(/rejected\s+1\n/);
    expect(result.out).toMatch(/dead-lettered\s+1/);
    expect(result.err).toContain('employees-to-marketo: 1 record(s) rejected');
    expect(result.err).toContain('employees-to-marketo: 1 record(s) dead-lettered');
  });

  it('exits 4 when the source refuses the credentials, and still syncs the other flows', async () => {
    const result = await runCli(['sync', '--config', await config()], {
      ...secrets,
      ML_SECRET_PEOPLESOFT: JSON.stringify({ username: 'ML_INTEGRATION', password: 'wrong-password' }),
    });
    expect(result.code).toBe(4);
    expect(result.err).toMatch(/companies-to-marketo: peoplesoft: .*(credentials|password)/i);
    expect(result.err).toMatch(/employees-to-marketo: peoplesoft: /);
    expect(result.out + result.err).not.toContain('wrong-password');
  });

  it('exits 4 when the target refuses the credentials', async () => {
    const result = await runCli(['sync', '--config', await config(), '--flow', 'companies-to-marketo'], {
      ...secrets,
      ML_SECRET_MARKETO: JSON.stringify({ clientId: 'sim-client', clientSecret: 'not-the-secret' }),
    });
    expect(result.code).toBe(4);
    expect(result.err).toMatch(/^companies-to-marketo: /);
    expect(result.out + result.err).not.toContain('not-the-secret');
  });

  it('exits 1 for a flow the config does not have, naming the flows it has', async () => {
    const result = await runCli(['sync', '--config', await config(), '--flow', 'employes-to-marketo'], secrets);
    expect(result.code).toBe(1);
    expect(result.err).toContain('no flow named "employes-to-marketo" (flows: companies-to-marketo, employees-to-marketo)');
  });
});

describe('status after a run that went wrong', () => {
  it('labels a run whose source refused the credentials as failed, with the reason', async () => {
    const path = await config();
    await runCli(['sync', '--config', path, '--flow', 'companies-to-marketo'], secrets);
    const failed = await runCli(['sync', '--config', path, '--flow', 'companies-to-marketo'], {
      ...secrets,
      ML_SECRET_PEOPLESOFT: JSON.stringify({ username: 'ML_INTEGRATION', password: 'wrong-password' }),
    });
    expect(failed.code).toBe(4);
    const status = await runCli(['status', '--config', path], secrets);
    // The failed run first, the good one it must not hide below it.
    expect(status.out).toMatch(/recent runs .*\n +poll +\S+ +failed: .*(credentials|password).*\n +poll +\S+ +complete; read 8,/i);
    expect(status.out).not.toContain('wrong-password');
  });

  it('counts records SQS dead-lettered after every retry failed, in the summary and in status', async () => {
    const path = await config((yaml) =>
      yaml
        .replace(marketo.url, 'http://127.0.0.1:9') // nothing listens there
        .replace('  - name: companies-to-marketo\n', '  - name: companies-to-marketo\n    maxReceiveCount: 1\n'),
    );
    const result = await runCli(['sync', '--config', path, '--flow', 'companies-to-marketo'], secrets);
    expect(result.code).toBe(4);
    expect(result.out).toMatch(/: complete with 8 dead-lettered\n/);
    expect(result.out).toMatch(/dead-lettered +8 +\(dead-letter queue holds 8;/);
    const status = await runCli(['status', '--config', path], secrets);
    expect(status.out).toMatch(/dead letters 8\n/);
    expect(status.out).toMatch(/poll +\S+ +complete with 8 dead-lettered; read 8, .*dead-lettered 8,/);
  });
});
