import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoYamlHcmOnly } from '../support/factories';
import { runCli } from '../support/runCli';
import { startMarketoSimulator, type MarketoSimulator } from '../../simulators/marketo';
import { startPeopleSoftSimulator, type PeopleSoftSimulator } from '../../simulators/peoplesoft';

const demoYaml = demoYamlHcmOnly();
let dir: string;
let peoplesoft: PeopleSoftSimulator;
let marketo: MarketoSimulator;

/** A config that points at running simulators as if they were a customer's real systems. */
function realSystemsConfig(edit: (yaml: string) => string = (yaml) => yaml): string {
  return edit(
    demoYaml
      .replace(/simulator: true\n/g, 'simulator: false\n')
      .replace('https://hr.demo.example:8443', peoplesoft.url)
      .replace('secret: marketo', `secret: marketo\n    baseUrl: ${marketo.url}`)
      .replace('customer: demo', 'customer: clitest')
      .replace('alertEmail', `local: { stateDir: ${JSON.stringify(join(dir, 'state'))} }\nalertEmail`),
  );
}

const run = runCli;

async function configFile(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const secrets = {
  ML_SECRET_PEOPLESOFT: JSON.stringify({ username: 'ML_INTEGRATION', password: 'sim-password' }),
  ML_SECRET_MARKETO: JSON.stringify({ clientId: 'sim-client', clientSecret: 'sim-secret' }),
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ml-connector-cli-'));
  peoplesoft = await startPeopleSoftSimulator({ employees: 30, inactiveOperations: ['ML_COMPANIES_GET'] });
  marketo = await startMarketoSimulator({});
});
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  await peoplesoft.stop();
  await marketo.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('ml-connector CLI', () => {
  it('prints its version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const result = await run(['--version']);
    expect(result.code).toBe(0);
    expect(result.out).toBe(version);
  });

  it('fails at start on a bad config, naming the field, with exit code 1', async () => {
    const path = await configFile('bad.yaml', demoYaml.replace('lagSeconds: 0', 'lagSecs: 0'));
    const result = await run(['sync', '--config', path]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('peoplesoft.systems.hcm.lagSecs');
  });

  it('refuses at start what the stack would refuse: a full batch with no batching window', async () => {
    const path = await configFile(
      'window.yaml',
      demoYaml.replace('    target: marketo\n    schedule: { cron: "30 5', '    target: marketo\n    batchingWindowSeconds: 0\n    schedule: { cron: "30 5'),
    );
    const result = await run(['sync', '--config', path, '--dry-run']);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/flows\[1\]\.batchingWindowSeconds: a batch of 300 records needs a batching window of at least 1 s/);
  });

  it('ping tells a bad password apart from an inactive service operation, without printing the password', async () => {
    const path = await configFile('real.yaml', realSystemsConfig());
    const wrong = await run(['ping', '--config', path], {
      ...secrets,
      ML_SECRET_PEOPLESOFT: JSON.stringify({ username: 'ML_INTEGRATION', password: 'not-the-password' }),
    });
    expect(wrong.code).toBe(1);
    expect(wrong.out).toMatch(/FAIL peoplesoft credentials: .*password/i);
    expect(wrong.out + wrong.err).not.toContain('not-the-password');

    const inactive = await run(['ping', '--config', path], secrets);
    expect(inactive.out).toMatch(/ok {3}peoplesoft credentials/);
    expect(inactive.out).toMatch(/FAIL peoplesoft operation companies .*activate/i);
    expect(inactive.out).toMatch(/ok {3}marketo/);
  });

  it('ping names a wrong node name as such', async () => {
    const path = await configFile('node.yaml', realSystemsConfig((yaml) => yaml.replace('node: PSFT_HR', 'node: PSFT_EP')));
    const result = await run(['ping', '--config', path], secrets);
    expect(result.out).toMatch(/FAIL peoplesoft operation employees .*node/i);
  });

  it('says which environment variable a missing secret is read from', async () => {
    const path = await configFile('nosecret.yaml', realSystemsConfig());
    const result = await run(['sync', '--config', path, '--flow', 'companies-to-marketo'], { ML_SECRET_MARKETO: secrets.ML_SECRET_MARKETO });
    expect(result.code).toBe(1);
    expect(result.err).toContain('ML_SECRET_PEOPLESOFT');
  });

  it('syncs, keeps state on disk so the second run reads only changes, and reports status and audit', async () => {
    const path = await configFile('sync.yaml', realSystemsConfig());
    const first = await run(['sync', '--config', path, '--flow', 'employees-to-marketo'], secrets);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/read\s+30\n/);

    const [id] = peoplesoft.employeeIds(1);
    const dryRunBefore = await run(['sync', '--config', path, '--flow', 'employees-to-marketo', '--dry-run'], secrets);
    expect(dryRunBefore.out).toMatch(/leads: 0 creates, 0 updates/);
    peoplesoft.changeTitle(id!, 'Controller');
    await new Promise((resolve) => setTimeout(resolve, 1100));

    const callsBefore = marketo.calls();
    const dryRun = await run(['sync', '--config', path, '--flow', 'employees-to-marketo', '--dry-run'], secrets);
    expect(dryRun.out).toMatch(/leads: 0 creates, 1 updates, 0 deletes if present/);
    expect(dryRun.out).toContain('"title":"Controller"');
    expect(marketo.calls()).toBe(callsBefore); // a dry run writes nothing

    const second = await run(['sync', '--config', path, '--flow', 'employees-to-marketo'], secrets);
    expect(second.out).toMatch(/read\s+1\n/);
    expect(marketo.lead(String(peoplesoft.employee(id!)!.EMAIL_ADDR))?.fields.title).toBe('Controller');

    const status = await run(['status', '--config', path], secrets);
    expect(status.out).toMatch(/employees-to-marketo\n\s+cursor\s+20\d\d-/);
    expect(status.out).toMatch(/dead letters 0/);
    // Both runs, newest first: the second (one record) does not hide the first (all 30).
    expect(status.out).toMatch(/recent runs .*\n +poll +\S+ +complete; read 1, .*\n +poll +\S+ +complete; read 30, /);

    const audit = await run(['audit', '--config', path, '--key', id!], secrets);
    expect(audit.out.match(/written/g)?.length).toBeGreaterThanOrEqual(3);
  });

  it('counts deletes of records the target no longer has apart from the target writes', async () => {
    const absent = (url: string): string =>
      realSystemsConfig((yaml) => yaml.replace('customer: clitest', 'customer: clitestabsent').replace(marketo.url, url));
    const first = await configFile('absent.yaml', absent(marketo.url));
    expect((await run(['sync', '--config', first, '--flow', 'employees-to-marketo'], secrets)).code).toBe(0);
    // The leaver's sales person was written, then the target lost it (deleted by hand, a sandbox refresh).
    const leaver = peoplesoft.employeeIds().find((id) => peoplesoft.employee(id)!.EMPL_STATUS === 'A')!;
    peoplesoft.terminate(leaver);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const fresh = await startMarketoSimulator({});
    cleanups.push(() => fresh.stop());
    const path = await configFile('absent.yaml', absent(fresh.url));
    const dryRun = await run(['sync', '--config', path, '--flow', 'employees-to-marketo', '--dry-run'], secrets);
    expect(dryRun.out).toMatch(/salespersons: 0 creates, 0 updates, 1 deletes if present/);
    expect(dryRun.out).not.toMatch(/\d+ deletes,/);
    const sync = await run(['sync', '--config', path, '--flow', 'employees-to-marketo'], secrets);
    const [, total, created, updated] = /target writes +(\d+) +\(created (\d+) \/ updated (\d+) \/ deleted 0\)/.exec(sync.out)!.map(Number);
    expect(total).toBe(created! + updated!); // the delete that found nothing is not among the writes
    expect(sync.out).toMatch(/already absent +1 /);
    const status = await run(['status', '--config', path], secrets);
    expect(status.out).toMatch(/poll .*deleted 0, already absent 1,/);
  });
});
