import type { CustomerConfig, FlowConfig } from './schema';

export interface FlowResourceNames {
  readonly queue: string;
  readonly deadLetterQueue: string;
  /** Visibility timeout of the flow queue: six times the writer timeout, as Lambda advises. */
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  /** Maximum concurrency of the writer's event source mapping (2 is the lowest Lambda allows). */
  readonly writerConcurrency: number;
}

/** Concurrent writer invocations per flow: the lowest the SQS event source allows, so pacing shares stay large. */
export const WRITER_CONCURRENCY = 2;

/**
 * Deployed writers pace themselves per container, so each gets an equal share of the target's
 * budget: every writer of every flow that writes to `target` together stays under the limit.
 */
export function pacingShare(config: CustomerConfig, target: string): number {
  const writers = config.flows.filter((flow) => flow.target === target).length * WRITER_CONCURRENCY;
  return Math.max(1, writers);
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
      writerConcurrency: WRITER_CONCURRENCY,
    }),
  };
}
