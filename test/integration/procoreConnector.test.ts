import { afterEach, describe, expect, it } from 'vitest';
import { ItemOutcome, TargetAction, type TargetItem } from '../../shared/connectors';
import { ProcoreConnector, procoreSettingsSchema } from '../../shared/connectors/procore';
import { ErrorKind, ExternalSystemError } from '../../shared/errors';
import { inProcessLimiters } from '../../shared/limits';
import { startProcoreSimulator, type ProcoreSimulator, type ProcoreSimulatorOptions } from '../../simulators/procore';

let procore: ProcoreSimulator | undefined;
afterEach(async () => {
  await procore?.stop();
  procore = undefined;
});

// Waits are recorded and skipped ahead on a clock the connector and the simulator share.
const slept: number[] = [];
let skipped = 0;
const now = (): Date => new Date(Date.now() + skipped);
const sleep = async (ms: number): Promise<void> => {
  slept.push(ms);
  skipped += ms;
  await new Promise((resolve) => setTimeout(resolve, 1));
};

const SECRET = 'sim-procore-secret';

async function connect(options: ProcoreSimulatorOptions = {}, settings: Record<string, unknown> = {}, clientSecret = SECRET) {
  procore = await startProcoreSimulator({ now, ...options });
  const parsed = procoreSettingsSchema.parse({
    secret: 'procore',
    baseUrl: procore.url,
    loginUrl: procore.url,
    companyId: String(procore.companyId),
    projects: procore.projectIds.map(String),
    ...settings,
  });
  return new ProcoreConnector({
    settings: parsed,
    credentials: { clientId: 'sim-procore-client', clientSecret },
    hostPolicy: { allowLoopback: true, allowPrivate: false },
    // A fresh budget per test: the account includes the simulator's port.
    limiters: inProcessLimiters({ now: () => now().getTime(), sleep }),
    now,
    sleep,
  });
}

const vendor = (id: string, extra: Record<string, unknown> = {}): TargetItem => ({
  ref: `ref-${id}`,
  key: id,
  payload: { origin_id: id, name: `Vendor ${id}`, city: 'Chicago', ...extra },
});
const account = (id: string, extra: Record<string, unknown> = {}): TargetItem => ({
  ref: `ref-${id}`,
  key: id,
  payload: { origin_id: id, code: id.split('-')[1], name: `Account ${id}`, ...extra },
});
const order = (project: number, id: string, vendorId: string, codes: string[], extra: Record<string, unknown> = {}): TargetItem => ({
  ref: `ref-${id}`,
  key: `${project}|${id}`,
  payload: {
    project_id: String(project),
    origin_id: id,
    vendor: vendorId,
    title: `PO ${id}`,
    status: 'D',
    line_items: codes.map((code, index) => ({ cost_code: code, description: `Line ${index + 1}`, quantity: 2, unit_cost: '12.50', amount: 25 })),
    ...extra,
  },
});

describe('Procore vendors and cost codes through sync actions', () => {
  it('creates then updates vendors by origin id, with per-item errors for what Procore refuses', async () => {
    const connector = await connect();
    const created = await connector.write('vendors', TargetAction.Upsert, [vendor('SHARE-1'), vendor('SHARE-2')]);
    expect(created.map((result) => result.outcome)).toEqual([ItemOutcome.Created, ItemOutcome.Created]);
    expect(procore!.vendorByOrigin('SHARE-1')).toMatchObject({ name: 'Vendor SHARE-1', origin_data: 'ml-connector', is_active: true });
    expect(created[0]!.targetId).toBe(String(procore!.vendorByOrigin('SHARE-1')!.id));

    skipped += 2_000;
    const mixed = await connector.write('vendors', TargetAction.Upsert, [
      vendor('SHARE-1', { city: 'Denver' }),
      vendor('SHARE-3', { name: '' }),
      vendor('SHARE-4', { union_member: 'yes' }),
      vendor('SHARE-5', { favourite_colour: 'blue' }),
    ]);
    expect(mixed.find((result) => result.ref === 'ref-SHARE-1')).toMatchObject({ outcome: ItemOutcome.Updated });
    expect(mixed.find((result) => result.ref === 'ref-SHARE-3')).toMatchObject({ outcome: ItemOutcome.Rejected, reason: { message: "name can't be blank" } });
    expect(mixed.find((result) => result.ref === 'ref-SHARE-4')).toMatchObject({ outcome: ItemOutcome.Rejected, reason: { message: 'union_member must be true or false' } });
    expect(mixed.find((result) => result.ref === 'ref-SHARE-5')).toMatchObject({ outcome: ItemOutcome.Rejected, reason: { message: 'favourite_colour is not a permitted attribute' } });
    expect(procore!.vendorByOrigin('SHARE-1')!['city']).toBe('Denver');
    expect(procore!.vendorByOrigin('SHARE-3')).toBeUndefined();
    // One sync call for the whole batch each time.
    expect(procore!.calls((entry) => entry.path === '/rest/v1.0/vendors/sync')).toBe(2);

    const removed = await connector.write('vendors', TargetAction.Delete, [{ ref: 'ref-SHARE-2', key: 'SHARE-2', payload: { origin_id: 'SHARE-2' } }]);
    expect(removed[0]).toMatchObject({ outcome: ItemOutcome.Deleted, note: 'vendor marked inactive (never deleted)' });
    expect(procore!.vendorByOrigin('SHARE-2')!['is_active']).toBe(false);
  });

  it('writes a GL account as a cost code of every configured project, with an origin id unique across the company', async () => {
    const connector = await connect();
    const [project1, project2] = procore!.projectIds;
    const results = await connector.write('cost-codes', TargetAction.Upsert, [account('SHARE-100030'), account('SHARE-100040')]);
    expect(results.map((result) => result.outcome)).toEqual([ItemOutcome.Created, ItemOutcome.Created]);
    const first = procore!.costCodeByOrigin(`${project1}:SHARE-100030`)!;
    const second = procore!.costCodeByOrigin(`${project2}:SHARE-100030`)!;
    expect(first).toMatchObject({ project_id: project1, code: '100030', origin_data: 'ml-connector' });
    expect(second).toMatchObject({ project_id: project2, code: '100030' });
    expect(results[0]!.targetId).toBe(`${project1}:${first.id},${project2}:${second.id}`);
    // One sync call per project for the batch.
    expect(procore!.calls((entry) => entry.path === '/rest/v1.0/cost_codes/sync')).toBe(2);
  });
});

describe('Procore commitments', () => {
  it('holds a commitment whose vendor is missing (no call drawing a 422), then writes it with its lines once the vendor exists', async () => {
    const connector = await connect();
    const [project] = procore!.projectIds;
    await connector.write('cost-codes', TargetAction.Upsert, [account('SHARE-100030'), account('SHARE-100040')]);
    const po = order(project!, 'US001-0000000007', 'SHARE-9', ['SHARE-100030', 'SHARE-100040']);

    for (let cycle = 0; cycle < 3; cycle += 1) {
      const waiting = await connector.write('commitments', TargetAction.Upsert, [po]);
      expect(waiting[0]).toMatchObject({ outcome: ItemOutcome.Waiting, reason: { message: 'vendor SHARE-9 not in Procore yet; the commitment waits for it' } });
    }
    expect(procore!.calls((entry) => entry.path.startsWith('/rest/v1.0/purchase_order_contracts'))).toBe(0);
    expect(procore!.commitmentByOrigin('US001-0000000007')).toBeUndefined();

    await connector.write('vendors', TargetAction.Upsert, [vendor('SHARE-9')]);
    const written = await connector.write('commitments', TargetAction.Upsert, [po]);
    expect(written[0]).toMatchObject({ outcome: ItemOutcome.Created });
    const contract = procore!.commitmentByOrigin('US001-0000000007')!;
    expect(contract).toMatchObject({ vendor_id: procore!.vendorByOrigin('SHARE-9')!.id, status: 'Draft', origin_data: 'ml-connector', project_id: project });
    const lines = contract['line_items'] as Array<Record<string, unknown>>;
    expect(lines.map((line) => [line['cost_code_id'], line['unit_cost'], line['origin_id']])).toEqual([
      [procore!.costCodeByOrigin(`${project}:SHARE-100030`)!.id, 12.5, 'US001-0000000007:1'],
      [procore!.costCodeByOrigin(`${project}:SHARE-100040`)!.id, 12.5, 'US001-0000000007:2'],
    ]);
    expect(procore!.calls((entry) => entry.status === 422 || entry.status === 400)).toBe(0);

    skipped += 2_000;
    const again = await connector.write('commitments', TargetAction.Upsert, [order(project!, 'US001-0000000007', 'SHARE-9', ['SHARE-100030'], { title: 'PO renamed' })]);
    expect(again[0]).toMatchObject({ outcome: ItemOutcome.Updated, targetId: String(contract.id) });
    expect(procore!.commitments.size).toBe(1);
    expect(procore!.commitmentByOrigin('US001-0000000007')!['title']).toBe('PO renamed');

    const back = await connector.readBack('commitments', [`${project}|US001-0000000007`, `${project}|nope`]);
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({ key: `${project}|US001-0000000007`, targetId: String(contract.id), fields: { origin_data: 'ml-connector' } });
  });

  it('waits for a cost code the project lacks, naming it and the project', async () => {
    const connector = await connect();
    const [project] = procore!.projectIds;
    await connector.write('vendors', TargetAction.Upsert, [vendor('SHARE-1')]);
    const result = await connector.write('commitments', TargetAction.Upsert, [order(project!, 'US001-1', 'SHARE-1', ['SHARE-999990'])]);
    expect(result[0]).toMatchObject({ outcome: ItemOutcome.Waiting, reason: { message: `cost code SHARE-999990 in project ${project} not in Procore yet; the commitment waits for it` } });
  });

  it('rejects a commitment for a project outside the configuration and an unknown status, without a call', async () => {
    const connector = await connect();
    const results = await connector.write('commitments', TargetAction.Upsert, [
      order(42, 'US001-2', 'SHARE-1', []),
      order(procore!.projectIds[0]!, 'US001-3', 'SHARE-1', [], { status: 'Q' }),
    ]);
    expect(results[0]).toMatchObject({ outcome: ItemOutcome.Rejected, reason: { message: expect.stringContaining('project_id 42 is not one of targets.procore.projects') } });
    expect(results[1]).toMatchObject({ outcome: ItemOutcome.Rejected, reason: { message: expect.stringContaining('status "Q"') } });
    expect(procore!.calls((entry) => entry.path.startsWith('/rest/'))).toBe(0);
  });
});

describe('Procore limits, auth and the company header', () => {
  it('sends Procore-Company-Id on every API call', async () => {
    const connector = await connect();
    await connector.write('vendors', TargetAction.Upsert, [vendor('SHARE-1')]);
    await connector.write('cost-codes', TargetAction.Upsert, [account('SHARE-100030')]);
    await connector.write('commitments', TargetAction.Upsert, [order(procore!.projectIds[0]!, 'US001-1', 'SHARE-1', ['SHARE-100030'])]);
    await connector.ping();
    const api = procore!.callLog.filter((entry) => entry.path.startsWith('/rest/'));
    expect(api.length).toBeGreaterThan(5);
    expect(api.every((entry) => entry.companyHeader === String(procore!.companyId))).toBe(true);
  });

  it('waits until X-Rate-Limit-Reset after a 429 without Retry-After, then succeeds', async () => {
    const connector = await connect();
    procore!.fail({ status: 429, resetInSeconds: 7, pathIncludes: '/vendors/sync' });
    slept.length = 0;
    const results = await connector.write('vendors', TargetAction.Upsert, [vendor('SHARE-1')]);
    expect(results[0]!.outcome).toBe(ItemOutcome.Created);
    const limited = procore!.callLog.filter((entry) => entry.path === '/rest/v1.0/vendors/sync');
    expect(limited.map((entry) => [entry.status, entry.retryAfter ?? false])).toEqual([[429, false], [200, false]]);
    // The retry reached Procore no earlier than the reset it was told.
    expect(limited[1]!.at.getTime() - limited[0]!.at.getTime()).toBeGreaterThanOrEqual(6_000);
    expect(connector.stats().throttled).toBe(1);
  });

  it('waits out a 503 for its Retry-After, and throws rate-limited with the wait when it persists', async () => {
    const connector = await connect();
    procore!.fail({ status: 503, retryAfterSeconds: 30, pathIncludes: '/vendors/sync' });
    slept.length = 0;
    expect((await connector.write('vendors', TargetAction.Upsert, [vendor('SHARE-1')]))[0]!.outcome).toBe(ItemOutcome.Created);
    expect(slept.reduce((sum, ms) => sum + ms, 0)).toBeGreaterThanOrEqual(30_000);

    procore!.fail({ status: 503, retryAfterSeconds: 30, pathIncludes: '/vendors/sync' }, 5);
    const error = await connector.write('vendors', TargetAction.Upsert, [vendor('SHARE-2')]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExternalSystemError);
    expect(error).toMatchObject({ kind: ErrorKind.RateLimited, retryAfterMs: 30_000, status: 503 });
  });

  it('paces calls under the spike window so normal work draws no 429', async () => {
    const connector = await connect({ spike: { calls: 5, windowMs: 10_000 } }, { rateLimits: { spike: { calls: 5, seconds: 10 } } });
    for (let index = 0; index < 12; index += 1) await connector.write('vendors', TargetAction.Upsert, [vendor(`SHARE-${index}`)]);
    expect(procore!.calls((entry) => entry.status === 429)).toBe(0);
    expect(procore!.vendors.size).toBe(12);
  });

  it('names the secret, never its value, when the client credentials are refused; a revoked token is replaced once', async () => {
    const refused = await connect({}, {}, 'not-the-secret');
    const error = await refused.write('vendors', TargetAction.Upsert, [vendor('SHARE-1')]).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: ErrorKind.CredentialsRefused, secretName: 'procore' });
    expect(String((error as Error).message)).not.toContain('not-the-secret');
    const checks = await refused.ping();
    expect(checks).toEqual([expect.objectContaining({ name: 'procore: access token', ok: false })]);
    expect(JSON.stringify(checks)).not.toContain('not-the-secret');
    await procore!.stop();

    const connector = await connect();
    await connector.write('vendors', TargetAction.Upsert, [vendor('SHARE-1')]);
    procore!.invalidateTokens();
    expect((await connector.write('vendors', TargetAction.Upsert, [vendor('SHARE-2')]))[0]!.outcome).toBe(ItemOutcome.Created);
    expect(procore!.tokensIssued).toBe(2);
  });

  it('pings the token, the company and each project', async () => {
    const connector = await connect({}, { projects: [String(562_949_953_421_401), '999'] });
    const checks = await connector.ping();
    expect(checks.map((check) => [check.name, check.ok])).toEqual([
      ['procore: access token', true],
      [`procore: company ${procore!.companyId}`, true],
      ['procore: project 562949953421401', true],
      ['procore: project 999', false],
    ]);
    expect(checks[3]!.detail).toMatch(/HTTP 404/);
  });
});
