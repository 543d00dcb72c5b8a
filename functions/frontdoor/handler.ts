import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { FlowQueue } from '../../shared/aws/FlowQueue';
import { EventDedupe, receiveDelivery, type FlowQueueLike } from '../../shared/frontdoor';
import { AwsSecretResolver } from '../../shared/secrets';
import { StateStore } from '../../shared/state';
import { readBundledConfig } from '../commons/environment';
import { logger, metrics } from '../commons/observability';
import { readFrontDoorEnvironment } from './environment';

const env = readFrontDoorEnvironment();
const config = readBundledConfig(env.ML_CONFIG_FILE);
const dynamo = new DynamoDBClient({});
// Requests go to the region's endpoint (or AWS_ENDPOINT_URL_SQS), not to the host in a queue URL.
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
const queues = new Map<string, FlowQueueLike>(
  Object.entries(env.FLOW_QUEUES).map(([flow, urls]) => [flow, new FlowQueue({ client: sqs, ...urls })]),
);
const deps = {
  config,
  secrets: new AwsSecretResolver(new SecretsManagerClient({}), (name: string) => `${env.SECRET_PREFIX}${name}`),
  dedupe: new EventDedupe({ client: dynamo, tableName: env.TABLE_NAME }),
  audit: new StateStore({ client: dynamo, tableName: env.TABLE_NAME, auditRetentionDays: config.auditRetentionDays }),
  queueOf: (flow: { name: string }): FlowQueueLike => {
    const queue = queues.get(flow.name);
    if (!queue) throw new Error(`the front door has no queue for flow ${flow.name} (FLOW_QUEUES)`);
    return queue;
  },
  onFailure: (error: unknown, source: string) => logger.error('delivery not queued', { source, error: error as Error }),
};

const ROUTE = /^POST \/webhooks\/([^/\s]+)$/;

/**
 * API Gateway HTTP API (payload 2.0) → the front door's core → the answer. The source comes
 * from the matched route (`POST /webhooks/<source>`); the body is taken byte for byte as signed.
 */
async function frontDoor(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const source = ROUTE.exec(event.routeKey ?? '')?.[1] ?? event.rawPath.split('/').pop() ?? '';
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  const answer = await receiveDelivery({ source, headers, body }, deps);
  metrics.addDimension('source', source);
  metrics.addMetric(answer.status < 300 ? 'DeliveriesAccepted' : answer.status < 500 ? 'DeliveriesRefused' : 'DeliveriesFailed', MetricUnit.Count, 1);
  if (answer.status >= 400 && answer.status < 500) logger.warn('delivery refused', { source, status: answer.status, ...answer.body });
  else logger.info('delivery answered', { source, status: answer.status, ...answer.body });
  return {
    statusCode: answer.status,
    headers: { 'content-type': 'application/json', ...answer.headers },
    body: JSON.stringify(answer.body),
  };
}

export const handler = middy(frontDoor).use(injectLambdaContext(logger)).use(logMetrics(metrics));
