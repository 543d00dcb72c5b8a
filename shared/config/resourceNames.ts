import { targetDeclarations } from '../connectors/catalog';
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

/**
 * Writer invocations one flow may run at once (its event source mapping's maximum concurrency):
 * the calls the target allows in flight (its documented limit, lowered by the config's pacing)
 * shared equally by the flows writing to it.
 */
export function writerConcurrency(config: CustomerConfig, target: string): number {
  const declared = targetDeclarations[target]?.maxConcurrency ?? 1;
  const pacing = (config.targets as Record<string, { pacing?: { concurrency?: number } } | undefined>)[target]?.pacing?.concurrency;
  const budget = Math.min(declared, pacing ?? declared);
  const sharing = Math.max(1, config.flows.filter((flow) => flow.target === target).length);
  return Math.floor(budget / sharing);
}

/**
 * Deployed writers pace themselves per container, so each gets an equal share of the target's
 * rate budget: all writers of all flows that write to `target` together stay under the limit.
 */
export function pacingShare(config: CustomerConfig, target: string): number {
  const flows = config.flows.filter((flow) => flow.target === target).length;
  return Math.max(1, flows * writerConcurrency(config, target));
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
