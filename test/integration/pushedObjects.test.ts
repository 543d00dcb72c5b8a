import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerConfig } from '../../shared/config';
import { LocalSession, startFrontDoorServer, type FrontDoorServer } from '../../shared/local';
import { type ZohoSimulator } from '../../simulators/zoho';
import { demoConfig, withoutTarget } from '../support/factories';

/** The demo without its Procore part (whose hook would need a secret of its own). */
const withoutProcore = (yaml: string): string => ['procore', 'peoplesoft-ci'].reduce(withoutTarget, yaml);

// One pushed source feeding two push-only flows, each taking its own objects of it
// (`push: { source, objects }`), with no PeopleSoft source entity on either flow.
const SOURCE = 'zoho-changes';
const TOKEN = 'zoho-channel-token-for-tests-0002';
const env = { ML_SECRET_ZOHO_NOTIFICATIONS: JSON.stringify({ token: TOKEN }) };


describe('a pushed source feeding flows by object', () => {
  let config: CustomerConfig;
  let session: LocalSession;
  let server: FrontDoorServer;
  let zoho: ZohoSimulator;

  beforeAll(async () => {
    const demo = demoConfig(withoutProcore);
    const audited = demo.flows.find((flow) => flow.push === SOURCE)!;
    config = {
      ...demo,
      flows: [
        ...demo.flows.filter((flow) => flow !== audited),
        { ...audited, name: 'contacts-changes', push: { source: SOURCE, objects: ['Contacts'] } },
        { ...audited, name: 'accounts-changes', push: { source: SOURCE, objects: ['Accounts'] } },
      ],
    };
    session = await LocalSession.open({ config, stateDir: null, env });
    zoho = session.simulators.targets!.zoho as ZohoSimulator;
    server = await startFrontDoorServer({ session, port: 0 });
    await session.subscribe(`${server.url}/webhooks`);
  });
  afterAll(async () => {
    await server?.close();
    await session?.close();
  });

  it('queues each delivered record only to the flow that takes its object', async () => {
    const connector = await session.connector('zoho');
    const [account] = await connector.write('Accounts', 'upsert', [{ ref: 'a', key: 'V-9', payload: { Account_Name: 'Bolt Works', Vendor_ID: 'V-9' } }]);
    const [contact] = await connector.write('Contacts', 'upsert', [
      { ref: 'c', key: 'kim@bolt.example', payload: { Email: 'kim@bolt.example', Employee_ID: 'E9', Last_Name: 'Kim', Account_Name: 'V-9' } },
    ]);
    await zoho.idle();
    await server.idle();

    const flowsOf = async (sourceId: string) =>
      [...new Set((await session.store.auditTrail(sourceId)).filter((row) => row.event === 'written').map((row) => row.flow))];
    expect(await flowsOf(`Contacts|${contact!.targetId}`)).toEqual(['contacts-changes']);
    expect(await flowsOf(`Accounts|${account!.targetId}`)).toEqual(['accounts-changes']);
  });
});
