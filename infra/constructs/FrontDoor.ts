import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { CustomerConfig } from '../../shared/config/schema';
import { flowsFedBy } from '../../shared/frontdoor/flowsFedBy';
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
  /** The stack's secrets, which include those of the pushed sources. */
  readonly secrets: Secrets;
  readonly configFile: string;
  /** Absolute path of the front-door handler. */
  readonly entry: string;
  /** @default 256 */
  readonly memoryMb?: number;
  /** Under API Gateway's 30 s integration limit; a delivery is verified and queued in well under a second. @default 15 s */
  readonly timeout?: Duration;
}


/** Deliveries above this size get a front door with a full vCPU (1,769 MB) and a 60 s timeout. */
const LARGE_BODY_BYTES = 1_048_576;
/**
 * The front door of pushed sources: one Lambda outside the VPC (it calls only AWS services)
 * that verifies, dedupes and queues deliveries, with exactly what it needs: the state table,
 * `sqs:SendMessage` on the queues of the flows the sources feed, and the sources' secrets (never
 * the PeopleSoft or target credentials: it calls neither).
 * It exposes one `POST /webhooks/<source>` route per pushed source for `Webhooks`.
 */
export class FrontDoor extends Construct {
  public readonly handler: ConnectorFunction;
  public readonly routes: readonly WebhookRoute[];

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

    const largestBody = Math.max(...sources.map(([, source]) => source.maxBodyBytes));
    this.handler = new ConnectorFunction(this, 'Handler', {
      entry: props.entry,
      functionName: `ml-connector-${config.customer}-frontdoor`,
      description: `ml-connector front door: verifies, dedupes and queues deliveries of ${sources.map(([name]) => name).join(', ')}`,
      // A large Integration Broker message (MiBs of rowset XML) needs a whole core to parse in
      // time; Lambda gives CPU in proportion to memory.
      timeout: props.timeout ?? Duration.seconds(largestBody > LARGE_BODY_BYTES ? 60 : 15),
      memorySize: props.memoryMb ?? (largestBody > LARGE_BODY_BYTES ? 1769 : 256),
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

    // The stack creates the sources' secrets with the others (systemSecrets lists them), so
    // `ml-connector secrets set --system <source>` stores them; the front door reads only these.
    props.secrets.bindTo(this.handler, [...new Set(sources.map(([, source]) => source.verify.secret))]);

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
