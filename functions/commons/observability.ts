import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { RunCounters } from '../../shared/state';

/** Powertools logger and metrics; service name and log level come from the environment. */
export const logger = new Logger();
export const metrics = new Metrics({ namespace: 'MlConnector' });

const metricNames: Partial<Record<keyof RunCounters, string>> = {
  read: 'RecordsRead',
  enqueued: 'RecordsEnqueued',
  rejected: 'RecordsRejected',
  created: 'RecordsCreated',
  updated: 'RecordsUpdated',
  deleted: 'RecordsDeleted',
  skippedUnchanged: 'RecordsSkippedUnchanged',
  deadLettered: 'RecordsDeadLettered',
  parked: 'RecordsParked',
  apiCalls: 'TargetApiCalls',
  throttled: 'TargetThrottles',
};

/** Emits the counters of one invocation as CloudWatch metrics, with the flow as dimension. */
export function emitCounters(flow: string, counters: Partial<RunCounters>): void {
  metrics.addDimension('flow', flow);
  for (const [name, metric] of Object.entries(metricNames)) {
    const value = counters[name as keyof RunCounters];
    if (value) metrics.addMetric(metric!, MetricUnit.Count, value);
  }
}
