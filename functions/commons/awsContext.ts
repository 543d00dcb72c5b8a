import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { KMSClient } from '@aws-sdk/client-kms';
import { KmsTokenSealer } from '../../shared/auth';
import type { Alerter } from '../../shared/pipeline';
import type { RuntimeContext } from '../../shared/runtime';
import { AwsSecretResolver } from '../../shared/secrets';
import { readBundledConfig, readEnvironment, type FunctionEnvironment } from './environment';

/** Publishes alerts to the stack's SNS topic (the customer's alert e-mail is subscribed). */
class SnsAlerter implements Alerter {
  public constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string | undefined,
  ) {}

  public async raise(subject: string, message: string): Promise<void> {
    if (!this.topicArn) return;
    await this.client.send(new PublishCommand({ TopicArn: this.topicArn, Subject: subject.slice(0, 100), Message: message }));
  }
}

/** Builds the deployed runtime from the function's environment; called once per container. */
export function awsContext(env: FunctionEnvironment = readEnvironment()): RuntimeContext {
  const config = readBundledConfig(env.ML_CONFIG_FILE);
  return {
    mode: 'aws',
    config,
    secrets: new AwsSecretResolver(new SecretsManagerClient({}), (name) => `${env.SECRET_PREFIX}${name}`),
    sqs: new SQSClient({}),
    dynamo: new DynamoDBClient({}),
    tableName: env.TABLE_NAME,
    queueUrls: () => ({ queueUrl: env.QUEUE_URL, deadLetterQueueUrl: env.DLQ_URL }),
    alerts: new SnsAlerter(new SNSClient({}), env.ALERT_TOPIC_ARN),
    ...(env.TOKEN_KEY_ARN ? { tokenSealer: new KmsTokenSealer({ client: new KMSClient({}), keyId: env.TOKEN_KEY_ARN }) } : {}),
  };
}
