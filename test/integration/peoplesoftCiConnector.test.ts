import { afterEach, describe, expect, it } from 'vitest';
import { ItemOutcome, TargetAction, type TargetItem } from '../../shared/connectors';
import { PeopleSoftCiConnector, peoplesoftCiSettingsSchema } from '../../shared/connectors/peoplesoft-ci';
import { ErrorKind } from '../../shared/errors';
import { startPeopleSoftCiSimulator, type PeopleSoftCiSimulator, type PeopleSoftCiSimulatorOptions } from '../../simulators/peoplesoft-ci';

let peoplesoft: PeopleSoftCiSimulator | undefined;
afterEach(async () => {
  await peoplesoft?.stop();
  peoplesoft = undefined;
});

const PASSWORD = 'sim-peoplesoft-ci-password';

async function connect(settings: Record<string, unknown> = {}, password = PASSWORD, options: PeopleSoftCiSimulatorOptions = {}) {
  peoplesoft ??= await startPeopleSoftCiSimulator(options);
  const parsed = peoplesoftCiSettingsSchema.parse({ secret: 'peoplesoft/ci', baseUrl: peoplesoft.url, node: 'PSFT_EP', ...settings });
  return new PeopleSoftCiConnector({
    settings: parsed,
    credentials: { userId: 'ML_SYNC', password },
    hostPolicy: { allowLoopback: true, allowPrivate: false },
  });
}

function commitment(id: string, extra: Record<string, unknown> = {}): TargetItem {
  return {
    ref: `ref-${id}`,
    key: id,
    payload: {
      ORIGIN_ID: id,
      BUSINESS_UNIT: 'US001',
      VENDOR_ID: '0000000007',
      PO_DT: '2025-03-14',
      DESCR254_MIXED: `Procore commitment ${id}`,
      PO_LINE: [
        { LINE_NBR: 1, DESCR254_MIXED: 'Concrete', QTY_PO: 10, PRICE_PO: '125.50', ACCOUNT: '610000' },
        { LINE_NBR: 2, DESCR254_MIXED: 'Rebar', QTY_PO: 4, PRICE_PO: '80.00', ACCOUNT: '620000' },
      ],
      ...extra,
    },
  };
}

function directCost(id: string, lines: Array<Record<string, unknown>>): TargetItem {
  return { ref: `ref-${id}`, key: id, payload: { ORIGIN_ID: id, BUSINESS_UNIT: 'US001', JOURNAL_DATE: '2025-03-31', DESCR254: `Procore direct cost ${id}`, JRNL_LN: lines } };
}

const creates = (sim: PeopleSoftCiSimulator): number => sim.calls((entry) => entry.method === 'create');

describe('PeopleSoft purchase orders through component-interface services', () => {
  it('creates a PO keyed by its origin marker, then updates that same PO when the commitment changes', async () => {
    const connector = await connect();
    const [created] = await connector.write('purchase-orders', TargetAction.Upsert, [commitment('562949953421312')]);
    expect(created).toEqual({ ref: 'ref-562949953421312', outcome: ItemOutcome.Created, targetId: 'US001|0000000001' });
    const [po] = peoplesoft!.recordsWhere('ML_PO', 'PO_REF', '562949953421312');
    expect(po!.fields).toMatchObject({ BUSINESS_UNIT: 'US001', PO_ID: '0000000001', VENDOR_ID: '0000000007', PO_STATUS: 'O' });
    expect(po!.collections['PO_LINE']).toHaveLength(2);

    const [updated] = await connector.write('purchase-orders', TargetAction.Upsert, [
      commitment('562949953421312', { DESCR254_MIXED: 'Revised scope', PO_LINE: [{ LINE_NBR: 1, QTY_PO: 12, PRICE_PO: '125.50' }] }),
    ]);
    expect(updated).toEqual({ ref: 'ref-562949953421312', outcome: ItemOutcome.Updated, targetId: 'US001|0000000001' });
    expect(peoplesoft!.records('ML_PO')).toHaveLength(1);
    expect(peoplesoft!.records('ML_PO')[0]!.fields['DESCR254_MIXED']).toBe('Revised scope');
    expect(peoplesoft!.records('ML_PO')[0]!.collections['PO_LINE']).toEqual([{ LINE_NBR: '1', QTY_PO: '12', PRICE_PO: '125.50' }]);
    // Find, Create; then Find, UpdateData: one create in all.
    expect(peoplesoft!.callLog.map((entry) => entry.action)).toEqual(['CI_ML_PO_F.V1', 'CI_ML_PO_C.V1', 'CI_ML_PO_F.V1', 'CI_ML_PO_UD.V1']);
  });

  it('tells an origin apart from one it is a prefix of (Find matches by prefix)', async () => {
    const connector = await connect();
    await connector.write('purchase-orders', TargetAction.Upsert, [commitment('1234')]);
    const [other] = await connector.write('purchase-orders', TargetAction.Upsert, [commitment('123')]);
    expect(other!.outcome).toBe(ItemOutcome.Created);
    expect(peoplesoft!.records('ML_PO').map((record) => record.fields['PO_REF'])).toEqual(['1234', '123']);
  });

  it("rejects a record PeopleSoft's validation refuses, with PeopleSoft's message, and writes its neighbours", async () => {
    const connector = await connect();
    const results = await connector.write('purchase-orders', TargetAction.Upsert, [commitment('A-1'), commitment('A-2', { VENDOR_ID: '0000009999' })]);
    expect(results.find((result) => result.ref === 'ref-A-1')!.outcome).toBe(ItemOutcome.Created);
    expect(results.find((result) => result.ref === 'ref-A-2')).toEqual({
      ref: 'ref-A-2',
      outcome: ItemOutcome.Rejected,
      reason: { code: '15,11', message: "{ML_PO.VENDOR_ID} Invalid value '0000009999' -- press the prompt button or hyperlink for a list of valid values (15,11)" },
    });
    expect(peoplesoft!.recordsWhere('ML_PO', 'PO_REF', 'A-2')).toHaveLength(0);
  });

  it('hands a record back for a retry on a server fault or a web server 503, and the retry creates it once', async () => {
    const connector = await connect();
    peoplesoft!.fail({ kind: 'server', method: 'create' });
    const [first] = await connector.write('purchase-orders', TargetAction.Upsert, [commitment('B-1')]);
    expect(first!.outcome).toBe(ItemOutcome.Retry);
    expect(first!.reason!.message).toMatch(/SOAP fault Server: The application server did not respond/);
    peoplesoft!.fail({ kind: 'unavailable', method: 'find' });
    const [second] = await connector.write('purchase-orders', TargetAction.Upsert, [commitment('B-1')]);
    expect(second!.outcome).toBe(ItemOutcome.Retry);
    const [third] = await connector.write('purchase-orders', TargetAction.Upsert, [commitment('B-1')]);
    expect(third!.outcome).toBe(ItemOutcome.Created);
    expect(peoplesoft!.recordsWhere('ML_PO', 'PO_REF', 'B-1')).toHaveLength(1);
  });

  it('after a Create times out, finds the PO that was saved and reports it created, never creating it again', async () => {
    const connector = await connect({ requestTimeoutMs: 1_000 });
    peoplesoft!.fail({ kind: 'slow', method: 'create', delayMs: 1_500, lands: true });
    const [result] = await connector.write('purchase-orders', TargetAction.Upsert, [commitment('C-1')]);
    expect(result).toEqual({ ref: 'ref-C-1', outcome: ItemOutcome.Created, targetId: 'US001|0000000001' });
    expect(creates(peoplesoft!)).toBe(1);
    expect(peoplesoft!.recordsWhere('ML_PO', 'PO_REF', 'C-1')).toHaveLength(1);
  });

  it('after a Create times out without saving, reports a retry, and the retry creates the PO', async () => {
    const connector = await connect({ requestTimeoutMs: 1_000 });
    peoplesoft!.fail({ kind: 'slow', method: 'create', delayMs: 1_500, lands: false });
    const [result] = await connector.write('purchase-orders', TargetAction.Upsert, [commitment('C-2')]);
    expect(result!.outcome).toBe(ItemOutcome.Retry);
    expect(result!.reason!.message).toMatch(/no answer within 1000 ms; no purchase-orders carries origin C-2/);
    expect(peoplesoft!.recordsWhere('ML_PO', 'PO_REF', 'C-2')).toHaveLength(0);
    const [retried] = await connector.write('purchase-orders', TargetAction.Upsert, [commitment('C-2')]);
    expect(retried!.outcome).toBe(ItemOutcome.Created);
    expect(peoplesoft!.recordsWhere('ML_PO', 'PO_REF', 'C-2')).toHaveLength(1);
  });

  it('after an UpdateData times out, reads the PO back and reports it updated when the change landed', async () => {
    const connector = await connect({ requestTimeoutMs: 1_000 });
    await connector.write('purchase-orders', TargetAction.Upsert, [commitment('D-1')]);
    peoplesoft!.fail({ kind: 'slow', method: 'update', delayMs: 1_500, lands: true });
    const [result] = await connector.write('purchase-orders', TargetAction.Upsert, [commitment('D-1', { DESCR254_MIXED: 'Changed' })]);
    expect(result).toEqual({ ref: 'ref-D-1', outcome: ItemOutcome.Updated, targetId: 'US001|0000000001' });
    expect(peoplesoft!.calls((entry) => entry.method === 'get')).toBe(1);
  });

  it('reads a PO back by origin key, with the origin as ORIGIN_ID and the lines as rows', async () => {
    const connector = await connect();
    await connector.write('purchase-orders', TargetAction.Upsert, [commitment('E-1')]);
    const stored = await connector.readBack('purchase-orders', ['E-1', 'E-404']);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ key: 'E-1', targetId: 'US001|0000000001', fields: { ORIGIN_ID: 'E-1', VENDOR_ID: '0000000007', PO_LINE: [{ LINE_NBR: '1' }, { LINE_NBR: '2' }] } });
    expect(stored[0]!.fields).not.toHaveProperty('PO_REF');
  });
});

describe('PeopleSoft credentials', () => {
  it.each([
    ['a WS-Security UsernameToken', 'ws-security', '1.1'],
    ['HTTP Basic', 'basic', '1.1'],
    ['a WS-Security UsernameToken over SOAP 1.2', 'ws-security', '1.2'],
  ] as const)('accepts %s', async (_case, auth, soapVersion) => {
    const connector = await connect({ auth, soapVersion });
    const [result] = await connector.write('purchase-orders', TargetAction.Upsert, [commitment('F-1')]);
    expect(result!.outcome).toBe(ItemOutcome.Created);
    expect(peoplesoft!.callLog.every((entry) => entry.auth === auth && entry.soapVersion === soapVersion)).toBe(true);
  });

  it.each(['ws-security', 'basic'] as const)('throws credentials-refused naming the secret, never the password, for a wrong %s password', async (auth) => {
    const connector = await connect({ auth }, 'Wr0ng-Passw0rd!');
    const error = await connector.write('purchase-orders', TargetAction.Upsert, [commitment('G-1')]).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: ErrorKind.CredentialsRefused, secretName: 'peoplesoft/ci' });
    expect((error as Error).message).toContain('OPRID ML_SYNC of secret peoplesoft/ci');
    expect((error as Error).message).not.toContain('Wr0ng-Passw0rd!');
    expect(peoplesoft!.records('ML_PO')).toHaveLength(0);
  });
});

describe('PeopleSoft GL journals', () => {
  it('rejects an unbalanced entry naming the amounts, without calling PeopleSoft', async () => {
    const connector = await connect();
    const [result] = await connector.write('journals', TargetAction.Upsert, [
      directCost('DC-1', [
        { ACCOUNT: '610000', DEPTID: '2100', MONETARY_AMOUNT: '1250.00' },
        { ACCOUNT: '200100', MONETARY_AMOUNT: '-1000.00' },
      ]),
    ]);
    expect(result).toEqual({
      ref: 'ref-DC-1',
      outcome: ItemOutcome.Rejected,
      reason: { message: 'the journal entry does not balance: debits 1,250.00, credits -1,000.00, difference 250.00 (name an offset account to balance single-sided entries)' },
    });
    expect(peoplesoft!.calls()).toBe(0);
  });

  it('balances a single-sided entry on the configured offset account', async () => {
    const connector = await connect({ objects: { journals: { offsetAccount: '210000', offsetFields: { DEPTID: '1000' } } } });
    const [result] = await connector.write('journals', TargetAction.Upsert, [directCost('DC-2', [{ ACCOUNT: '610000', DEPTID: '2100', MONETARY_AMOUNT: '0.10' }, { ACCOUNT: '620000', MONETARY_AMOUNT: '0.20' }])]);
    expect(result).toMatchObject({ outcome: ItemOutcome.Created, note: expect.stringContaining('balanced on offset account 210000 with -0.30') });
    const [journal] = peoplesoft!.recordsWhere('ML_JOURNAL', 'ML_ORIGIN_ID', 'DC-2');
    expect(journal!.collections['JRNL_LN']!.at(-1)).toEqual({ DEPTID: '1000', ACCOUNT: '210000', MONETARY_AMOUNT: '-0.30' });
  });

  it('posts an entry once when it is sent twice, and refuses to change a posted journal with PeopleSoft’s message', async () => {
    const connector = await connect();
    const entry = directCost('DC-3', [
      { ACCOUNT: '610000', DEPTID: '2100', MONETARY_AMOUNT: '500.00' },
      { ACCOUNT: '200100', MONETARY_AMOUNT: '-500.00' },
    ]);
    const [first] = await connector.write('journals', TargetAction.Upsert, [entry]);
    const [second] = await connector.write('journals', TargetAction.Upsert, [{ ...entry, ref: 'ref-DC-3-again' }]);
    expect(first).toEqual({ ref: 'ref-DC-3', outcome: ItemOutcome.Created, targetId: 'US001|0000000001|2025-03-31' });
    expect(second).toEqual({ ref: 'ref-DC-3-again', outcome: ItemOutcome.Updated, targetId: 'US001|0000000001|2025-03-31' });
    expect(peoplesoft!.recordsWhere('ML_JOURNAL', 'ML_ORIGIN_ID', 'DC-3')).toHaveLength(1);
    expect(creates(peoplesoft!)).toBe(1);

    peoplesoft!.postJournal('0000000001');
    const [third] = await connector.write('journals', TargetAction.Upsert, [{ ...entry, ref: 'ref-DC-3-third' }]);
    expect(third).toMatchObject({ outcome: ItemOutcome.Rejected, reason: { message: '{ML_JOURNAL} Journal 0000000001 has been posted and cannot be changed.' } });
    expect(peoplesoft!.records('ML_JOURNAL')).toHaveLength(1);
  });
});

describe('PeopleSoft ping', () => {
  it('checks every configured operation with a harmless call and passes against a working setup', async () => {
    const connector = await connect();
    const checks = await connector.ping();
    expect(checks.map((check) => check.name)).toContain('peoplesoft-ci: purchase-orders Find (CI_ML_PO_F.V1)');
    expect(checks.filter((check) => !check.ok)).toEqual([]);
    expect(checks).toHaveLength(8);
    expect(peoplesoft!.records('ML_PO')).toHaveLength(0);
    expect(creates(peoplesoft!)).toBe(0);
  });

  it('says which operation is not active, and what to fix for refused credentials', async () => {
    const connector = await connect({}, PASSWORD, { inactiveOperations: ['CI_ML_JOURNAL_UD', 'CI_ML_PO_C'] });
    const failing = (await connector.ping()).filter((check) => !check.ok);
    expect(failing.map((check) => check.name)).toEqual(['peoplesoft-ci: purchase-orders Create (CI_ML_PO_C.V1)', 'peoplesoft-ci: journals Updatedata (CI_ML_JOURNAL_UD.V1)']);
    expect(failing[0]!.detail).toMatch(/does not list CI_ML_PO_C/);
    expect(failing[1]!.detail).toMatch(/not active.*check the operation name and version/);

    const refused = await (await connect({}, 'nope')).ping();
    expect(refused[0]).toMatchObject({ ok: false, detail: expect.stringContaining('check userId and password') });
    expect(refused.slice(1).every((check) => check.detail === 'not attempted: the credentials were refused')).toBe(true);
  });
});
