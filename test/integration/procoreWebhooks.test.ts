import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TargetAction, type FetchedRecord } from '../../shared/connectors';
import { ProcoreConnector, procoreSettingsSchema } from '../../shared/connectors/procore';
import { ErrorKind } from '../../shared/errors';
import { inProcessLimiters } from '../../shared/limits';
import { startProcoreSimulator, type ProcoreSimulator } from '../../simulators/procore';

const HEADER_VALUE = 'front-door-token-0f9e8d7c';
let procore: ProcoreSimulator | undefined;
let receiver: { url: string; received: Array<{ headers: IncomingMessage['headers']; body: Record<string, unknown> }>; stop(): Promise<void> } | undefined;
afterEach(async () => {
  await procore?.stop();
  await receiver?.stop();
  procore = undefined;
  receiver = undefined;
});

let skipped = 0;
const now = (): Date => new Date(Date.now() + skipped);

/** A stand-in front door: records what Procore posts and answers 202. */
async function startReceiver(): Promise<NonNullable<typeof receiver>> {
  const received: NonNullable<typeof receiver>['received'] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
      response.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/procore`,
    received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function connect(): Promise<ProcoreConnector> {
  procore = await startProcoreSimulator({ now });
  receiver = await startReceiver();
  return new ProcoreConnector({
    settings: procoreSettingsSchema.parse({
      secret: 'procore',
      baseUrl: procore.url,
      loginUrl: procore.url,
      companyId: String(procore.companyId),
      projects: procore.projectIds.map(String),
    }),
    credentials: { clientId: 'sim-procore-client', clientSecret: 'sim-procore-secret' },
    hostPolicy: { allowLoopback: true, allowPrivate: false },
    limiters: inProcessLimiters({ now: () => now().getTime() }),
    now,
  });
}

const request = (objects: string[], events = ['create', 'update']) => ({
  name: 'procore-events',
  url: receiver!.url,
  objects,
  events,
  token: HEADER_VALUE,
  header: 'X-Procore-Hook-Token',
});

async function collect(iterable: AsyncIterable<FetchedRecord[]>): Promise<FetchedRecord[]> {
  const out: FetchedRecord[] = [];
  for await (const page of iterable) out.push(...page);
  return out;
}

describe('Procore webhook subscription', () => {
  it('registers the company hook with the custom header and its triggers once, and changes only what differs later', async () => {
    const connector = await connect();
    const first = await connector.subscribe(request(['commitments', 'direct-costs', 'change-orders', 'requisitions']));
    expect(first.changes).toEqual([
      `hook procore-events created, delivering to ${receiver!.url} with header X-Procore-Hook-Token`,
      'trigger added: Purchase Order Contracts create',
      'trigger added: Purchase Order Contracts update',
      'trigger added: Direct Costs create',
      'trigger added: Direct Costs update',
      'trigger added: Commitment Change Orders create',
      'trigger added: Commitment Change Orders update',
      'trigger added: Requisitions create',
      'trigger added: Requisitions update',
    ]);
    const hook = procore!.hooks.get(Number(first.id))!;
    expect(hook).toMatchObject({ namespace: 'procore-events', destination_url: receiver!.url, scope: { kind: 'company', id: procore!.companyId } });
    expect(hook.destination_headers).toEqual({ 'X-Procore-Hook-Token': HEADER_VALUE });
    expect(JSON.stringify(first)).not.toContain(HEADER_VALUE);

    const again = await connector.subscribe(request(['commitments', 'direct-costs', 'change-orders', 'requisitions']));
    expect(again).toEqual({ id: first.id, changes: [] });

    const narrowed = await connector.subscribe({ ...request(['commitments'], ['update']), token: 'rotated-token-77' });
    expect(narrowed.changes).toContain('hook procore-events: custom header X-Procore-Hook-Token replaced');
    expect(narrowed.changes).toContain('trigger removed: Purchase Order Contracts create');
    expect(narrowed.changes.join('\n')).not.toContain('rotated-token-77');
    expect([...procore!.hooks.get(Number(first.id))!.triggers.values()].map((trigger) => `${trigger.resource_name} ${trigger.event_type}`)).toEqual([
      'Purchase Order Contracts update',
    ]);
    expect(procore!.hooks.size).toBe(1);
  });

  it('refuses an object Procore pushes nothing for', async () => {
    const connector = await connect();
    await expect(connector.subscribe(request(['vendors-of-mars']))).rejects.toMatchObject({ kind: ErrorKind.Misconfigured });
  });
});

describe('Procore deliveries and follow-up reads', () => {
  it('delivers ids-only events with the custom header, echoes of our own writes included, and the record fetched by id carries our origin marker', async () => {
    const connector = await connect();
    await connector.subscribe(request(['commitments']));
    const [project] = procore!.projectIds;
    await connector.write('vendors', TargetAction.Upsert, [{ ref: 'v', key: 'SHARE-1', payload: { origin_id: 'SHARE-1', name: 'Acme Concrete' } }]);
    await connector.write('cost-codes', TargetAction.Upsert, [{ ref: 'c', key: 'SHARE-100030', payload: { origin_id: 'SHARE-100030', code: '100030', name: 'Materials' } }]);
    await connector.write('commitments', TargetAction.Upsert, [
      {
        ref: 'po',
        key: `${project}|US001-1`,
        payload: { project_id: String(project), origin_id: 'US001-1', vendor: 'SHARE-1', title: 'Concrete', line_items: [{ cost_code: 'SHARE-100030', amount: 100, description: 'Ready-mix' }] },
      },
    ]);
    const mine = procore!.userCreatesCommitment(project!, { title: 'Made in Procore' });

    const deliveries = await procore!.deliver();
    expect(deliveries.map((delivery) => delivery.status)).toEqual([202, 202]);
    expect(receiver!.received).toHaveLength(2);
    for (const { headers, body } of receiver!.received) {
      expect(headers['x-procore-hook-token']).toBe(HEADER_VALUE);
      expect(Object.keys(body).sort()).toEqual(
        ['api_version', 'company_id', 'event_type', 'id', 'metadata', 'project_id', 'resource_id', 'resource_name', 'timestamp', 'ulid', 'user_id'].sort(),
      );
      expect(body).toMatchObject({ resource_name: 'Purchase Order Contracts', event_type: 'create', project_id: project, company_id: procore!.companyId });
    }
    expect(procore!.pendingEvents()).toBe(0);

    const fetched = await connector.fetchByIds(
      'commitments',
      receiver!.received.map(({ body }) => ({ id: String(body['resource_id']), scope: { project_id: String(body['project_id']) } })),
    );
    const echo = fetched.find((record) => record.fields['origin_id'] === 'US001-1')!;
    expect(echo.fields).toMatchObject({ origin_data: 'ml-connector', title: 'Concrete', line_items: [expect.objectContaining({ amount: 100, origin_data: 'ml-connector' })] });
    const theirs = fetched.find((record) => record.id === String(mine.id))!;
    expect(theirs.fields).toMatchObject({ origin_id: null, origin_data: null, title: 'Made in Procore' });

    // An id Procore no longer has is absent.
    expect(await connector.fetchByIds('commitments', [{ id: '1', scope: { project_id: String(project) } }])).toEqual([]);
  });

  it('fetches direct costs, change orders and requisitions by id, and lists what changed in a window for the reconciliation poll', async () => {
    const connector = await connect();
    const [project1, project2] = procore!.projectIds;
    const early = procore!.userCreatesDirectCost(project1!, { direct_cost_type: 'invoice', invoice_number: 'INV-1', grand_total: 500 });
    skipped += 60_000;
    const since = new Date(now().getTime() - 1_000).toISOString();
    const cost = procore!.userCreatesDirectCost(project2!, { direct_cost_type: 'expense', grand_total: 120 });
    const change = procore!.userCreatesChangeOrder(project1!, { title: 'CO 1', grand_total: 900 });
    const requisition = procore!.userCreatesRequisition(project1!, { number: 3 });
    skipped += 60_000;
    const until = new Date(now().getTime() - 1_000).toISOString();
    procore!.userUpdates('direct-costs', early.id, { grand_total: 550 });

    const costs = await collect(connector.listChanged('direct-costs', since, until));
    expect(costs.map((record) => record.id)).toEqual([String(cost.id)]);
    expect((await collect(connector.listChanged('change-orders', since, until))).map((record) => record.id)).toEqual([String(change.id)]);

    const byId = await connector.fetchByIds('direct-costs', [{ id: String(early.id), scope: { project_id: String(project1) } }]);
    expect(byId[0]!.fields).toMatchObject({ invoice_number: 'INV-1', grand_total: 550 });
    expect((await connector.fetchByIds('requisitions', [{ id: String(requisition.id), scope: { project_id: String(project1) } }]))[0]!.fields).toMatchObject({ number: 3 });
    await expect(connector.fetchByIds('direct-costs', [{ id: String(early.id) }])).rejects.toMatchObject({ kind: ErrorKind.Misconfigured });
  });

  it('pages through a long change list', async () => {
    const connector = await connect();
    const [project] = procore!.projectIds;
    const since = new Date(now().getTime() - 1_000).toISOString();
    for (let index = 0; index < 230; index += 1) procore!.userCreatesDirectCost(project!, { direct_cost_type: 'expense', grand_total: index });
    const until = new Date(now().getTime() + 5_000).toISOString();
    const listed = await collect(connector.listChanged('direct-costs', since, until));
    expect(listed).toHaveLength(230);
    expect(new Set(listed.map((record) => record.id)).size).toBe(230);
    // 100 a page: three pages in the project with records, one in the other.
    expect(procore!.calls((entry) => entry.path.endsWith('/direct_costs'))).toBe(4);
  });
});
