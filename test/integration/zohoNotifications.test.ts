import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerConfig } from '../../shared/config';
import type { TargetConnector } from '../../shared/connectors';
import { LocalSession, startFrontDoorServer, type FrontDoorServer } from '../../shared/local';
import { startZohoSimulator, type ZohoSimulator } from '../../simulators/zoho';
import { demoConfig, withoutTarget } from '../support/factories';

/** The demo without its Procore part (whose hook would need a secret of its own). */
const withoutProcore = (yaml: string): string => ['procore', 'peoplesoft-ci'].reduce(withoutTarget, yaml);

// F7 on the demo config: the zoho-changes pushed source (channel token, ids fetched from Zoho)
// feeding zoho-changes-to-audit, against the Zoho simulator, the embedded SQS and DynamoDB.
const SOURCE = 'zoho-changes';
const FLOW = 'zoho-changes-to-audit';
const TOKEN = 'zoho-channel-token-for-tests-0001';
const env = { ML_SECRET_ZOHO_NOTIFICATIONS: JSON.stringify({ token: TOKEN }) };

async function seed(connector: TargetConnector): Promise<{ account: string; contacts: string[] }> {
  const [account] = await connector.write('Accounts', 'upsert', [
    { ref: 'a', key: 'V-1', payload: { Account_Name: 'Acme Steel', Vendor_ID: 'V-1' } },
  ]);
  const contacts = await connector.write('Contacts', 'upsert', [
    { ref: 'c1', key: 'pat@acme.example', payload: { Email: 'pat@acme.example', Employee_ID: 'E1', Last_Name: 'Lee', First_Name: 'Pat', Title: 'Estimator', Account_Name: 'V-1' } },
    { ref: 'c2', key: 'sam@acme.example', payload: { Email: 'sam@acme.example', Employee_ID: 'E2', Last_Name: 'Roe', First_Name: 'Sam', Title: 'Buyer', Account_Name: 'V-1' } },
  ]);
  return { account: account!.targetId!, contacts: contacts.map((result) => result.targetId!) };
}

describe('Zoho notifications into the audit log (F7)', () => {
  let config: CustomerConfig;
  let session: LocalSession;
  let server: FrontDoorServer;
  let zoho: ZohoSimulator;
  let ids: { account: string; contacts: string[] };

  const post = (body: unknown) =>
    fetch(`${server.url}/webhooks/${SOURCE}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const settled = async () => {
    await zoho.idle();
    await server.idle();
  };
  const trail = async (id: string) => (await session.store.auditTrail(`Contacts|${id}`)).filter((row) => row.flow === FLOW);

  beforeAll(async () => {
    config = demoConfig(withoutProcore);
    session = await LocalSession.open({ config, stateDir: null, env });
    zoho = session.simulators.targets!.zoho as ZohoSimulator;
    server = await startFrontDoorServer({ session, port: 0 });
    ids = await seed(await session.connector('zoho'));
    const [renewed] = await session.subscribe(`${server.url}/webhooks`);
    expect(renewed).toMatchObject({ source: SOURCE, target: 'zoho' });
    expect(renewed!.changes[0]).toMatch(/^enabled channel \d+ \(Contacts\.create, Contacts\.edit, Contacts\.delete, Accounts\.create/);
  });
  afterAll(async () => {
    await server?.close();
    await session?.close();
  });

  it('subscribes a channel that delivers to the front door with the token, never printing it', () => {
    const [channel] = [...zoho.channels.values()];
    expect(channel).toMatchObject({ token: TOKEN, notifyUrl: `${server.url}/webhooks/${SOURCE}` });
    expect(JSON.stringify(zoho.calls)).not.toContain(TOKEN);
  });

  it('fetches the records a notification names and audits them with their fields', async () => {
    await zoho.editRecord('Contacts', ids.contacts[0]!, { Title: 'Chief Estimator' });
    await settled();
    expect(zoho.deliveries.at(-1)).toMatchObject({ status: 202, body: { module: 'Contacts', ids: [ids.contacts[0]], operation: 'update' } });
    const written = (await trail(ids.contacts[0]!)).filter((row) => row.event === 'written');
    expect(written).toHaveLength(1);
    expect(JSON.parse(written[0]!.note!)).toMatchObject({
      id: ids.contacts[0],
      email: 'pat@acme.example',
      first: 'Pat',
      title: 'Chief Estimator',
      account: { id: ids.account },
    });
    // Read by id with the fields Zoho describes, one credit each.
    expect(zoho.calls.some((call) => call.method === 'GET' && call.path === '/crm/v8/Contacts' && call.status === 200)).toBe(true);
  });

  it('audits a repeated notification once: the same delivery again, and a new one about the unchanged record', async () => {
    const last = zoho.deliveries.at(-1)!;
    const again = await post(last.body);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'duplicate', queued: 0 });
    await zoho.simulateChange('Contacts', 'update', [ids.contacts[0]!]);
    await settled();
    const rows = await trail(ids.contacts[0]!);
    expect(rows.filter((row) => row.event === 'written')).toHaveLength(1);
    expect(rows.filter((row) => row.event === 'skipped-unchanged')).toHaveLength(1);
  });

  it('refuses a notification with a forged token: 401, nothing queued or audited', async () => {
    const before = (await trail(ids.contacts[1]!)).length;
    const forged = await post({ ...zoho.deliveries.at(-1)!.body, ids: [ids.contacts[1]], token: 'not-the-channel-token' });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toEqual({ error: 'zoho-changes: channel token at token does not match' });
    await server.idle();
    expect(await trail(ids.contacts[1]!)).toHaveLength(before);
    expect(await session.queue(session.flow(FLOW)).depth('queue')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('audits an id Zoho no longer has as gone, and deletes what was audited of it', async () => {
    await zoho.editRecord('Contacts', ids.contacts[1]!, { Title: 'Senior Buyer' });
    await settled();
    await zoho.deleteRecord('Contacts', ids.contacts[1]!);
    await settled();
    const rows = await trail(ids.contacts[1]!);
    expect(rows.find((row) => row.event === 'gone')?.reason).toContain(`zoho has no Contacts ${ids.contacts[1]} any more`);
    expect(rows.filter((row) => row.event === 'written').map((row) => row.outcome).sort()).toEqual(['created', 'deleted']);
  });

  it('catches on the reconciliation poll a change whose notification never came', async () => {
    await zoho.editRecord('Contacts', ids.contacts[0]!, { Department: 'Procurement' }, { notify: false });
    await settled();
    expect((await trail(ids.contacts[0]!)).filter((row) => row.event === 'written')).toHaveLength(1);
    const result = await session.reconcile(SOURCE);
    expect(result.objects.find((entry) => entry.object === 'Contacts')!.queued).toBeGreaterThanOrEqual(1);
    const written = (await trail(ids.contacts[0]!)).filter((row) => row.event === 'written');
    expect(written).toHaveLength(2);
    expect(JSON.parse(written.at(-1)!.note!)).toMatchObject({ department: 'Procurement' });
    // The next poll starts at its cursor: nothing new, nothing written twice.
    await session.reconcile(SOURCE);
    expect((await trail(ids.contacts[0]!)).filter((row) => row.event === 'written')).toHaveLength(2);
  });
});

describe('the Zoho channel over a day of renewals', () => {
  let t = Date.parse('2026-03-02T08:00:00Z');
  const now = () => t;
  let simulator: ZohoSimulator;
  let session: LocalSession;
  let server: FrontDoorServer;

  beforeAll(async () => {
    simulator = await startZohoSimulator({ now });
    session = await LocalSession.open({ config: demoConfig(withoutProcore), stateDir: null, env, simulators: { targets: { zoho: simulator } } });
    server = await startFrontDoorServer({ session, port: 0, drain: false });
    await seed(await session.connector('zoho'));
  });
  afterAll(async () => {
    await server?.close();
    await session?.close();
    await simulator?.stop();
  });

  it('is renewed every 30 minutes to last an hour, so it never lapses; unrenewed, it goes silent', async () => {
    const url = `${server.url}/webhooks`;
    const [first] = await session.subscribe(url, () => new Date(t));
    const channel = () => simulator.channels.get(first!.id)!;
    expect(channel().expiresAt).toBe(t + 3_600_000);
    for (let step = 1; step <= 48; step += 1) {
      t += 30 * 60_000 - 1_000; // the scheduler fires a little early or late; the channel still has half an hour
      expect(channel().expiresAt).toBeGreaterThan(t);
      const delivered = simulator.deliveries.length;
      await simulator.simulateChange('Contacts', 'update', ['5725767000000100002']);
      expect(simulator.deliveries.length).toBe(delivered + 1);
      expect(simulator.deliveries.at(-1)!.status).toBe(202);
      const [renewed] = await session.subscribe(url, () => new Date(t));
      expect(renewed!.changes[0]).toMatch(/^renewed channel/);
    }
    expect(simulator.channels.size).toBe(1);
    // Without the renewals the channel lapses after its hour and Zoho stops delivering.
    t += 3_600_000;
    const delivered = simulator.deliveries.length;
    await simulator.simulateChange('Contacts', 'update', ['5725767000000100002']);
    expect(simulator.deliveries.length).toBe(delivered);
  });
});
