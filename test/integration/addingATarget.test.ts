import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateConfig } from '../../shared/config';
import { systemSecrets } from '../../shared/cli/commands/secretsSet';
import { targetCatalog, type TargetCatalog } from '../../shared/connectors';
import { ConfigError } from '../../shared/errors';
import { LocalSession } from '../../shared/local';
import { startPeopleSoftSimulator, type PeopleSoftSimulator } from '../../simulators/peoplesoft';
import { toyTarget, type ToySimulator } from '../support/toyTarget';

// The one catalog line a new target needs (here added in the test instead of catalog.ts).
const catalog: TargetCatalog = { ...targetCatalog, toy: toyTarget };

const yaml = (workspace = 'demo'): string => `
customer: toyco
alertEmail: ops@toy.example
peoplesoft:
  simulator: true
  baseUrl: https://hr.toy.example:8443
  node: PSFT_HR
  auth: { kind: basic, secret: peoplesoft }
  lagSeconds: 0
  entities:
    employees:
      operation: ML_EMPLOYEES_GET
      keyFields: [EMPLID]
      fields:
        EMAIL_ADDR: { type: email, required: true }
      lifecycle: {}
targets:
  toy: { simulator: true, secret: toy, workspace: ${workspace} }
flows:
  - name: employees-to-toy
    source: employees
    target: toy
    schedule: { cron: "0 6 * * ? *" }
    objects:
      - object: contacts
        onDeactivate: delete
        mapping:
          email: { from: EMAIL_ADDR, transform: lower }
          name: { template: "{FIRST_NAME} {LAST_NAME}" }
          title: JOBTITLE
`;

function issuesOf(work: () => unknown): Array<{ field: string; message: string }> {
  try {
    work();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  return [];
}

describe('a target added as its own folder plus one catalog line', () => {
  let peoplesoft: PeopleSoftSimulator | undefined;
  let session: LocalSession | undefined;
  afterEach(async () => {
    await session?.close();
    await peoplesoft?.stop();
    session = undefined;
    peoplesoft = undefined;
  });

  it('has its config section validated by its own schema, naming the field', () => {
    expect(validateConfig(parse(yaml()), 'toy.yaml', catalog).targets.toy).toMatchObject({ workspace: 'demo', network: 'public' });
    expect(issuesOf(() => validateConfig(parse(yaml('Not Valid')), 'toy.yaml', catalog))).toEqual([
      { field: 'targets.toy.workspace', message: 'a workspace name in lower-case letters' },
    ]);
    // Without its catalog line, the same config names the section it does not know.
    expect(issuesOf(() => validateConfig(parse(yaml()), 'toy.yaml')).map((issue) => issue.field)).toContain('targets.toy');
  });

  it('gets its secret listed with the fields its definition declares', () => {
    const config = validateConfig(parse(yaml()), 'toy.yaml', catalog);
    expect(systemSecrets(config, catalog)).toContainEqual({ system: 'toy', name: 'toy', fields: ['apiKey'], configField: 'targets.toy.secret' });
  });

  it('syncs through the unchanged pipeline, its simulator started from its own folder', async () => {
    const config = validateConfig(parse(yaml()), 'toy.yaml', catalog);
    peoplesoft = await startPeopleSoftSimulator({ node: 'PSFT_HR', employees: 120 });
    session = await LocalSession.open({ config, stateDir: null, targets: catalog, simulators: { peoplesoft } });
    const toy = session.simulators.targets!.toy as ToySimulator;

    const summary = await session.sync('employees-to-toy');

    const active = peoplesoft.employeeIds().filter((id) => peoplesoft!.employee(id)!.EMPL_STATUS === 'A');
    expect(toy.contacts.size).toBe(active.length);
    const someone = peoplesoft.employee(active[0]!)!;
    expect(toy.contacts.get(String(someone.EMAIL_ADDR).toLowerCase())).toMatchObject({
      name: `${someone.FIRST_NAME} ${someone.LAST_NAME}`,
      title: someone.JOBTITLE,
    });
    expect(toy.batches.every((batch) => batch.length <= 50)).toBe(true);
    expect(summary.created).toBe(active.length);
    const trail = await session.store.auditTrail(String(someone.EMPLID));
    expect(trail).toContainEqual(expect.objectContaining({ event: 'written', object: 'contacts', outcome: 'created' }));

    const again = await session.sync('employees-to-toy', { since: new Date(0) });
    expect(again.apiCalls ?? 0).toBe(0);
  });
});
