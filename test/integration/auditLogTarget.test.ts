import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../shared/config';
import { startFrontDoorServer, type FrontDoorServer } from '../../shared/cli/commands/serve';
import { LocalSession } from '../../shared/local';
import { startMarketoSimulator, type MarketoSimulator } from '../../simulators/marketo';
import { employee } from '../support/factories';
import { PUSHED_SECRET_ENV, PUSHED_SOURCE, pushedDemoConfig, signedDelivery } from '../support/pushedDeliveries';

const FLOW = 'hr-events-to-audit';
let session: LocalSession;
let server: FrontDoorServer;
let marketo: MarketoSimulator;

beforeAll(async () => {
  // The demo's signed webhook also feeds a flow whose target is the audit log.
  const input = structuredClone(pushedDemoConfig(4096)) as unknown as Record<string, unknown> & {
    targets: Record<string, unknown>;
    flows: Array<Record<string, unknown>>;
  };
  input.targets.audit = { noteMaxChars: 200 };
  input.flows.push({
    name: FLOW,
    source: 'employees',
    target: 'audit',
    push: PUSHED_SOURCE,
    schedule: { cron: '0 3 * * ? *' },
    objects: [{ object: 'events', mapping: { id: 'EMPLID', title: 'JOBTITLE', status: 'EMPL_STATUS' } }],
  });
  const config = validateConfig(input, 'audit flow config');
  marketo = await startMarketoSimulator({});
  session = await LocalSession.open({ config, stateDir: null, env: PUSHED_SECRET_ENV, simulators: { targets: { marketo } } });
  server = await startFrontDoorServer({ session, port: 0 });
});
afterAll(async () => {
  await server?.close();
  await session?.close();
  await marketo?.stop();
});

describe('the audit log as a target', () => {
  it('records what each pushed event said in the audit trail, with no external call', async () => {
    const person = employee({ JOBTITLE: 'Estimator', LASTUPDDTTM: '2026-04-01T09:00:00Z' });
    const answer = await fetch(`${server.url}/webhooks/${PUSHED_SOURCE}`, {
      method: 'POST',
      ...signedDelivery('evt-audit-1', [person]),
    });
    await server.idle();

    expect(answer.status).toBe(202);
    const trail = await session.store.auditTrail(String(person.EMPLID));
    const recorded = trail.find((row) => row.flow === FLOW && row.event === 'written');
    expect(recorded).toMatchObject({ object: 'events', outcome: 'created', targetId: String(person.EMPLID) });
    expect(JSON.parse(recorded!.note!)).toEqual({ id: String(person.EMPLID), title: 'Estimator', status: 'A' });
    const [run] = await session.store.latestRuns(FLOW, 1);
    expect(run?.apiCalls ?? 0).toBe(0);
  });
});
