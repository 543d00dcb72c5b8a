import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceNames, type CustomerConfig } from '../../shared/config';
import { recordEnvelopeSchema, type RecordEnvelope } from '../../shared/envelope';
import { LocalAws } from '../../shared/local/LocalAws';
import { StateStore } from '../../shared/state';
import { startAwsStandIn, type AwsStandIn } from '../infra/support/awsStandIn';
import { IB_FLOW, IB_PASSWORD, IB_SOURCE, IB_USER, ibAuthorization, ibPushDemoConfig, ibRowsetMessage, vendorRow } from '../support/ibMessages';

const MAX_BODY = 64 * 1024;
let config: CustomerConfig;
let aws: LocalAws;
let standIn: AwsStandIn;
let store: StateStore;
let dir: string;
let queueName: string;
let handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
// A host an external entity would make the parser fetch: it must never hear from the front door.
let lure: Server;
let lureUrl: string;
let lureHits = 0;

beforeAll(async () => {
  config = ibPushDemoConfig(MAX_BODY);
  aws = await LocalAws.start({ region: config.region });
  await aws.provision(config);
  standIn = await startAwsStandIn({ 'ml-connector/demo/fscm-ib-node': { username: IB_USER, password: IB_PASSWORD } });
  store = new StateStore({ client: aws.dynamo, tableName: aws.tableName(config), auditRetentionDays: 1 });
  dir = mkdtempSync(join(tmpdir(), 'ml-ib-push-'));
  writeFileSync(join(dir, 'ml-config.json'), JSON.stringify(config));
  queueName = resourceNames(config).flow(config.flows.find((flow) => flow.name === IB_FLOW)!).queue;
  const queues = aws.flowQueues(IB_FLOW);
  lure = createServer((_request, response) => {
    lureHits += 1;
    response.end('<!ENTITY leak "secret">');
  });
  await new Promise<void>((resolve) => lure.listen(0, '127.0.0.1', resolve));
  lureUrl = `http://127.0.0.1:${(lure.address() as AddressInfo).port}/entity.dtd`;
  Object.assign(process.env, {
    ML_CONFIG_FILE: join(dir, 'ml-config.json'),
    TABLE_NAME: aws.tableName(config),
    SECRET_PREFIX: 'ml-connector/demo/',
    FLOW_QUEUES: JSON.stringify({ [IB_FLOW]: { queueUrl: queues.queueUrl, deadLetterQueueUrl: queues.deadLetterQueueUrl } }),
    AWS_REGION: config.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SQS: aws.endpoints.sqs,
    AWS_ENDPOINT_URL_DYNAMODB: aws.endpoints.dynamodb,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: standIn.url,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  ({ handler } = (await import('../../functions/frontdoor/handler')) as unknown as { handler: typeof handler });
});
afterAll(async () => {
  await aws?.stop();
  await standIn?.stop();
  await new Promise((resolve) => lure?.close(resolve));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const lambdaContext = {
  functionName: 'ml-connector-demo-frontdoor',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:ml-connector-demo-frontdoor',
  memoryLimitInMB: '256',
  awsRequestId: 'req-ib',
  logGroupName: '/aws/lambda/ml-connector-demo-frontdoor',
  logStreamName: 'test',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 15_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as Context;

/** What an IB node's HTTPTARGET connector posts, as API Gateway's HTTP API (payload 2.0) hands it over. */
function ibEvent(body: string, options: { transactionId?: string; authorization?: string | null } = {}): APIGatewayProxyEventV2 {
  const path = `/webhooks/${IB_SOURCE}`;
  const headers: Record<string, string> = { 'content-type': 'text/xml; charset=UTF-8' };
  if (options.authorization !== null) headers.authorization = options.authorization ?? ibAuthorization();
  if (options.transactionId) headers.transactionid = options.transactionId;
  return {
    version: '2.0',
    routeKey: `POST ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'api123',
      domainName: 'api123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'api123',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.20', userAgent: 'PeopleSoft IB' },
      requestId: 'req-ib',
      routeKey: `POST ${path}`,
      stage: '$default',
      time: '01/Mar/2026:10:00:00 +0000',
      timeEpoch: Date.now(),
    },
    body,
    isBase64Encoded: false,
  };
}

async function deliver(body: string, options: Parameters<typeof ibEvent>[1] = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, unknown> }> {
  const result = await handler(ibEvent(body, options), lambdaContext);
  return { status: result.statusCode!, body: JSON.parse(String(result.body)) as Record<string, unknown>, headers: result.headers ?? {} };
}

async function queued(): Promise<RecordEnvelope[]> {
  return (await aws.inspect(queueName)).map((message) => recordEnvelopeSchema.parse(JSON.parse(message.body)));
}

const idOf = (row: ReturnType<typeof vendorRow>): string => `${row.fields.SETID}|${row.fields.VENDOR_ID}`;

describe('Integration Broker publications at the front door', () => {
  it('queues one upsert per Transaction of a full-sync message, with its child rowset as a list and its time read in the system zone', async () => {
    const before = (await queued()).length;
    const rows = [vendorRow(''), vendorRow('', { NAME1: 'Acme Concrete & Sons' }, ['1', '2']), vendorRow('A')];
    const body = ibRowsetMessage('VENDOR_FULLSYNC', 'VENDOR', rows);

    const answer = await deliver(body, { transactionId: 'b1d4a6e2-full-1' });

    expect(answer).toMatchObject({ status: 202, body: { status: 'accepted', eventId: 'b1d4a6e2-full-1', queued: 3, flows: [IB_FLOW], rejected: 0 } });
    const envelopes = (await queued()).slice(before);
    expect(envelopes.map((envelope) => [envelope.source.id, envelope.operation])).toEqual(rows.map((row) => [idOf(row), 'upsert']));
    // 10:00 in New York, where the Financials system keeps its times.
    expect(envelopes.every((envelope) => envelope.sourceUpdatedAt === '2026-03-01T15:00:00.000Z')).toBe(true);
    expect(envelopes[1]).toMatchObject({
      flow: IB_FLOW,
      source: { system: 'financials', entity: 'vendors' },
      record: { ...rows[1]!.fields, LOCATIONS: [{ VNDR_LOC: '1' }, { VNDR_LOC: '2' }] },
    });
    const trail = await store.auditTrail(idOf(rows[0]!));
    expect(trail.map(({ event, reason }) => ({ event, reason }))).toEqual([{ event: 'pushed', reason: `pushed by ${IB_SOURCE}, event b1d4a6e2-full-1` }]);
  });

  it('queues an incremental message by AUDIT_ACTN: A and C upsert, D deactivates', async () => {
    const before = (await queued()).length;
    const added = vendorRow('A', { LASTUPDDTTM: '2026-03-02-09.15.00.000000' });
    const changed = vendorRow('C', { LASTUPDDTTM: '2026-03-02T09:16:00' });
    const deleted = vendorRow('D', { LASTUPDDTTM: '2026-03-02-09.17.30.500000' });

    const answer = await deliver(ibRowsetMessage('VENDOR_SYNC', 'VENDOR', [added, changed, deleted]), { transactionId: 'b1d4a6e2-sync-1' });

    expect(answer).toMatchObject({ status: 202, body: { queued: 3 } });
    expect((await queued()).slice(before).map((envelope) => [envelope.source.id, envelope.operation, envelope.sourceUpdatedAt])).toEqual([
      [idOf(added), 'upsert', '2026-03-02T14:15:00.000Z'],
      [idOf(changed), 'upsert', '2026-03-02T14:16:00.000Z'],
      [idOf(deleted), 'deactivate', '2026-03-02T14:17:30.500Z'],
    ]);
  });

  it('audits a Transaction with an action it does not know as rejected and queues the others', async () => {
    const before = (await queued()).length;
    const good = vendorRow('C');
    const odd = vendorRow('K');

    const answer = await deliver(ibRowsetMessage('VENDOR_SYNC', 'VENDOR', [good, odd]), { transactionId: 'b1d4a6e2-sync-odd' });

    expect(answer).toMatchObject({ status: 202, body: { queued: 1, rejected: 1, rejections: [{ id: idOf(odd), reason: 'PSCAMA.AUDIT_ACTN: "K" is not A, C, D or blank' }] } });
    expect((await queued()).slice(before).map((envelope) => envelope.source.id)).toEqual([idOf(good)]);
    expect((await store.auditTrail(idOf(odd))).map((row) => row.event)).toEqual(['rejected']);
  });

  it('acknowledges IB retrying a delivered message without queuing anything again: by TransactionID, else by the body', async () => {
    const withId = ibRowsetMessage('VENDOR_SYNC', 'VENDOR', [vendorRow('C')]);
    const withoutId = ibRowsetMessage('VENDOR_SYNC', 'VENDOR', [vendorRow('C')]);
    expect((await deliver(withId, { transactionId: 'b1d4a6e2-retry' })).status).toBe(202);
    expect((await deliver(withoutId)).status).toBe(202);
    const before = (await queued()).length;

    const retried = await deliver(withId, { transactionId: 'b1d4a6e2-retry' });
    const retriedWithoutId = await deliver(withoutId);

    expect(retried).toMatchObject({ status: 200, body: { status: 'duplicate', eventId: 'b1d4a6e2-retry', queued: 0 } });
    expect(retriedWithoutId).toMatchObject({ status: 200, body: { status: 'duplicate', eventId: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), queued: 0 } });
    expect((await queued()).length).toBe(before);
  });

  const hostile: Array<{ name: string; status: number; error: RegExp; make: (rowXml: string) => { body: string; authorization?: string | null } }> = [
    {
      name: 'a DOCTYPE with an entity expansion bomb',
      status: 400,
      error: /DOCTYPE or entity declaration is refused/,
      make: (xml) => ({
        body: xml.replace(
          '<?xml version="1.0"?>',
          '<?xml version="1.0"?><!DOCTYPE VENDOR_SYNC [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
        ).replace('<NAME1>', '<NAME1>&c;'),
      }),
    },
    {
      name: 'an external entity',
      status: 400,
      error: /DOCTYPE or entity declaration is refused/,
      make: (xml) => ({ body: xml.replace('<?xml version="1.0"?>', `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % ext SYSTEM "${lureUrl}"> %ext;]>`).replace('<NAME1>', '<NAME1>&leak;') }),
    },
    { name: 'an oversize message', status: 413, error: new RegExp(`at most ${MAX_BODY} are accepted`), make: (xml) => ({ body: xml.replace('<NAME1>', `<NAME1>${'x'.repeat(MAX_BODY)}`) }) },
    {
      name: 'a message nested too deep',
      status: 400,
      error: /nests deeper than 20 elements/,
      make: (xml) => ({ body: xml.replace('<NAME1>', `${'<L>'.repeat(30)}x${'</L>'.repeat(30)}<NAME1>`) }),
    },
    { name: 'malformed XML', status: 400, error: /not well-formed XML/, make: (xml) => ({ body: xml.replace('</MsgData>', '') }) },
    { name: 'XML that is no rowset message', status: 400, error: /no MsgData\/Transaction/, make: () => ({ body: '<?xml version="1.0"?><IBInfo><Status>0</Status></IBInfo>' }) },
    {
      name: 'wrong credentials',
      status: 401,
      error: /Basic credentials do not match/,
      make: (xml) => ({ body: xml, authorization: ibAuthorization(IB_USER, 'guessed-password') }),
    },
    { name: 'no credentials', status: 401, error: /missing Basic credentials/, make: (xml) => ({ body: xml, authorization: null }) },
  ];

  it.each(hostile)('refuses $name with $status and queues and audits nothing', async ({ status, error, make }) => {
    const row = vendorRow('A');
    const before = (await queued()).length;
    const { body, authorization } = make(ibRowsetMessage('VENDOR_SYNC', 'VENDOR', [row]));

    const answer = await deliver(body, { transactionId: `hostile-${row.fields.VENDOR_ID}`, ...(authorization !== undefined ? { authorization } : {}) });

    expect(answer.status).toBe(status);
    expect(String(answer.body.error)).toMatch(error);
    expect(JSON.stringify(answer)).not.toContain(IB_PASSWORD);
    if (status === 401) expect(answer.headers['www-authenticate']).toBe(`Basic realm="${IB_SOURCE}"`);
    expect((await queued()).length).toBe(before);
    expect(await store.auditTrail(idOf(row))).toEqual([]);
    expect(lureHits).toBe(0);
  });

  it('takes the delivery refused for a hostile body as new once IB resends it repaired', async () => {
    const row = vendorRow('A');
    const good = ibRowsetMessage('VENDOR_SYNC', 'VENDOR', [row]);
    expect((await deliver(good.replace('</MsgData>', ''), { transactionId: 'b1d4a6e2-repaired' })).status).toBe(400);
    const before = (await queued()).length;

    const answer = await deliver(good, { transactionId: 'b1d4a6e2-repaired' });

    expect(answer).toMatchObject({ status: 202, body: { queued: 1 } });
    expect((await queued()).slice(before).map((envelope) => envelope.source.id)).toEqual([idOf(row)]);
  });
});
