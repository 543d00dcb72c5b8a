import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { PingCheck } from '../../shared/connectors';
import { pollFlow, type PollResult } from '../../shared/pipeline';
import { createQueue, createSource, createStore, findFlow } from '../../shared/runtime';
import { awsContext } from '../commons/awsContext';
import { readEnvironment } from '../commons/environment';
import { emitCounters, logger, metrics } from '../commons/observability';

const env = readEnvironment();
const context = awsContext(env);
const flow = findFlow(context.config, env.FLOW_NAME);
const store = createStore(context);
const queue = createQueue(context, flow);
const lambda = new LambdaClient({});
// One source per container: its OAuth token and host checks outlive a single invocation.
let source: ReturnType<typeof createSource> | undefined;

/**
 * Scheduler input: `{}` for a scheduled run, `{ since }` to re-read from a date. The CLI sends
 * `{ action: 'ping' }` to check PeopleSoft from inside the VPC, through the static egress IP.
 */
export interface PollerEvent {
  readonly since?: string;
  readonly action?: 'ping';
}

async function poll(event: PollerEvent, lambdaContext: Context): Promise<PollResult | { checks: PingCheck[] }> {
  source ??= createSource(context);
  const peoplesoft = await source.catch((error: unknown) => {
    source = undefined;
    throw error;
  });
  if (event?.action === 'ping') return { checks: await peoplesoft.ping() };
  try {
    const result = await pollFlow({
      config: context.config,
      flow,
      source: peoplesoft,
      queue,
      store,
      ...(event?.since ? { since: new Date(event.since) } : {}),
      remainingTimeMs: () => lambdaContext.getRemainingTimeInMillis(),
    });
    emitCounters(flow.name, result);
    logger.info('poll finished', { ...result });
    if (!result.complete) {
      // Near the deadline the poller saved its cursor; a fresh invocation continues from there.
      await lambda.send(new InvokeCommand({ FunctionName: lambdaContext.functionName, InvocationType: 'Event', Payload: JSON.stringify({}) }));
    }
    return result;
  } catch (error) {
    metrics.addDimension('flow', flow.name);
    metrics.addMetric('SourceFailures', MetricUnit.Count, 1);
    logger.error('poll failed', { error: error as Error });
    throw error;
  }
}

export const handler = middy(poll).use(injectLambdaContext(logger)).use(logMetrics(metrics));
