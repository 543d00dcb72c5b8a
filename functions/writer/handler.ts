import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { PingCheck, TargetConnector } from '../../shared/connectors';
import { writeBatch } from '../../shared/pipeline';
import { createConnector, createQueue, createStore, findFlow } from '../../shared/runtime';
import { awsContext } from '../commons/awsContext';
import { readEnvironment } from '../commons/environment';
import { emitCounters, logger, metrics } from '../commons/observability';

const env = readEnvironment();
const context = awsContext(env);
const flow = findFlow(context.config, env.FLOW_NAME);
const store = createStore(context);
const queue = createQueue(context, flow);
// One connector per container: its token cache and pacer outlive a single invocation.
let connector: Promise<TargetConnector> | undefined;
// Connectors of the systems a fetching pushed source names records in (kept like the target's).
const fetched = new Map<string, Promise<TargetConnector>>();
function fetchConnector(target: string): Promise<TargetConnector> {
  let made = fetched.get(target);
  if (!made) {
    made = createConnector(context, target);
    made.catch(() => fetched.delete(target));
    fetched.set(target, made);
  }
  return made;
}

/** The CLI sends `{ action: 'ping' }` to check the target's credentials from the deployed stack. */
export interface PingEvent {
  readonly action: 'ping';
}

async function write(event: SQSEvent | PingEvent, lambdaContext: Context): Promise<SQSBatchResponse | { checks: PingCheck[] }> {
  connector ??= createConnector(context, flow.target);
  if ('action' in event) return { checks: await (await connector).ping() };
  const result = await writeBatch(
    event.Records.map((record) => ({
      messageId: record.messageId,
      body: record.body,
      receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 1),
      receiptHandle: record.receiptHandle,
    })),
    {
      flow,
      connector: await connector.catch((error) => {
        connector = undefined;
        throw error;
      }),
      store,
      queue,
      alerts: context.alerts,
      fetchConnector,
      remainingTimeMs: () => lambdaContext.getRemainingTimeInMillis(),
    },
  );
  // Refused credentials: the next invocation reads the secret again and builds a new connector,
  // so a fixed secret is picked up by the next probe without waiting for a cold start.
  if (result.refusedSecret) {
    context.secrets.forget?.(result.refusedSecret);
    connector = undefined;
  }
  emitCounters(flow.name, result.counters);
  logger.info('batch written', {
    records: event.Records.length,
    failed: result.failedMessageIds.length,
    held: result.heldMessageIds.length,
    ...result.counters,
  });
  return { batchItemFailures: result.failedMessageIds.map((itemIdentifier) => ({ itemIdentifier })) };
}

export const handler = middy(write).use(injectLambdaContext(logger)).use(logMetrics(metrics));
