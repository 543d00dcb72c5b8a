import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlowQueue } from '../../shared/aws';
import { resourceNames, type CustomerConfig } from '../../shared/config';
import { recordEnvelopeSchema, type RecordEnvelope } from '../../shared/envelope';
import { EventDedupe, receiveDelivery } from '../../shared/frontdoor';
import { LocalAws } from '../../shared/local/LocalAws';
import { LocalSecretResolver } from '../../shared/secrets';
import { StateStore } from '../../shared/state';
import { startAwsStandIn, type AwsStandIn } from '../infra/support/awsStandIn';
import { employee } from '../support/factories';
import { PUSHED_SECRET_ENV, PUSHED_SOURCE, SIGNING_SECRET, pushedDemoConfig, signedDelivery, type SignedDelivery } from '../support/pushedDeliveries';

const FLOW = 'employees-to-marketo';
let config: CustomerConfig;
let aws: LocalAws;
let standIn: AwsStandIn;
let dir: string;
let queueName: string;
let handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

beforeAll(async () => {
  config = pushedDemoConfig(64 * 1024);
  aws = await LocalAws.start({ region: config.region });
  await aws.provision(config);
  standIn = await startAwsStandIn({ 'ml-connector/demo/hr-events-webhook': { signingSecret: SIGNING_SECRET } });
  dir = mkdtempSync(join(tmpdir(), 'ml-frontdoor-'));
  writeFileSync(join(dir, 'ml-config.json'), JSON.stringify(config));
  const flow = config.flows.find((candidate) => candidate.name === FLOW)!;
  queueName = resourceNames(config).flow(flow).queue;
  const queues = aws.flowQueues(FLOW);
  // The environment the stack gives the function; the SDK reaches the emulators through the endpoint variables.
  Object.assign(process.env, {
    ML_CONFIG_FILE: join(dir, 'ml-config.json'),
    TABLE_NAME: aws.tableName(config),
    SECRET_PREFIX: 'ml-connector/demo/',
    FLOW_QUEUES: JSON.stringify({ [FLOW]: { queueUrl: queues.queueUrl, deadLetterQueueUrl: queues.deadLetterQueueUrl } }),
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
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const lambdaContext = {
  functionName: 'ml-connector-demo-frontdoor',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:ml-connector-demo-frontdoor',
  memoryLimitInMB: '256',
  awsRequestId: 'req-1',
  logGroupName: '/aws/lambda/ml-connector-demo-frontdoor',
  logStreamName: 'test',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 15_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as Context;

/** The event API Gateway's HTTP API (payload 2.0) sends for `POST /webhooks/<source>`. */
function apiEvent(delivery: SignedDelivery, options: { base64?: boolean; headers?: Record<string, string> } = {}): APIGatewayProxyEventV2 {
  const path = `/webhooks/${PUSHED_SOURCE}`;
  return {
    version: '2.0',
    routeKey: `POST ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: options.headers ?? delivery.headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'api123',
      domainName: 'api123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'api123',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'sender/1.0' },
      requestId: 'req-1',
      routeKey: `POST ${path}`,
      stage: '$default',
      time: '01/Mar/2026:10:00:00 +0000',
      timeEpoch: Date.now(),
    },
    body: options.base64 ? Buffer.from(delivery.body).toString('base64') : delivery.body,
    isBase64Encoded: options.base64 ?? false,
  };
}

async function queued(): Promise<RecordEnvelope[]> {
  return (await aws.inspect(queueName)).map((message) => recordEnvelopeSchema.parse(JSON.parse(message.body)));
}

function answerOf(result: APIGatewayProxyStructuredResultV2): { status: number; body: Record<string, unknown> } {
  return { status: result.statusCode!, body: JSON.parse(String(result.body)) as Record<string, unknown> };
}

describe('the front-door Lambda handler', () => {
  it('queues one envelope per record of a signed delivery, with the source version and the deactivation', async () => {
    const before = (await queued()).length;
    const hire = employee({ LASTUPDDTTM: '2026-03-01T10:00:00Z' });
    const leaver = employee({ EMPL_STATUS: 'T', ACTION: 'TER', LASTUPDDTTM: '2026-03-01T11:30:00Z' });
    const delivery = signedDelivery('evt-handler-1', [hire, leaver]);

    // API Gateway base64-encodes bodies it does not treat as text; the signature covers the bytes.
    const answer = answerOf(await handler(apiEvent(delivery, { base64: true }), lambdaContext));

    expect(answer).toMatchObject({ status: 202, body: { queued: 2, eventId: 'evt-handler-1', flows: [FLOW] } });
    const envelopes = (await queued()).slice(before);
    expect(envelopes.map((envelope) => [envelope.source.id, envelope.operation, envelope.sourceUpdatedAt])).toEqual([
      [hire.EMPLID, 'upsert', '2026-03-01T10:00:00.000Z'],
      [leaver.EMPLID, 'deactivate', '2026-03-01T11:30:00.000Z'],
    ]);
    expect(envelopes[0]).toMatchObject({ flow: FLOW, source: { system: 'hr-push', entity: 'employees' }, dedupeKey: `${FLOW}#${hire.EMPLID}`, record: hire });
  });

  it('answers a repeated event id 200 and queues nothing again', async () => {
    const delivery = signedDelivery('evt-handler-2', [employee()]);
    expect(answerOf(await handler(apiEvent(delivery), lambdaContext)).status).toBe(202);
    const before = (await queued()).length;

    const again = answerOf(await handler(apiEvent(signedDelivery('evt-handler-2', [employee()])), lambdaContext));

    expect(again).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    expect((await queued()).length).toBe(before);
  });

  it('refuses a forged delivery with 401 and queues nothing', async () => {
    const before = (await queued()).length;
    const forged = signedDelivery('evt-handler-3', [employee()], { secret: 'guessed' });

    const result = await handler(apiEvent(forged), lambdaContext);

    expect(answerOf(result)).toEqual({ status: 401, body: { error: 'hr-events: signature in X-Signature does not match' } });
    expect(JSON.stringify(result)).not.toContain(SIGNING_SECRET);
    expect((await queued()).length).toBe(before);
  });

  it('queues the good records of a delivery and audits the one without a key as rejected', async () => {
    const before = (await queued()).length;
    const good = employee();
    const keyless = { ...employee(), EMPLID: '  ' };

    const answer = answerOf(await handler(apiEvent(signedDelivery('evt-handler-4', [good, keyless])), lambdaContext));

    expect(answer).toMatchObject({ status: 202, body: { queued: 1, rejected: 1, rejections: [{ id: null, reason: 'EMPLID: key field is missing, empty or not text or a number' }] } });
    expect((await queued()).slice(before).map((envelope) => envelope.source.id)).toEqual([good.EMPLID]);
    const store = new StateStore({ client: aws.dynamo, tableName: aws.tableName(config), auditRetentionDays: 1 });
    expect((await store.auditTrail('(no key)')).map(({ event, flow, reason }) => ({ event, flow, reason }))).toContainEqual({
      event: 'rejected',
      flow: FLOW,
      reason: 'EMPLID: key field is missing, empty or not text or a number (pushed by hr-events, event evt-handler-4)',
    });
  });
});

describe('the front-door core when the queue fails', () => {
  it('answers 503 and releases the event id, so the sender retry is queued', async () => {
    const store = new StateStore({ client: aws.dynamo, tableName: aws.tableName(config), auditRetentionDays: 1 });
    const dedupe = new EventDedupe({ client: aws.dynamo, tableName: aws.tableName(config) });
    const queues = aws.flowQueues(FLOW);
    const missingQueue = new FlowQueue({ client: aws.sqs, queueUrl: `${queues.queueUrl}-missing`, deadLetterQueueUrl: queues.deadLetterQueueUrl, sleep: async () => undefined });
    const deps = (queue: FlowQueue) => ({ config, secrets: new LocalSecretResolver(undefined, PUSHED_SECRET_ENV), dedupe, audit: store, queueOf: () => queue });
    const record = employee();
    const delivery = (): { source: string; headers: Record<string, string>; body: Buffer } => {
      const signed = signedDelivery('evt-core-retry', [record]);
      return { source: PUSHED_SOURCE, headers: signed.headers, body: Buffer.from(signed.body) };
    };
    const before = (await queued()).length;

    const failed = await receiveDelivery(delivery(), deps(missingQueue));
    const retried = await receiveDelivery(delivery(), deps(new FlowQueue({ client: aws.sqs, ...queues })));

    expect(failed).toEqual({ status: 503, body: { error: 'the delivery could not be queued; retry later' } });
    expect(retried).toMatchObject({ status: 202, body: { queued: 1 } });
    expect((await queued()).slice(before).map((envelope) => envelope.source.id)).toEqual([record.EMPLID]);
    expect((await store.auditTrail(String(record.EMPLID))).map((row) => row.event)).toEqual(['pushed']);
  });
});
