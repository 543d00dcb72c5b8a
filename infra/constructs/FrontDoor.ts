import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { CustomerConfig } from '../../shared/config/schema';
import { flowsFedBy } from '../../shared/frontdoor/flowsFedBy';
import { VERIFICATION_SECRET_FIELDS } from '../../shared/frontdoor/verifyDelivery';
import { ConnectorFunction, METRIC_NAMESPACE, POWERTOOLS_SERVICE_NAME } from './ConnectorFunction';
import type { FlowPipeline } from './FlowPipeline';
import type { Secrets } from './Secrets';
import type { State } from './State';
import type { WebhookRoute } from './Webhooks';

export interface FrontDoorProps {
  /** The validated config; one route per key of `pushed`. */
  readonly config: CustomerConfig;
  /** The flow pipelines; the front door may send to the queues of those a pushed source feeds. */
  readonly flows: readonly FlowPipeline[];
  readonly state: State;
  /** The stack's secrets: a pushed source that names one of them shares it; others get their own. */
  readonly secrets: Secrets;
  readonly configFile: string;
  /** Absolute path of the front-door handler. */
  readonly entry: string;
  /** @default 256 */
  readonly memoryMb?: number;
  /** Under API Gateway's 30 s integration limit; a delivery is verified and queued in well under a second. @default 15 s */
  readonly timeout?: Duration;
}

/**
 * The front door of pushed sources: one Lambda outside the VPC (it calls only AWS services)
 * that verifies, dedupes and queues deliveries, with exactly what it needs: the state table,
 * `sqs:SendMessage` on the queues of the flows the sources feed, and the sources' secrets.
 * It exposes one `POST /webhooks/<source>` route per pushed source for `Webhooks`.
 */
export class FrontDoor extends Construct {
  public readonly handler: ConnectorFunction;
  public readonly routes: readonly WebhookRoute[];
  /** Secrets created for pushed sources (by config secret name); shared ones stay in `Secrets`. */
  public readonly ownSecrets: ReadonlyMap<string, ISecret>;

  public constructor(scope: Construct, id: string, props: FrontDoorProps) {
    super(scope, id);
    const { config } = props;
    const sources = Object.entries(config.pushed ?? {});
    if (sources.length === 0) throw new Error('FrontDoor needs at least one pushed source (config.pushed)');

    const fed = props.flows.filter((pipeline) => pipeline.deployment.flow.push !== undefined);
    for (const [name] of sources) {
      const names = flowsFedBy(config, name).map((flow) => flow.name);
      const missing = names.filter((flow) => !fed.some((pipeline) => pipeline.deployment.flow.name === flow));
      if (missing.length > 0) throw new Error(`pushed source ${name} feeds flow(s) with no pipeline: ${missing.join(', ')}`);
    }

    this.handler = new ConnectorFunction(this, 'Handler', {
      entry: props.entry,
      functionName: `ml-connector-${config.customer}-frontdoor`,
      description: `ml-connector front door: verifies, dedupes and queues deliveries of ${sources.map(([name]) => name).join(', ')}`,
      timeout: props.timeout ?? Duration.seconds(15),
      memorySize: props.memoryMb ?? 256,
      configFile: props.configFile,
      environment: {
        FLOW_QUEUES: Stack.of(this).toJsonString(
          Object.fromEntries(
            fed.map((pipeline) => [
              pipeline.deployment.flow.name,
              { queueUrl: pipeline.queue.queueUrl, deadLetterQueueUrl: pipeline.deadLetterQueue.queueUrl },
            ]),
          ),
        ),
      },
    });
    Validations.of(this.handler.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: 'API Gateway invokes the front door synchronously; a failed delivery is answered 5xx and the sender retries it, so there is no asynchronous event to dead-letter',
    });
    props.state.bindTo(this.handler);
    if (fed.length > 0) {
      this.handler.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: fed.map((pipeline) => pipeline.queue.queueArn) }));
    }

    const shared = new Set<string>();
    const own = new Map<string, Secret>();
    for (const [name, source] of sources) {
      const secretName = source.verify.secret;
      if (props.secrets.secrets.has(secretName)) {
        shared.add(secretName);
        continue;
      }
      if (own.has(secretName)) continue;
      const fields = VERIFICATION_SECRET_FIELDS[source.verify.kind];
      const secret = new Secret(this, `Secret-${secretName.replace(/[^A-Za-z0-9]/g, '-')}`, {
        secretName: `${props.secrets.prefix}${secretName}`,
        description: `ml-connector pushed source ${name} (${source.verify.kind}): JSON with ${fields.join(', ')}`,
        encryptionKey: props.state.key,
        // A placeholder with none of the fields: deliveries are answered 500 until the real value is stored.
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ unset: `store JSON with ${fields.join(', ')}` }),
          generateStringKey: 'placeholder',
          passwordLength: 16,
        },
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: `The ${name} webhook secret is configured on the sending system as well; rotating it means changing it there at the same moment, which the customer does by hand`,
      });
      own.set(secretName, secret);
      this.handler.role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: [secret.secretArn] }),
      );
    }
    props.secrets.bindTo(this.handler, [...shared]);
    this.ownSecrets = own;

    this.routes = sources.map(([name]) => ({ source: name, handler: this.handler.function }));
  }

  /**
   * Alarms on the topic when deliveries could not be queued (answered 5xx: the senders retry,
   * but give up eventually) or the function itself failed.
   */
  public alarmTo(topic: ITopic, period: Duration = Duration.minutes(5)): Alarm[] {
    const alarms = this.routes.map(
      ({ source }) =>
        new Alarm(this, `Failures-${source}`, {
          alarmDescription: `Deliveries of ${source} could not be queued (answered 5xx); the front door's log group has the error.`,
          metric: new Metric({
            namespace: METRIC_NAMESPACE,
            metricName: 'DeliveriesFailed',
            dimensionsMap: { service: POWERTOOLS_SERVICE_NAME, source },
            statistic: 'Sum',
            period,
          }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
    );
    alarms.push(
      new Alarm(this, 'Errors', {
        alarmDescription: 'The front door failed (crashed or timed out); its log group has the error.',
        metric: this.handler.function.metricErrors({ period, statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    const action = new SnsAction(topic);
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    return alarms;
  }
}
