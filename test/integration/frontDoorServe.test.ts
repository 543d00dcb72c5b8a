import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceNames } from '../../shared/config';
import { startFrontDoorServer, type FrontDoorServer } from '../../shared/cli/commands/serve';
import { LocalSession } from '../../shared/local';
import { startMarketoSimulator, type MarketoSimulator } from '../../simulators/marketo';
import { employee } from '../support/factories';
import { PUSHED_SECRET_ENV, PUSHED_SOURCE, pushedDemoConfig, signedDelivery, type SignedDelivery } from '../support/pushedDeliveries';

const FLOW = 'employees-to-marketo';
let session: LocalSession;
let server: FrontDoorServer;
let marketo: MarketoSimulator;
let queueName: string;

beforeAll(async () => {
  const config = pushedDemoConfig(4096);
  marketo = await startMarketoSimulator({});
  session = await LocalSession.open({ config, stateDir: null, env: PUSHED_SECRET_ENV, simulators: { targets: { marketo } } });
  queueName = resourceNames(config).flow(session.flow(FLOW)).queue;
  server = await startFrontDoorServer({ session, port: 0 });
});
afterAll(async () => {
  await server?.close();
  await session?.close();
  await marketo?.stop();
});

async function post(delivery: SignedDelivery, headers: Record<string, string> = delivery.headers): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}/webhooks/${PUSHED_SOURCE}`, { method: 'POST', headers, body: delivery.body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const writeCalls = (): number => marketo.calls((entry) => entry.method === 'POST');

describe('ml-connector serve: the local front door', () => {
  it('answers a signed delivery 202 and the flow writes its records to the target, audited as pushed', async () => {
    const hire = employee({ JOBTITLE: 'Buyer', LASTUPDDTTM: '2026-03-01T10:00:00Z' });
    const other = employee({ LASTUPDDTTM: '2026-03-01T10:00:05Z' });

    const answer = await post(signedDelivery('evt-serve-1', [hire, other]));
    await server.idle();

    expect(answer).toMatchObject({ status: 202, body: { status: 'accepted', eventId: 'evt-serve-1', queued: 2, flows: [FLOW] } });
    expect(marketo.lead(String(hire.EMAIL_ADDR))?.fields.title).toBe('Buyer');
    expect(marketo.lead(String(other.EMAIL_ADDR))).toBeDefined();
    const trail = await session.store.auditTrail(String(hire.EMPLID));
    expect(trail.map((row) => row.event)).toEqual(expect.arrayContaining(['pushed', 'received', 'written']));
    expect(trail.filter((row) => row.event === 'received')).toHaveLength(1);
    expect(trail.find((row) => row.event === 'pushed')?.reason).toBe('pushed by hr-events, event evt-serve-1');
    expect(await session.aws.inspect(queueName)).toEqual([]);
  });

  it('acknowledges a redelivered event id without queuing or writing anything again', async () => {
    const person = employee({ JOBTITLE: 'Planner' });
    expect((await post(signedDelivery('evt-serve-2', [person]))).status).toBe(202);
    await server.idle();
    const calls = writeCalls();

    // The sender retries with a fresh signature and a changed body: the event id decides.
    const again = await post(signedDelivery('evt-serve-2', [{ ...person, JOBTITLE: 'Changed' }]));
    await server.idle();

    expect(again).toMatchObject({ status: 200, body: { status: 'duplicate', queued: 0 } });
    expect(await session.aws.inspect(queueName)).toEqual([]);
    expect(writeCalls()).toBe(calls);
    expect(marketo.lead(String(person.EMAIL_ADDR))?.fields.title).toBe('Planner');
  });

  const refusals: Array<{ name: string; status: number; error: RegExp; make: (record: Record<string, unknown>) => { delivery: SignedDelivery; headers?: Record<string, string> } }> = [
    { name: 'a forged signature', status: 401, error: /signature in X-Signature does not match/, make: (r) => ({ delivery: signedDelivery('evt-forged', [r], { secret: 'not-the-secret' }) }) },
    {
      name: 'a stale timestamp (a replay)',
      status: 401,
      error: /outside the 300 s window/,
      make: (r) => ({ delivery: signedDelivery('evt-stale', [r], { signedAt: new Date(Date.now() - 10 * 60_000) }) }),
    },
    {
      name: 'a missing signature header',
      status: 401,
      error: /missing signature header X-Signature/,
      make: (r) => {
        const delivery = signedDelivery('evt-unsigned', [r]);
        const { 'x-signature': _dropped, ...headers } = delivery.headers;
        return { delivery, headers };
      },
    },
    {
      name: 'an oversize body',
      status: 413,
      error: /at most 4096 are accepted/,
      make: (r) => ({ delivery: signedDelivery('evt-big', [{ ...r, NOTES: 'x'.repeat(5000) }]) }),
    },
    { name: 'malformed JSON, signed', status: 400, error: /not JSON/, make: () => ({ delivery: signedDelivery('evt-bad-json', [], { body: '{"records": [' }) }) },
    {
      name: 'no event id',
      status: 400,
      error: /no event id in header X-Event-Id/,
      make: (r) => {
        const delivery = signedDelivery('', [r]);
        return { delivery };
      },
    },
  ];

  it.each(refusals)('refuses $name with $status and queues, writes and audits nothing', async ({ status, error, make }) => {
    const record = employee();
    const calls = writeCalls();
    const { delivery, headers } = make(record);

    const answer = await post(delivery, headers);

    expect(answer.status).toBe(status);
    expect(String(answer.body.error)).toMatch(error);
    expect(await session.aws.inspect(queueName)).toEqual([]);
    await server.idle();
    expect(writeCalls()).toBe(calls);
    expect(await session.store.auditTrail(String(record.EMPLID))).toEqual([]);
  });

  it('answers 404 for a source the config does not declare', async () => {
    const response = await fetch(`${server.url}/webhooks/unknown-source`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
  });
});
