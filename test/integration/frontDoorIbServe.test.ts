import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceNames } from '../../shared/config';
import { startFrontDoorServer, type FrontDoorServer } from '../../shared/cli/commands/serve';
import { LocalSession } from '../../shared/local';
import { startMarketoSimulator, type MarketoSimulator } from '../../simulators/marketo';
import { IB_FLOW, IB_SECRET_ENV, IB_SOURCE, ibAuthorization, ibPushDemoConfig, ibRowsetMessage, vendorRow } from '../support/ibMessages';

let session: LocalSession;
let server: FrontDoorServer;
let target: MarketoSimulator;
let queueName: string;

beforeAll(async () => {
  const config = ibPushDemoConfig(256 * 1024);
  target = await startMarketoSimulator({});
  session = await LocalSession.open({ config, stateDir: null, env: IB_SECRET_ENV, simulators: { targets: { marketo: target } } });
  queueName = resourceNames(config).flow(session.flow(IB_FLOW)).queue;
  server = await startFrontDoorServer({ session, port: 0 });
});
afterAll(async () => {
  await server?.close();
  await session?.close();
  await target?.stop();
});

async function post(body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}/webhooks/${IB_SOURCE}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml', authorization: ibAuthorization(), ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const writeCalls = (): number => target.calls((entry) => entry.method === 'POST');
const companyOf = (row: ReturnType<typeof vendorRow>) => target.companies().find((company) => company.fields.externalCompanyId === `VENDOR-${row.fields.SETID}-${row.fields.VENDOR_ID}`);

describe('ml-connector serve: Integration Broker publications', () => {
  it('writes the vendors of a full-sync message to the target, and a retry of the same message writes nothing', async () => {
    const rows = [vendorRow(''), vendorRow('', { NAME1: 'Ridge & Rock Quarry' })];
    const message = ibRowsetMessage('VENDOR_FULLSYNC', 'VENDOR', rows);

    const answer = await post(message);
    await server.idle();
    const calls = writeCalls();
    const retried = await post(message);
    await server.idle();

    expect(answer).toMatchObject({ status: 202, body: { status: 'accepted', queued: 2, flows: [IB_FLOW] } });
    expect(companyOf(rows[1]!)?.fields.company).toBe('Ridge & Rock Quarry');
    expect(companyOf(rows[0]!)?.fields.company).toBe(rows[0]!.fields.NAME1);
    expect(retried).toMatchObject({ status: 200, body: { status: 'duplicate', eventId: answer.body.eventId } });
    expect(writeCalls()).toBe(calls);
    expect(await session.aws.inspect(queueName)).toEqual([]);
  });

  it('answers a message with an external entity 400 and writes nothing', async () => {
    const row = vendorRow('A');
    const calls = writeCalls();
    const hostile = ibRowsetMessage('VENDOR_SYNC', 'VENDOR', [row]).replace('<?xml version="1.0"?>', '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>').replace('<NAME1>', '<NAME1>&x;');

    const answer = await post(hostile, { TransactionID: 'serve-hostile-1' });
    await server.idle();

    expect(answer).toEqual({ status: 400, body: { error: `${IB_SOURCE}: XML with a DOCTYPE or entity declaration is refused` } });
    expect(writeCalls()).toBe(calls);
    expect(companyOf(row)).toBeUndefined();
    expect(await session.store.auditTrail(`${row.fields.SETID}|${row.fields.VENDOR_ID}`)).toEqual([]);
  });
});
