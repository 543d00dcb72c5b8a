import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlowQueue } from '../../shared/aws';
import { DynamoTokenStore } from '../../shared/auth';
import { resourceNames } from '../../shared/config';
import { TargetAction } from '../../shared/connectors';
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

describe('writer: a contact whose account is not in Zoho yet', () => {
  let aws: LocalAws;
  let zoho: ZohoSimulator;
  beforeAll(async () => {
    aws = await LocalAws.start({});
    await aws.provision(demoConfig());
    zoho = await startZohoSimulator();
  });
  afterAll(async () => {
    await zoho?.stop();
    await aws?.stop();
  });

  it('waits on the queue past maxReceiveCount, audited once and never dead-lettered, then is written with its account {id} once the account exists', async () => {
    const config = demoConfig();
    const flow = config.flows.find((candidate) => candidate.name === 'employees-to-zoho')!;
    const tableName = aws.tableName(config);
    const names = resourceNames(config).flow(flow);
    const { queueUrl } = aws.flowQueues(flow.name);
    const container = (): ZohoConnector =>
      new ZohoConnector({
        settings: zohoSettingsSchema.parse({ ...config.targets['zoho'], baseUrl: zoho.url }),
        credentials: ZOHO_SIMULATOR_CREDENTIALS,
        hostPolicy: { allowLoopback: true, allowPrivate: false },
        limiters: inProcessLimiters(),
        tokenStores: ({ system, account }) => new DynamoTokenStore({ client: aws.dynamo, tableName, system, account }),
      });
    const store = new StateStore({ client: aws.dynamo, tableName, auditRetentionDays: 30 });
    const queue = new FlowQueue({ client: aws.sqs, ...aws.flowQueues(flow.name) });
    const deps = { flow, connector: container(), store, queue, alerts: new MemoryAlerter(), sleep: async () => undefined };
    const person = employee({ COMPANY: 'NEWCO' });
    await queue.send([{ envelope: envelopeOf(flow, person) }]);

    /** One event-source invocation: receive what is visible, write it, delete what succeeded, and let held messages show again at once. */
    const invoke = async (): Promise<number> => {
      const { Messages = [] } = await aws.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
      );
      const messages = Messages.map((message) => ({
        messageId: message.MessageId!,
        body: message.Body ?? '',
        receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
        receiptHandle: message.ReceiptHandle!,
      }));
      if (messages.length === 0) return 0;
      const result = await writeBatch(messages, deps);
      const done = messages.filter((message) => !result.failedMessageIds.includes(message.messageId));
      if (done.length > 0) {
        await aws.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.map((message, index) => ({ Id: String(index), ReceiptHandle: message.receiptHandle })) }));
      }
      // As if the hold had run out: the message is visible again (a swapped fresh copy already is).
      const held = messages.filter((message) => result.failedMessageIds.includes(message.messageId));
      if (held.length > 0) {
        await aws.sqs
          .send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: held.map((message, index) => ({ Id: String(index), ReceiptHandle: message.receiptHandle, VisibilityTimeout: 0 })) }))
          .catch(() => undefined);
      }
      return messages.length;
    };

    for (let round = 0; round < names.maxReceiveCount + 3; round += 1) expect(await invoke()).toBe(1);

    expect(zoho.records.get('Contacts')!.size).toBe(0);
    expect(await aws.inspect(names.deadLetterQueue)).toEqual([]);
    const waiting = (await store.auditTrail(String(person.EMPLID))).filter((row) => row.event === 'waiting');
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({ reason: expect.stringContaining('"NEWCO"') });

    // The account flow runs (another container), then the contact's next delivery resolves it.
    const [account] = await container().write('Accounts', TargetAction.Upsert, [
      { ref: 'a1', key: 'NEWCO', payload: { Account_Name: 'New Company Inc', Vendor_ID: 'NEWCO' } },
    ]);
    expect(await invoke()).toBe(1);

    const contacts = [...zoho.records.get('Contacts')!.values()];
    expect(contacts).toEqual([expect.objectContaining({ Employee_ID: person.EMPLID, Account_Name: { id: account!.targetId } })]);
    expect(await invoke()).toBe(0);
    expect(await aws.inspect(names.deadLetterQueue)).toEqual([]);
    const trail = (await store.auditTrail(String(person.EMPLID))).map((row) => row.event);
    expect(trail.filter((event) => event === 'waiting')).toHaveLength(1);
    expect(trail).toContain('written');
  });
});
