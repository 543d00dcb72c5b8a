import { polledEntityOf } from '../../shared/config/flowSources';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { PingCheck } from '../../shared/connectors';
import { ErrorKind, MlConnectorError } from '../../shared/errors';
// From its own file, so the YAML parser stays out of the Lambda bundle.
import { peopleSoftSystemOf } from '../../shared/config/peopleSoftSystemOf';
import { pollFlow, type PollResult } from '../../shared/pipeline';
import { createEffectiveDateStore, createQueue, createSource, createStore, findFlow } from '../../shared/runtime';
import { awsContext } from '../commons/awsContext';
import { readEnvironment } from '../commons/environment';
import { emitCounters, logger, metrics } from '../commons/observability';
import { continuationEvent, type PollerEvent } from './continuationEvent';

export type { PollerEvent } from './continuationEvent';

const env = readEnvironment();
const context = awsContext(env);
const flow = findFlow(context.config, env.FLOW_NAME);
const store = createStore(context);
const queue = createQueue(context, flow);
const effectiveDates = createEffectiveDateStore(context);
const lambda = new LambdaClient({});
// One source per container: its OAuth token and host checks outlive a single invocation.
let source: ReturnType<typeof createSource> | undefined;

async function poll(event: PollerEvent, lambdaContext: Context): Promise<PollResult | { checks: PingCheck[] }> {
  // Only the system this flow reads: its poller may read that system's secret and no other.
  source ??= createSource(context, [peopleSoftSystemOf(context.config, polledEntityOf(flow)).name]);
  const peoplesoft = await source.catch((error: unknown) => {
    source = undefined;
    throw error;
  });
  if (event?.action === 'ping') return { checks: await peoplesoft.ping() };
  const range = {
    ...(event?.since ? { since: instant(event.since, 'since') } : {}),
    ...(event?.until ? { until: instant(event.until, 'until') } : {}),
  };
  try {
    const result = await pollFlow({
      config: context.config,
      flow,
      source: peoplesoft,
      queue,
      store,
      effectiveDates,
      ...range,
      remainingTimeMs: () => lambdaContext.getRemainingTimeInMillis(),
    });
    emitCounters(flow.name, result);
    logger.info('poll finished', { ...result });
    const next = continuationEvent(result);
    if (next) {
      // Near the deadline the poller saved its progress; a fresh invocation reads the rest of the range.
      await lambda.send(new InvokeCommand({ FunctionName: lambdaContext.functionName, InvocationType: 'Event', Payload: JSON.stringify(next) }));
    }
    return result;
  } catch (error) {
    metrics.addDimension('flow', flow.name);
    metrics.addMetric('SourceFailures', MetricUnit.Count, 1);
    logger.error('poll failed', { error: error as Error });
    throw error;
  }
}

function instant(value: string, field: string): Date {
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw new MlConnectorError(`poller event: ${field} "${value}" is not an ISO-8601 date-time`, ErrorKind.Permanent);
  return parsed;
}

export const handler = middy(poll).use(injectLambdaContext(logger)).use(logMetrics(metrics));
