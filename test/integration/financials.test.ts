import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type CustomerConfig, type FlowConfig } from '../../shared/config';
import { recordEnvelopeSchema, type RecordEnvelope } from '../../shared/envelope';
import { LocalAws } from '../../shared/local';
import { pollFlow } from '../../shared/pipeline';
import { createEffectiveDateStore, createQueue, createSource, createStore, type RuntimeContext } from '../../shared/runtime';
import { startPeopleSoftSimulator, type PeopleSoftSimulator } from '../../simulators/peoplesoft';

// The Financials system runs on New York time; the clock is the simulator's and the poller's.
const clock = { at: new Date('2026-03-10T15:00:00.000Z') };
let aws: LocalAws;
let financials: PeopleSoftSimulator;
let config: CustomerConfig;

const flowYaml = (name: string, source: string, object: string, mapping: string): string =>
  [
    `  - name: ${name}`,
    `    source: ${source}`,
    '    target: marketo',
    '    schedule: { cron: "0 5 * * ? *" }',
    `    objects: [{ object: ${object}, mapping: { ${mapping} } }]`,
  ].join('\n');

function configFor(url: string): CustomerConfig {
  return parseConfig(
    [
      'customer: fin',
      'alertEmail: ops@fin.example',
      'peoplesoft:',
      '  systems:',
      '    hcm: { baseUrl: "https://hr.fin.example", node: PSFT_HR, auth: { kind: basic, secret: ps-hcm } }',
      `    financials: { baseUrl: "${url}", node: PSFT_EP, auth: { kind: basic, secret: ps-fin }, timeZone: America/New_York, lagSeconds: 0, overlapSeconds: 0 }`,
      '  entities:',
      '    employees: { system: hcm }',
      '    vendors: { system: financials }',
      '    customer-contacts: { system: financials }',
      '    gl-accounts: { system: financials }',
      '    purchase-orders: { system: financials }',
      'targets:',
      '  marketo: { munchkinId: 123-ABC-456, secret: marketo }',
      'flows:',
      flowYaml('vendors', 'vendors', 'companies', 'externalCompanyId: { template: "{SETID}-{VENDOR_ID}" }'),
      flowYaml('contacts', 'customer-contacts', 'leads', 'email: EMAIL_ADDR'),
      flowYaml('accounts', 'gl-accounts', 'companies', 'externalCompanyId: ACCOUNT'),
      flowYaml('orders', 'purchase-orders', 'companies', 'externalCompanyId: PO_ID'),
      '',
    ].join('\n'),
    'fin.yaml',
  );
}

function context(): RuntimeContext {
  return {
    mode: 'local',
    config,
    secrets: { get: async () => ({}) } as unknown as RuntimeContext['secrets'],
    sqs: aws.sqs,
    dynamo: aws.dynamo,
    tableName: aws.tableName(config),
    queueUrls: (flow) => aws.flowQueues(flow.name),
    alerts: { alert: async () => undefined } as unknown as RuntimeContext['alerts'],
    simulated: { peoplesoft: { financials: { baseUrl: financials.url, username: 'ML_INTEGRATION', password: 'sim-password' } } },
    now: () => clock.at,
  };
}

const flow = (name: string): FlowConfig => config.flows.find((candidate) => candidate.name === name)!;

/** One poll of the flow; the envelopes it queued. */
async function poll(name: string): Promise<RecordEnvelope[]> {
  const ctx = context();
  const queueName = aws.flowQueues(name).queueName;
  const before = (await aws.inspect(queueName)).length;
  await pollFlow({
    config,
    flow: flow(name),
    source: await createSource(ctx, ['financials']),
    queue: createQueue(ctx, flow(name)),
    store: createStore(ctx),
    effectiveDates: createEffectiveDateStore(ctx),
    now: () => clock.at,
  });
  return (await aws.inspect(queueName)).slice(before).map((message) => recordEnvelopeSchema.parse(JSON.parse(message.body)));
}

beforeAll(async () => {
  financials = await startPeopleSoftSimulator({
    node: 'PSFT_EP',
    timeZone: 'America/New_York',
    queryFormat: 'local',
    vendors: 6,
    customers: 4,
    glAccounts: 5,
    purchaseOrders: 3,
    now: () => clock.at,
  });
  config = configFor(financials.url);
  aws = await LocalAws.start({ region: config.region });
  await aws.provision(config);
});
afterAll(async () => {
  await aws?.stop();
  await financials?.stop();
});

describe('Financials entities from their own PeopleSoft system', () => {
  it('reads vendors with composite keys joined by |, from the Financials node', async () => {
    const envelopes = await poll('vendors');
    expect(envelopes.map((envelope) => envelope.source.id)).toEqual(financials.keys('vendors'));
    expect(envelopes[0]!.source.id).toBe('SHARE|0000000001');
    expect(envelopes[0]!.record).toMatchObject({ SETID: 'SHARE', VENDOR_ID: '0000000001', PYMNT_TERMS_CD: expect.any(String), VENDOR_CLASS: expect.any(String) });
    expect(financials.requests.every((request) => request.path.includes('/PSFT_EP/'))).toBe(true);
  });

  it('yields one record per customer contact, keyed by customer and contact', async () => {
    const envelopes = await poll('contacts');
    const expected = financials.keys('customers').flatMap((key) =>
      (financials.row('customers', key)!.CONTACTS as Array<{ CNTCT_SEQ_NUM: number; EMAIL_ADDR: string }>).map((contact) => ({
        id: `${key}|${contact.CNTCT_SEQ_NUM}`,
        email: contact.EMAIL_ADDR,
      })),
    );
    expect(expected.length).toBeGreaterThan(financials.keys('customers').length - 1);
    expect(envelopes.map((envelope) => ({ id: envelope.source.id, email: envelope.record.EMAIL_ADDR }))).toEqual(expected);
    expect(envelopes[0]!.record).not.toHaveProperty('CONTACTS');
    expect(envelopes[0]!.record).toMatchObject({ SETID: 'SHARE', NAME1: expect.any(String) });
  });

  it('carries a purchase order and its lines as one record', async () => {
    const envelopes = await poll('orders');
    expect(envelopes).toHaveLength(3);
    const order = envelopes[0]!;
    expect(order.source.id).toBe('US001|0000000001');
    const lines = order.record.LINES as Array<{ LINE_NBR: number; MERCHANDISE_AMT: number }>;
    expect(lines.length).toBeGreaterThan(0);
    expect(order.record.PO_AMOUNT).toBe(lines.reduce((sum, line) => sum + line.MERCHANDISE_AMT, 0));
  });
});

describe('ping with two PeopleSoft systems', () => {
  it('checks each system on its own node, each check named after its system', async () => {
    const hcm = await startPeopleSoftSimulator({ node: 'PSFT_HR', employees: 3, queryFormat: 'local', now: () => clock.at });
    try {
      const ctx = context();
      const both = { ...ctx, simulated: { peoplesoft: { ...ctx.simulated!.peoplesoft, hcm: { baseUrl: hcm.url, username: 'ML_INTEGRATION', password: 'sim-password' } } } };
      const checks = await (await createSource(both)).ping();
      expect(checks.filter((check) => !check.ok)).toEqual([]);
      expect(checks.map((check) => check.name)).toEqual(
        expect.arrayContaining(['hcm: credentials', 'hcm: operation employees (ML_EMPLOYEES_GET.v1)', 'financials: operation gl-accounts (ML_GL_ACCOUNTS_GET.v1)']),
      );
      expect(checks.find((check) => check.name === 'financials: operation vendors (ML_VENDORS_GET.v1)')!.detail).toContain('on node PSFT_EP');
      expect(hcm.requests.every((request) => request.path.includes('/PSFT_HR/ML_EMPLOYEES_GET'))).toBe(true);
    } finally {
      await hcm.stop();
    }
  });
});

describe('effective-dated GL accounts', () => {
  it('delivers a future-dated row on its day in the system time zone, never before, and a current inactive row as a deactivation', async () => {
    const initial = await poll('accounts');
    expect(initial.map((envelope) => envelope.source.id)).toEqual(financials.keys('gl-accounts').map((key) => key.split('|').slice(0, 2).join('|')));

    // Keyed in on 10 March: a new description from 12 March, and the account closed from 14 March.
    clock.at = new Date('2026-03-10T16:00:00.000Z');
    financials.addRow('gl-accounts', { SETID: 'SHARE', ACCOUNT: '100000', EFFDT: '2026-03-12', EFF_STATUS: 'A', DESCR: 'Cash - operating', ACCOUNT_TYPE: 'A' });
    financials.addRow('gl-accounts', { SETID: 'SHARE', ACCOUNT: '100000', EFFDT: '2026-03-14', EFF_STATUS: 'I', DESCR: 'Cash - operating', ACCOUNT_TYPE: 'A' });
    // A correction of a history row (older than the current one) is not the current row.
    clock.at = new Date('2026-03-10T16:05:00.000Z');
    financials.addRow('gl-accounts', { SETID: 'SHARE', ACCOUNT: '100010', EFFDT: '2018-06-01', EFF_STATUS: 'A', DESCR: 'Old name', ACCOUNT_TYPE: 'A' });
    clock.at = new Date('2026-03-10T17:00:00.000Z');
    expect(await poll('accounts')).toEqual([]);

    // 12 March 04:30 UTC is still 11 March in New York: nothing yet, although the poller runs.
    clock.at = new Date('2026-03-12T03:30:00.000Z');
    expect(await poll('accounts')).toEqual([]);

    // 12 March in New York: the row of the day, with no change in PeopleSoft since it was read.
    clock.at = new Date('2026-03-12T05:30:00.000Z');
    const due = await poll('accounts');
    expect(due.map((envelope) => [envelope.source.id, envelope.operation, envelope.record.DESCR, envelope.record.EFFDT])).toEqual([
      ['SHARE|100000', 'upsert', 'Cash - operating', '2026-03-12'],
    ]);
    clock.at = new Date('2026-03-13T12:00:00.000Z');
    expect(await poll('accounts')).toEqual([]);

    clock.at = new Date('2026-03-14T10:00:00.000Z');
    const closed = await poll('accounts');
    expect(closed.map((envelope) => [envelope.source.id, envelope.operation, envelope.record.EFFDT])).toEqual([['SHARE|100000', 'deactivate', '2026-03-14']]);
  });
});
