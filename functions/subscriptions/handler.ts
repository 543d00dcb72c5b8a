import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { KMSClient } from '@aws-sdk/client-kms';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { KmsTokenSealer } from '../../shared/auth';
import type { TargetConnector } from '../../shared/connectors';
import { ErrorKind, MlConnectorError } from '../../shared/errors';
import { MemoryAlerter, reconcilePushedSource, reconciledSources, renewSubscription, subscribedSources, type ReconcileResult, type RenewedSubscription } from '../../shared/pipeline';
import { createConnector, createQueue, createStore, type RuntimeContext } from '../../shared/runtime';
import { AwsSecretResolver } from '../../shared/secrets';
import { readBundledConfig } from '../commons/environment';
import { logger } from '../commons/observability';
import { readSubscriptionsEnvironment } from './environment';

/** Scheduled per pushed source (EventBridge Scheduler); without `source`, every source that has the section. */
export interface SubscriptionsEvent {
  readonly action: 'subscribe' | 'reconcile';
  readonly source?: string;
}

const env = readSubscriptionsEnvironment();
const config = readBundledConfig(env.ML_CONFIG_FILE);
const context: RuntimeContext = {
  mode: 'aws',
  config,
  secrets: new AwsSecretResolver(new SecretsManagerClient({}), (name) => `${env.SECRET_PREFIX}${name}`),
  // Requests go to the region's endpoint (or AWS_ENDPOINT_URL_SQS), not to the host in a queue URL.
  sqs: new SQSClient({ useQueueUrlAsEndpoint: false }),
  dynamo: new DynamoDBClient({}),
  tableName: env.TABLE_NAME,
  queueUrls: (flow) => {
    const urls = env.FLOW_QUEUES[flow.name];
    if (!urls) throw new MlConnectorError(`the subscriptions function has no queue for flow ${flow.name} (FLOW_QUEUES)`, ErrorKind.Misconfigured);
    return urls;
  },
  alerts: new MemoryAlerter(),
  // The same sealing as the writers: a token this function refreshes must open there, and never sit in the clear.
  ...(env.TOKEN_KEY_ARN ? { tokenSealer: new KmsTokenSealer({ client: new KMSClient({}), keyId: env.TOKEN_KEY_ARN }) } : {}),
};
const store = createStore(context);
// One connector per target and container: its token cache and pacer outlive an invocation.
const connectors = new Map<string, Promise<TargetConnector>>();
function connectorOf(target: string): Promise<TargetConnector> {
  let made = connectors.get(target);
  if (!made) {
    made = createConnector(context, target);
    made.catch(() => connectors.delete(target));
    connectors.set(target, made);
  }
  return made;
}

/**
 * Keeps the pushed sources' subscriptions alive (`subscribe`: renew well before expiry) and runs
 * their reconciliation polls (`reconcile`). A failure throws: the scheduler retries and then
 * dead-letters the invocation, and the function's error alarm fires.
 */
async function run(event: SubscriptionsEvent): Promise<{ renewed?: RenewedSubscription[]; reconciled?: ReconcileResult[] }> {
  if (event.action === 'subscribe') {
    const sources = event.source ? [event.source] : subscribedSources(config);
    const renewed: RenewedSubscription[] = [];
    for (const source of sources) {
      const state = await renewSubscription(source, { config, connectorOf, secrets: context.secrets, frontDoorUrl: env.FRONT_DOOR_URL });
      logger.info('subscription renewed', { source, target: state.target, id: state.id, expiresAt: state.expiresAt, changes: state.changes });
      renewed.push(state);
    }
    return { renewed };
  }
  if (event.action === 'reconcile') {
    const sources = event.source ? [event.source] : reconciledSources(config);
    const reconciled: ReconcileResult[] = [];
    for (const source of sources) {
      const result = await reconcilePushedSource(source, { config, connectorOf, queueOf: (flow) => createQueue(context, flow), store });
      logger.info('pushed source reconciled', { source, runId: result.runId, objects: result.objects });
      reconciled.push(result);
    }
    return { reconciled };
  }
  throw new MlConnectorError(`unknown action ${JSON.stringify((event as { action?: unknown }).action)} (subscribe or reconcile)`, ErrorKind.Misconfigured);
}

export const handler = middy(run).use(injectLambdaContext(logger));
