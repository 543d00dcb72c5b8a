import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/runCli';
import { startPeopleSoftSimulator, type PeopleSoftSimulator } from '../../simulators/peoplesoft';
import { demoYamlHcmOnly } from '../support/factories';

const demoYaml = demoYamlHcmOnly();
// RFC 2606 reserves `.invalid`: these names never resolve, on any network.
const UNRESOLVABLE_PEOPLESOFT = 'https://hr.acme.invalid:8443';
const UNRESOLVABLE_TARGET = 'https://mkto.acme.invalid';

let dir: string;
let peoplesoft: PeopleSoftSimulator;

const secrets = {
  ML_SECRET_PEOPLESOFT: JSON.stringify({ username: 'ML_INTEGRATION', password: 'sim-password' }),
  ML_SECRET_MARKETO: JSON.stringify({ clientId: 'sim-client', clientSecret: 'sim-secret' }),
};

/** The demo config with real (non-simulated) systems at the given addresses. */
async function config(name: string, peoplesoftUrl: string, targetUrl: string): Promise<string> {
  const text = demoYaml
    .replace(/simulator: true\n/g, 'simulator: false\n')
    .replace('https://hr.demo.example:8443', peoplesoftUrl)
    .replace('secret: marketo', `secret: marketo\n    baseUrl: ${targetUrl}`)
    .replace('customer: demo', `customer: ${name}`)
    .replace('alertEmail', `local: { stateDir: ${JSON.stringify(join(dir, name))} }\nalertEmail`)
    // One delivery per message: the failure is the same on every attempt, so the test need not wait for five.
    .replace(/(\n {4}target: marketo\n)/g, '$1    maxReceiveCount: 1\n');
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, text);
  return path;
}

/** A failed command: non-zero, no stack trace or raw resolver error anywhere, the stderr lines returned. */
function expectCleanFailure(result: CliResult): string[] {
  expect(result.code).not.toBe(0);
  expect(result.out + result.err).not.toMatch(/getaddrinfo|unexpected error|\n\s+at /);
  return result.err.split('\n').filter((line) => line.trim() !== '');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ml-connector-dns-'));
  peoplesoft = await startPeopleSoftSimulator({ employees: 5 });
});
afterAll(async () => {
  await peoplesoft.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('an unresolvable host', () => {
  it('stops sync with one classified line naming the PeopleSoft host', async () => {
    const path = await config('dns-source', UNRESOLVABLE_PEOPLESOFT, 'https://127.0.0.1:9');
    const result = await runCli(['sync', '--config', path, '--flow', 'companies-to-marketo'], secrets);
    const lines = expectCleanFailure(result);
    // One line carries the classified failure: system, operation, what happened, what to do.
    const failure = lines.filter((line) => line.includes('hr.acme.invalid'));
    expect(failure).toEqual([
      'companies-to-marketo: peoplesoft: GET /PSIGW/RESTListeningConnector/PSFT_HR/ML_COMPANIES_GET.v1: host hr.acme.invalid not found (DNS) — check the host name in the config',
    ]);
  });

  it('dead-letters every record of a sync with the DNS reason in its audit trail, and fails the command', async () => {
    const path = await config('dns-target', peoplesoft.url, UNRESOLVABLE_TARGET);
    const result = await runCli(['sync', '--config', path, '--flow', 'companies-to-marketo'], secrets);
    const lines = expectCleanFailure(result);
    expect(lines.join('\n')).toMatch(/companies-to-marketo: 8 record\(s\) dead-lettered/);
    expect(result.out).toMatch(/dead-lettered\s+8\b/);

    const audit = await runCli(['audit', '--config', path, '--key', 'ACM'], secrets);
    expect(audit.code).toBe(0);
    expect(audit.out).toMatch(/dead-lettered .*marketo: .*host mkto\.acme\.invalid not found \(DNS\) — check the host name in the config/);
  });

  it('fails the target checks of ping with the classified DNS message', async () => {
    const path = await config('dns-ping', peoplesoft.url, UNRESOLVABLE_TARGET);
    const result = await runCli(['ping', '--config', path], secrets);
    expect(result.code).not.toBe(0);
    expect(result.out).toMatch(/FAIL marketo.*: marketo: .* host mkto\.acme\.invalid not found \(DNS\) — check the host name in the config/);
    expect(result.out).not.toContain('getaddrinfo');
  });
});
