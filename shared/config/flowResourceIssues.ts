import type { TargetCatalog } from '../connectors/TargetDefinition';
import type { ConfigIssue } from '../errors';
import { resourceNames } from './resourceNames';
import type { CustomerConfig } from './schema';

/** SQS caps a queue's visibility timeout at 12 hours. */
export const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;
/** SQS queue names are at most 80 characters. */
const MAX_QUEUE_NAME_LENGTH = 80;
/** Lambda function names are at most 64 characters. */
const MAX_FUNCTION_NAME_LENGTH = 64;
/** An SQS event source with more than 10 records per batch needs a batching window of at least 1 s. */
export const MAX_BATCH_WITHOUT_WINDOW = 10;

/**
 * What the AWS resources of each flow must satisfy. Checked by `validateConfig`, so a config the
 * stack would refuse at synth is refused at CLI start too, and a local run behaves as deployed
 * (a batch of 300 with a 0 s window would otherwise run locally at 10 records a call).
 */
export function flowResourceIssues(config: CustomerConfig, catalog: TargetCatalog): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = resourceNames(config);
  config.flows.forEach((flow, index) => {
    const at = `flows[${index}]`;
    const declaration = catalog[flow.target]?.declaration;
    if (!declaration) return; // reported where the target is checked
    const flowNames = names.flow(flow);
    const nameLimits = [
      { kind: 'queue', service: 'SQS', max: MAX_QUEUE_NAME_LENGTH, names: [flowNames.queue, flowNames.deadLetterQueue] },
      { kind: 'function', service: 'Lambda', max: MAX_FUNCTION_NAME_LENGTH, names: [flowNames.pollerFunction, flowNames.writerFunction] },
    ];
    for (const { kind, service, max, names: ofKind } of nameLimits) {
      const tooLong = ofKind.find((name) => name.length > max);
      if (tooLong) {
        issues.push({
          field: `${at}.name`,
          message: `${kind} name "${tooLong}" is ${tooLong.length} characters; ${service} allows ${max}: shorten the flow (or customer) name`,
        });
      }
    }
    if (flowNames.visibilityTimeoutSeconds > MAX_VISIBILITY_TIMEOUT_SECONDS) {
      issues.push({
        field: `${at}.writerTimeoutSeconds`,
        message: `the queue's visibility timeout must be 6 × the writer timeout (${flowNames.visibilityTimeoutSeconds} s) but SQS allows at most ${MAX_VISIBILITY_TIMEOUT_SECONDS} s`,
      });
    }
    const batchSize = Math.min(flow.batchSize ?? declaration.maxBatch, declaration.maxBatch);
    if (batchSize > MAX_BATCH_WITHOUT_WINDOW && flow.batchingWindowSeconds < 1) {
      issues.push({
        field: `${at}.batchingWindowSeconds`,
        message: `a batch of ${batchSize} records needs a batching window of at least 1 s (SQS event sources allow 0 only up to ${MAX_BATCH_WITHOUT_WINDOW} records)`,
      });
    }
  });
  return issues;
}
