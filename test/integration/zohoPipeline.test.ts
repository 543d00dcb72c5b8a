import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlowQueue } from '../../shared/aws';
import { DynamoTokenStore } from '../../shared/auth';
import { ZohoConnector, zohoSettingsSchema } from '../../shared/connectors/zoho';
import { inProcessLimiters } from '../../shared/limits';
import { LocalAws, LocalSession } from '../../shared/local';
import { MemoryAlerter, writeBatch } from '../../shared/pipeline';
import { StateStore } from '../../shared/state';
import { startPeopleSoftSimulator, type PeopleSoftSimulator } from '../../simulators/peoplesoft';
import { ZOHO_SIMULATOR_CREDENTIALS, startZohoSimulator, type ZohoSimulator } from '../../simulators/zoho';
import { demoConfig, employee, envelopeOf, messageOf } from '../support/factories';

describe('demo flows F6 then F5 through the local pipeline', () => {
  let session: LocalSession;
  let zoho: ZohoSimulator;
  let peoplesoft: PeopleSoftSimulator;
  beforeAll(async () => {
    zoho = await startZohoSimulator();
    peoplesoft = await startPeopleSoftSimulator({ employees: 300 });
    session = await LocalSession.open({ config: demoConfig(), stateDir: null, simulators: { peoplesoft, targets: { zoho } } });
  });
  afterAll(async () => {
    await session?.close();
    await zoho?.stop();
    await peoplesoft?.stop();
  });

  it('writes companies as Accounts, then employees as Contacts linked to their account by id', async () => {
    const accounts = await session.sync('companies-to-zoho');
    const employees = await session.sync('employees-to-zoho');

    expect(accounts.deadLettered ?? 0).toBe(0);
    expect(employees.created ?? 0).toBeGreaterThan(0);
    const accountIds = new Set(zoho.records.get('Accounts')!.keys());
    const contacts = [...zoho.records.get('Contacts')!.values()];
    expect(contacts.length).toBe(employees.created);
    const linked = contacts.filter((contact) => accountIds.has((contact['Account_Name'] as { id?: string } | undefined)?.id ?? ''));
    expect(linked.length).toBe(contacts.filter((contact) => contact['Account_Name'] !== undefined).length);
    expect(contacts.every((contact) => ['Active', 'Terminated'].includes(String(contact['Employment_Status'])))).toBe(true);
    // Every upsert carried at most 100 records, and the whole sync issued one access token.
    expect(Math.max(...zoho.calls.map((call) => call.records ?? 0))).toBeLessThanOrEqual(100);
    expect(zoho.tokensIssued).toBe(1);
  });

  it('writes VENDOR_CI vendors as Accounts with classification, address and payment terms', async () => {
    const vendors = await session.sync('vendors-to-zoho');

    expect(vendors.created ?? 0).toBeGreaterThan(0);
    const written = [...zoho.records.get('Accounts')!.values()].filter((account) => String(account['Vendor_ID']).startsWith('VENDOR-'));
    expect(written).toHaveLength(vendors.created!);
    expect(written[0]).toMatchObject({ Account_Type: 'Vendor', Payment_Terms: expect.any(String), Industry: expect.any(String), Billing_City: expect.any(String) });
  });
});

describe('writer: Zoho credits used up', () => {
  let aws: LocalAws;
  let zoho: ZohoSimulator;
  beforeAll(async () => {
    aws = await LocalAws.start({});
    await aws.provision(demoConfig());
    zoho = await startZohoSimulator({ credits: 1000 });
  });
  afterAll(async () => {
    await zoho?.stop();
    await aws?.stop();
  });

  it('parks the work with one alert and nothing dead-lettered, then resumes on its own once credits return', async () => {
    const config = demoConfig();
    const flow = config.flows.find((candidate) => candidate.name === 'employees-to-zoho')!;
    const tableName = aws.tableName(config);
    let at = Date.parse('2026-03-04T15:00:00Z');
    const now = (): Date => new Date(at);
    const connector = new ZohoConnector({
      settings: zohoSettingsSchema.parse({ ...config.targets['zoho'], baseUrl: zoho.url, accountLookup: { field: 'Account_Name', by: 'Vendor_ID' } }),
      credentials: ZOHO_SIMULATOR_CREDENTIALS,
      hostPolicy: { allowLoopback: true, allowPrivate: false },
      limiters: inProcessLimiters({ now: () => at }),
      tokenStores: ({ system, account }) => new DynamoTokenStore({ client: aws.dynamo, tableName, system, account }),
      now,
    });
    const store = new StateStore({ client: aws.dynamo, tableName, auditRetentionDays: 30, now });
    const queue = new FlowQueue({ client: aws.sqs, ...aws.flowQueues(flow.name) });
    const alerts = new MemoryAlerter();
    const deps = { flow, connector, store, queue, alerts, now, sleep: async () => undefined };
    const people = [employee({ COMPANY: undefined }), employee({ COMPANY: undefined })];
    const batch = () => people.map((person) => messageOf(envelopeOf(flow, person)));

    zoho.setCreditsRemaining(0);
    const first = await writeBatch(batch(), deps);
    at += 60_000;
    const second = await writeBatch(batch(), deps);

    expect(first.counters.parked).toBe(2);
    expect(first.counters.deadLettered ?? 0).toBe(0);
    expect(second.counters.created ?? 0).toBe(0);
    expect(alerts.raised.map((alert) => alert.subject)).toEqual(['zoho daily API quota exhausted']);
    expect(zoho.records.get('Contacts')!.size).toBe(0);

    zoho.restoreCredits();
    at += 60 * 60_000;
    const resumed = await writeBatch(batch(), deps);

    expect(resumed.counters.created).toBe(2);
    expect(alerts.raised).toHaveLength(1);
    const trail = await store.auditTrail(String(people[0]!.EMPLID));
    expect(trail.map((row) => row.event)).toEqual(expect.arrayContaining(['parked', 'written']));
  });
});
