import { targetDeclarations } from '../connectors/catalog';
import type { TargetDeclaration } from '../connectors/TargetConnector';
import type { CustomerConfig, FlowConfig } from './schema';

export interface FlowResourceNames {
  readonly queue: string;
  readonly deadLetterQueue: string;
  /** Visibility timeout of the flow queue: six times the writer timeout, as Lambda advises. */
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  /** Maximum concurrency of the writer's event source mapping. */
  readonly writerConcurrency: number;
  /** Lambda function names, fixed so the CLI can reach a deployed stack (`ping --deployed`). */
  readonly pollerFunction: string;
  readonly writerFunction: string;
}

/** An SQS event source mapping's maximum concurrency is at least 2. */
const MIN_EVENT_SOURCE_CONCURRENCY = 2;

/**
 * Writer invocations one flow may run at once (its event source mapping's maximum concurrency):
 * the calls the target allows in flight (its declared limit, lowered by the config's pacing),
 * and at least 2. Flows sharing a target do not split it: the shared limiter keeps all of their
 * writers under the target's limits together, so a flow running alone can use the whole budget.
 */
export function writerConcurrency(
  config: CustomerConfig,
  target: string,
  declaration: TargetDeclaration | undefined = targetDeclarations[target],
): number {
  const declared = declaration?.writers ?? declaration?.limits.inFlight ?? 1;
  const pacing = (config.targets as Record<string, { pacing?: { concurrency?: number } } | undefined>)[target]?.pacing?.concurrency;
  return Math.max(MIN_EVENT_SOURCE_CONCURRENCY, Math.min(declared, pacing ?? declared));
}

/**
 * Names of the AWS resources a config implies, shared by the CDK stack and the local runtime so
 * both create the same queues and table.
 */
export function resourceNames(config: CustomerConfig): {
  readonly table: string;
  readonly secret: (name: string) => string;
  readonly flow: (flow: FlowConfig) => FlowResourceNames;
} {
  const prefix = `ml-connector-${config.customer}`;
  return {
    table: `${prefix}-state`,
    secret: (name) => `ml-connector/${config.customer}/${name}`,
    flow: (flow) => ({
      queue: `${prefix}-${flow.name}`,
      deadLetterQueue: `${prefix}-${flow.name}-dlq`,
      visibilityTimeoutSeconds: flow.writerTimeoutSeconds * 6,
      maxReceiveCount: flow.maxReceiveCount,
      writerConcurrency: writerConcurrency(config, flow.target),
      pollerFunction: `${prefix}-${flow.name}-poller`,
      writerFunction: `${prefix}-${flow.name}-writer`,
    }),
  };
}
