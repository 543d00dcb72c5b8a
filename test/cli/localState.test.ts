import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/runCli';
import { spawnCli } from '../support/spawnCli';

const demoYaml = readFileSync(new URL('../../customers/demo.yaml', import.meta.url), 'utf8');
let dir: string;
let configs = 0;

/** A demo config (simulators only) of its own customer, in a folder of its own. */
async function config(local = ''): Promise<{ path: string; folder: string; customer: string }> {
  configs += 1;
  const customer = `state${configs}`;
  const folder = join(dir, `config-${configs}`);
  await mkdir(folder, { recursive: true });
  const path = join(folder, 'customer.yaml');
  await writeFile(path, demoYaml.replace('customer: demo', `customer: ${customer}`).replace('alertEmail', `${local}alertEmail`));
  return { path, folder, customer };
}

/** A process id nobody runs any more. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ml-connector-state-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('local state shared between commands', () => {
  it('serves status and audit while `run` holds the state, and tells a second writer who holds it', async () => {
    const { path, folder, customer } = await config();
    const first = await runCli(['sync', '--config', path, '--flow', 'companies-to-marketo']);
    expect(first.code).toBe(0);

    const holder = spawnCli(['run', '--config', path]);
    try {
      await holder.waitForOut(/next runs at/);

      const status = await spawnCli(['status', '--config', path]).exited;
      expect(status.code).toBe(0);
      expect(status.out).toMatch(/companies-to-marketo\n/);
      expect(status.out).toMatch(/poll +\S+ +complete; read 8, enqueued 8, created 8/);

      const audit = await spawnCli(['audit', '--config', path, '--key', 'ACM']).exited;
      expect(audit.code).toBe(0);
      expect(audit.out).toMatch(/audit trail of ACM\n(.*\n)*.*companies-to-marketo +written +companies created/);

      const second = await spawnCli(['sync', '--config', path, '--flow', 'companies-to-marketo']).exited;
      expect(second.code).toBe(5);
      expect(second.err).toContain(`in use by process ${holder.child.pid} (ml-connector run --config ${path}) since 20`);
      expect(second.out).toBe('');
    } finally {
      holder.child.kill('SIGTERM');
    }
    expect((await holder.exited).code).toBe(0);
    expect(existsSync(join(folder, '.ml-connector', customer, 'holder.json'))).toBe(false);

    const after = await runCli(['sync', '--config', path, '--flow', 'companies-to-marketo']);
    expect(after.code).toBe(0);
    expect(after.out).toMatch(/read\s+0\n/); // the cursor the first sync left, through every process
  });

  it('takes over the lock of a process that died', async () => {
    const { path, folder, customer } = await config();
    const state = join(folder, '.ml-connector', customer);
    await mkdir(state, { recursive: true });
    const stale = { pid: deadPid(), command: 'ml-connector sync', since: '2026-01-01T00:00:00.000Z', access: 'write', endpoints: { sqs: 'http://127.0.0.1:9', dynamodb: 'http://127.0.0.1:9' } };
    await writeFile(join(state, 'holder.json'), JSON.stringify(stale));

    const sync = await runCli(['sync', '--config', path, '--flow', 'companies-to-marketo']);
    expect(sync.err).toBe('');
    expect(sync.code).toBe(0);
    expect(sync.out).toMatch(/created 8/);
    expect(existsSync(join(state, 'holder.json'))).toBe(false);
  });

  it('keeps the state next to the config file, wherever the command is run from', async () => {
    const { path, folder, customer } = await config();
    const elsewhere = await mkdtemp(join(dir, 'shell-'));
    const sync = spawnCli(['sync', '--config', path, '--flow', 'companies-to-marketo'], { cwd: elsewhere });
    expect((await sync.exited).code).toBe(0);
    expect(existsSync(join(folder, '.ml-connector', customer, 'dynamodb'))).toBe(true);

    const status = await spawnCli(['status', '--config', path], { cwd: await mkdtemp(join(dir, 'shell-')) }).exited;
    expect(status.out).toMatch(/poll +\S+ +complete; read 8/);
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it('resolves an absolute local.stateDir as given', async () => {
    const absolute = join(dir, 'absolute-state');
    const { path, customer } = await config(`local: { stateDir: ${JSON.stringify(absolute)} }\n`);
    expect((await runCli(['sync', '--config', path, '--flow', 'companies-to-marketo'])).code).toBe(0);
    expect(existsSync(join(absolute, customer, 'dynamodb'))).toBe(true);
  });

  it('creates no state folder for a dry run or a status of a customer that never synced', async () => {
    const { path, folder } = await config();
    const dryRun = await runCli(['sync', '--config', path, '--flow', 'companies-to-marketo', '--dry-run']);
    expect(dryRun.code).toBe(0);
    expect(dryRun.out).toMatch(/companies: 8 creates, 0 updates, 0 deletes if present/);
    const status = await runCli(['status', '--config', path]);
    expect(status.out).toMatch(/recent runs +none yet/);
    expect(existsSync(join(folder, '.ml-connector'))).toBe(false);
  });
});

describe('output to pipes', () => {
  it('finishes quietly when the reader of its output has gone (status | head)', async () => {
    const { path } = await config();
    const status = await spawnCli(['status', '--config', path], { closeStdout: true }).exited;
    expect(status.err).not.toMatch(/EPIPE|Error/);
    expect(status.code).toBe(0);
  });

  it('prints progress as plain lines when stderr is not a terminal', async () => {
    const { path } = await config();
    const sync = await spawnCli(['sync', '--config', path, '--flow', 'companies-to-marketo']).exited;
    expect(sync.code).toBe(0);
    expect(sync.err).not.toContain('\r');
    expect(sync.out).not.toContain('\r');
  });
});
