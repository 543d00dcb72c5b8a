import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { KmsTokenSealer } from '../auth';
import type { CustomerConfig } from '../config';
import { resourceNames } from '../config/resourceNames';
import { ErrorKind, MlConnectorError } from '../errors';
import { MemoryAlerter } from '../pipeline';
import { AwsSecretResolver } from '../secrets';
import type { RuntimeContext } from './RuntimeContext';

/**
 * The runtime of a deployed stack, seen from an operator's machine: the stack's table, queues and
 * secrets, found by the names the stack gave them, with the default AWS credential chain
 * (AWS_PROFILE, SSO, environment). Used by `status --deployed`. Shared OAuth tokens in the
 * stack's table are sealed with the stack's KMS key: `TOKEN_KEY_ARN` when set (the functions have
 * it), else the key's alias, so nothing run from here ever stores a token in the clear there.
 */
export async function deployedContext(config: CustomerConfig, env: NodeJS.ProcessEnv = process.env): Promise<RuntimeContext> {
  const names = resourceNames(config);
  // Requests go to the region's endpoint (or AWS_ENDPOINT_URL_SQS), not to the host in a queue URL.
  const sqs = new SQSClient({ region: config.region, useQueueUrlAsEndpoint: false });
  const queues = new Map<string, { queueUrl: string; deadLetterQueueUrl: string }>();
  for (const flow of config.flows) {
    const flowNames = names.flow(flow);
    try {
      const [queue, dlq] = await Promise.all(
        [flowNames.queue, flowNames.deadLetterQueue].map((QueueName) => sqs.send(new GetQueueUrlCommand({ QueueName }))),
      );
      queues.set(flow.name, { queueUrl: queue!.QueueUrl!, deadLetterQueueUrl: dlq!.QueueUrl! });
    } catch (error) {
      throw new MlConnectorError(
        `cannot find the queues of flow ${flow.name} (${flowNames.queue}) in ${config.region}: ${(error as Error).name}; is the stack deployed and are AWS credentials set?`,
        ErrorKind.Misconfigured,
        { cause: error },
      );
    }
  }
  return {
    mode: 'aws',
    config,
    secrets: new AwsSecretResolver(new SecretsManagerClient({ region: config.region }), names.secret),
    sqs,
    dynamo: new DynamoDBClient({ region: config.region }),
    tableName: names.table,
    queueUrls: (flow) => queues.get(flow.name)!,
    alerts: new MemoryAlerter(),
    tokenSealer: new KmsTokenSealer({ client: new KMSClient({ region: config.region }), keyId: env['TOKEN_KEY_ARN'] || stackKeyAlias(config) }),
  };
}

/** The alias the stack gives its key (infra/MlConnectorStack.ts). */
function stackKeyAlias(config: CustomerConfig): string {
  return `alias/ml-connector/${config.customer}`;
}
