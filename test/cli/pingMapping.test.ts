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

const secrets = {
  ML_SECRET_PEOPLESOFT: JSON.stringify({ username: 'ML_INTEGRATION', password: 'sim-password' }),
  ML_SECRET_MARKETO: JSON.stringify({ clientId: 'sim-client', clientSecret: 'sim-secret' }),
};

async function ping(name: string, edit: (yaml: string) => string) {
  const path = join(dir, `${name}.yaml`);
  const yaml = demoYaml
    .replace(/simulator: true\n/g, 'simulator: false\n')
    .replace('https://hr.demo.example:8443', peoplesoft.url)
    .replace('secret: marketo', `secret: marketo\n    baseUrl: ${marketo.url}`)
    .replace('customer: demo', `customer: ping${name}`)
    .replace('alertEmail', `local: { stateDir: ${JSON.stringify(join(dir, 'state'))} }\nalertEmail`);
  await writeFile(path, edit(yaml));
  return runCli(['ping', '--config', path], secrets);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ml-connector-ping-'));
  peoplesoft = await startPeopleSoftSimulator({ employees: 40 });
  // This instance has one custom lead field, as a customer's Marketo would.
  marketo = await startMarketoSimulator({ customLeadFields: ['peopleSoftId'] });
});
afterAll(async () => {
  await peoplesoft.stop();
  await marketo.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('ping checks the mapping against both ends', () => {
  it('passes a mapping whose every field exists, including a custom field the instance describes', async () => {
    const result = await ping('good', (yaml) => yaml.replace('          leadSource:', '          peopleSoftId: EMPLID\n          leadSource:'));
    expect(result.code).toBe(0);
    expect(result.out).toContain('ok   marketo mapping employees-to-marketo → leads: 9 mapped fields exist in marketo leads');
    expect(result.out).toMatch(/ok {3}peoplesoft mapping employees-to-marketo ← employees: all 8 mapped source fields present in \d+ sampled records/);
  });

  it('fails on a target field the target does not have, naming flow, object and field', async () => {
    const result = await ping('target', (yaml) => yaml.replace('          department: DEPT_DESCR', '          departmnt: DEPT_DESCR'));
    expect(result.code).toBe(1);
    expect(result.out).toContain(
      'FAIL marketo mapping employees-to-marketo → leads: flow employees-to-marketo maps field "departmnt", which marketo leads does not have',
    );
    expect(result.out).toContain('ok   marketo mapping employees-to-marketo → salespersons');
  });

  it('fails on a company field only leads have', async () => {
    const result = await ping('company', (yaml) => yaml.replace('          mainPhone: PHONE', '          title: PHONE'));
    expect(result.out).toContain('FAIL marketo mapping companies-to-marketo → companies: flow companies-to-marketo maps field "title", which marketo companies does not have');
  });

  it('reports a source field no sampled record carries (a typo)', async () => {
    const result = await ping('source', (yaml) => yaml.replace('title: JOBTITLE', 'title: JOB_TITLE'));
    expect(result.code).toBe(1);
    expect(result.out).toMatch(
      /FAIL peoplesoft mapping employees-to-marketo ← employees: flow employees-to-marketo maps JOB_TITLE \(to leads\.title\), which none of \d+ sampled employees records carries/,
    );
    expect(result.out).toContain('ok   marketo mapping employees-to-marketo → leads');
  });
});
