import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerConfig } from '../../shared/config';
import { LocalSession, startFrontDoorServer, type FrontDoorServer } from '../../shared/local';
import type { AuditRow } from '../../shared/state';
import { startPeopleSoftSimulator, type PeopleSoftSimulator } from '../../simulators/peoplesoft';
import type { PeopleSoftCiSimulator } from '../../simulators/peoplesoft-ci';
import type { ProcoreSimulator } from '../../simulators/procore';
import { demoConfig, withoutTarget } from '../support/factories';

// F12–F16 on the demo config, both directions through the local pipeline: the Financials REST
// simulator and the CI simulator share one database, Procore's simulator delivers ids-only
// webhooks for every change (our own writes included) to the local front door.
const SOURCE = 'procore-events';
const HEADER = 'X-Ml-Connector-Token';
const TOKEN = 'procore-hook-token-for-tests-0001';
const env = { ML_SECRET_PROCORE_WEBHOOK: JSON.stringify({ token: TOKEN }) };
const F12_VENDORS = 'vendors-to-procore';
const F12_CODES = 'gl-accounts-to-procore';
const F13 = 'purchase-orders-to-procore';
const F14 = 'procore-commitments-to-peoplesoft';
const F15 = 'procore-direct-costs-to-gl';
const TOWER = 562_949_953_421_401;

/** The demo config with only the Procore flows (and their two targets). */
function procoreConfig(): CustomerConfig {
  return demoConfig((yaml) => ['marketo', 'zoho', 'mailchimp', 'zendesk', 'audit'].reduce(withoutTarget, yaml));
}

describe('Procore ↔ PeopleSoft Financials (F12–F16)', () => {
  let session: LocalSession;
  let server: FrontDoorServer;
  let financials: PeopleSoftSimulator;
  let procore: ProcoreSimulator;
  let ci: PeopleSoftCiSimulator;

  const settled = async (): Promise<void> => {
    await procore.idle!();
    await server.idle();
  };
  // The source clock has one-second resolution (HTTP Date): a poll reads changes of seconds past.
  const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1100));
  const cycle = async (): Promise<void> => {
    await pause();
    for (const flow of [F12_VENDORS, F12_CODES, F13]) await session.sync(flow);
    await settled();
  };
  const trail = async (sourceId: string, flow: string): Promise<AuditRow[]> => (await session.store.auditTrail(sourceId)).filter((row) => row.flow === flow);
  const post = (body: unknown, headers: Record<string, string>) =>
    fetch(`${server.url}/webhooks/${SOURCE}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  /** A purchase order of the tower project in Financials, on a vendor and GL accounts it names. */
  const addOrder = (poId: string, vendorId: string, accounts: readonly string[]) =>
    financials.addRow('purchase-orders', {
      BUSINESS_UNIT: 'US001',
      PO_ID: poId,
      VENDOR_SETID: 'SHARE',
      VENDOR_ID: vendorId,
      PO_DT: '2026-03-02',
      PO_STATUS: 'A',
      CURRENCY_CD: 'USD',
      PROJECT_ID: 'PRJ-TOWER',
      PO_REF: '',
      LINES: accounts.map((account, index) => ({ LINE_NBR: index + 1, DESCR254_MIXED: `Line ${index + 1}`, QTY_PO: 2, PRICE_PO: 150, MERCHANDISE_AMT: 300, ACCOUNT: account })),
    });

  beforeAll(async () => {
    financials = await startPeopleSoftSimulator({ node: 'PSFT_EP', timeZone: 'America/New_York', vendors: 6, customers: 1, glAccounts: 4, purchaseOrders: 0 });
    session = await LocalSession.open({ config: procoreConfig(), stateDir: null, env, waitingSeconds: 1, simulators: { peoplesoft: { financials } } });
    procore = session.simulators.targets!['procore'] as ProcoreSimulator;
    ci = session.simulators.targets!['peoplesoft-ci'] as PeopleSoftCiSimulator;
    server = await startFrontDoorServer({ session, port: 0 });
    const [hook] = await session.subscribe(`${server.url}/webhooks`);
    expect(hook!.changes.join('\n')).toContain('trigger added: Purchase Order Contracts create');
    expect(JSON.stringify(hook)).not.toContain(TOKEN);
    addOrder('PO-LOOP-1', '0000000001', ['100000', '100010']);
  });
  afterAll(async () => {
    await server?.close();
    await session?.close();
    await financials?.stop();
  });

  it('writes the dimensions with sync actions keyed by origin id, a cost code per account and project', async () => {
    await cycle();
    expect(procore.vendorByOrigin('0000000003')).toMatchObject({ name: expect.any(String), country_code: 'US', origin_data: 'ml-connector' });
    for (const project of procore.projectIds) expect(procore.costCodeByOrigin(`${project}:100010`)).toMatchObject({ code: '100010', project_id: project });
    const contract = procore.commitmentByOrigin('US001-PO-LOOP-1')!;
    expect(contract).toMatchObject({ project_id: TOWER, origin_data: 'ml-connector', status: 'Approved' });
    expect(contract['line_items']).toHaveLength(2);
  });

  it('never echoes a record back, either way, over four cycles while both sides keep changing', async () => {
    const made = procore.userCreatesCommitment(TOWER, {
      title: 'Scaffolding',
      vendor_id: procore.vendorByOrigin('0000000002')!.id,
      contract_date: '2026-03-05',
      line_items: [{ description: 'Scaffold (week)', quantity: 4, unit_cost: 900, amount: 3600, uom: 'wk', cost_code_id: procore.costCodeByOrigin(`${TOWER}:100000`)!.id }],
    });
    const counts: Array<{ orders: number; commitments: number }> = [];
    for (let round = 1; round <= 4; round += 1) {
      await settled();
      await cycle();
      counts.push({ orders: ci.records('ML_PO').length, commitments: procore.commitments.size });
      // Both sides change a record the other side holds: the change crosses once, never back.
      financials.updateRow('purchase-orders', 'US001|PO-LOOP-1', { PO_STATUS: round % 2 === 0 ? 'A' : 'D' });
      procore.userUpdates('commitments', made.id, { title: `Scaffolding, round ${round}` });
    }
    expect(counts.slice(1)).toEqual([counts[0], counts[0], counts[0]]);
    expect(counts[0]).toEqual({ orders: 1, commitments: 2 });

    const [order] = ci.recordsWhere('ML_PO', 'PO_REF', `PROCORE:${made.id}`);
    expect(order!.fields).toMatchObject({ VENDOR_ID: '0000000002', PROJECT_ID: 'PRJ-TOWER', DESCR254_MIXED: 'Scaffolding, round 3' });
    expect(order!.collections['PO_LINE']).toEqual([expect.objectContaining({ LINE_NBR: '1', QTY_PO: '4', PRICE_PO: '900', ACCOUNT: '100000' })]);
    // The PO F14 made is read back by F13's poll and skipped, with the reason, every cycle.
    const back = await trail(`US001|${order!.fields['PO_ID']}`, F13);
    expect(back.filter((row) => row.event === 'skipped').length).toBeGreaterThanOrEqual(3);
    expect(back.find((row) => row.event === 'skipped')!.reason).toBe('PO_REF: created from a Procore commitment: an echo of our own write');
    expect(back.some((row) => row.event === 'written')).toBe(false);
    // Procore echoes F13's own writes as webhooks; F14 skips every one.
    const echoed = procore.commitmentByOrigin('US001-PO-LOOP-1')!;
    const echoes = await trail(`Purchase Order Contracts|${echoed.id}`, F14);
    expect(echoes.filter((row) => row.event === 'skipped').length).toBeGreaterThanOrEqual(3);
    expect(echoes.find((row) => row.event === 'skipped')!.reason).toBe('origin_data: written by ml-connector from PeopleSoft: an echo of our own write');
    expect(echoes.some((row) => row.event === 'written')).toBe(false);
    expect(ci.calls((call) => call.method === 'create' && call.action.startsWith('CI_ML_PO'))).toBe(1);
  });

  it('holds a commitment whose vendor and cost code are not in Procore yet, audited waiting, and writes it once F12 has run', async () => {
    financials.addRow('vendors', { SETID: 'SHARE', VENDOR_ID: '0000000099', NAME1: 'Summit Formwork', VENDOR_STATUS: 'A', ADDRESS1: '1 Main St', CITY: 'Denver', STATE: 'CO', POSTAL: '80202', COUNTRY: 'USA' });
    financials.addRow('gl-accounts', { SETID: 'SHARE', ACCOUNT: '100990', EFFDT: '2020-01-01', EFF_STATUS: 'A', DESCR: 'Formwork', ACCOUNT_TYPE: 'E' });
    addOrder('PO-HELD-1', '0000000099', ['100990']);
    await pause();
    for (let round = 0; round < 2; round += 1) await session.sync(F13);
    const held = await trail('US001|PO-HELD-1', F13);
    expect(held.filter((row) => row.event === 'waiting')).toHaveLength(1);
    expect(held.find((row) => row.event === 'waiting')!.reason).toContain(`vendor 0000000099 and cost code 100990 in project ${TOWER} not in Procore yet`);
    expect(procore.commitmentByOrigin('US001-PO-HELD-1')).toBeUndefined();

    await session.sync(F12_VENDORS);
    await session.sync(F12_CODES);
    await pause();
    await session.drain(F13);
    await session.sync(F13);
    const contract = procore.commitmentByOrigin('US001-PO-HELD-1')!;
    expect(contract).toMatchObject({ vendor_id: procore.vendorByOrigin('0000000099')!.id });
    expect((contract['line_items'] as Array<Record<string, unknown>>)[0]).toMatchObject({ cost_code_id: procore.costCodeByOrigin(`${TOWER}:100990`)!.id });
    const rows = await trail('US001|PO-HELD-1', F13);
    expect(rows.filter((row) => row.event === 'written').map((row) => row.outcome)).toEqual(['created']);
    expect(rows.some((row) => row.event === 'dead-lettered')).toBe(false);
    expect(await session.queue(session.flow(F13)).depth('dead-letter')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('posts a direct cost delivered twice as one balanced journal, lines tagged with GL account and cost center', async () => {
    const code = procore.costCodeByOrigin(`${TOWER}:100010`)!;
    const cost = procore.userCreatesDirectCost(TOWER, {
      direct_cost_type: 'invoice',
      invoice_number: 'INV-77',
      direct_cost_date: '2026-03-06',
      status: 'approved',
      description: 'Crane hire',
      line_items: [{ id: 1, description: 'Crane hire', amount: 1250.5, cost_code: { id: code.id, full_code: code['full_code'], name: code['name'] } }],
    });
    const [first] = await procore.deliver();
    expect(first).toMatchObject({ status: 202 });
    await server.idle();
    const [again] = await procore.redeliver(first!.event.ulid);
    expect(again!.status).toBe(200);
    await server.idle();
    const journals = ci.recordsWhere('ML_JOURNAL', 'ML_ORIGIN_ID', `PROCORE-DC:${cost.id}`);
    expect(journals).toHaveLength(1);
    expect(journals[0]!.collections['JRNL_LN']).toEqual([
      expect.objectContaining({ ACCOUNT: '500000', DEPTID: '2100', MONETARY_AMOUNT: '1250.5' }),
      expect.objectContaining({ ACCOUNT: '210000', DEPTID: '1000', MONETARY_AMOUNT: '-1250.50' }),
    ]);
    // Delivered again with a new event id (an edit that changed nothing): found by its origin, not posted twice.
    procore.userUpdates('direct-costs', cost.id, {});
    await settled();
    expect(ci.recordsWhere('ML_JOURNAL', 'ML_ORIGIN_ID', `PROCORE-DC:${cost.id}`)).toHaveLength(1);
    expect(ci.calls((call) => call.method === 'create' && call.action.startsWith('CI_ML_JOURNAL'))).toBe(1);
    const rows = await trail(`Direct Costs|${cost.id}`, F15);
    expect(rows.filter((row) => row.event === 'written')).toHaveLength(1);
  });

  it('refuses a delivery whose header is missing or forged: 401, nothing queued', async () => {
    const body = { ...procore.deliveries.at(-1)!.body, ulid: '01J0000000000000000000FORGE' };
    for (const headers of [{}, { [HEADER]: 'forged-value' }] as Array<Record<string, string>>) {
      const answer = await post(body, headers);
      expect(answer.status).toBe(401);
      expect(JSON.stringify(await answer.json())).not.toContain(TOKEN);
    }
    await server.idle();
    for (const flow of [F14, F15]) expect(await session.queue(session.flow(flow)).depth('queue')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('catches on the reconciliation poll a commitment whose event never came', async () => {
    const before = ci.records('ML_PO').length;
    const lost = procore.userCreatesCommitment(TOWER, { title: 'Hoarding', vendor_id: procore.vendorByOrigin('0000000004')!.id, contract_date: '2026-03-09' });
    const result = await session.reconcile(SOURCE);
    expect(result.objects.find((entry) => entry.object === 'Purchase Order Contracts')!.queued).toBeGreaterThanOrEqual(1);
    expect(ci.records('ML_PO')).toHaveLength(before + 1);
    expect(ci.recordsWhere('ML_PO', 'PO_REF', `PROCORE:${lost.id}`)[0]!.fields).toMatchObject({ DESCR254_MIXED: 'Hoarding', VENDOR_ID: '0000000004' });
  });
});
