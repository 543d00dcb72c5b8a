import { pushSourceOf } from '../../shared/config/flowSources';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { METRIC_NAMESPACE, POWERTOOLS_SERVICE_NAME, type ConnectorFunction } from './ConnectorFunction';
import type { FlowPipeline } from './FlowPipeline';

export interface ObservabilityProps {
  /** Dashboard name, e.g. `ml-connector-acme`. */
  readonly dashboardName: string;
  readonly alertEmail: string;
  readonly key: IKey;
  readonly flows: readonly FlowPipeline[];
  /** Alarm when the oldest queued record is older than this. @default 1 hour */
  readonly maxMessageAge?: Duration;
  /** Metric period of the dashboard and the alarms. @default 5 minutes */
  readonly period?: Duration;
}

/** The alarms of one flow, by what they watch. */
export interface FlowAlarms {
  readonly deadLetters: Alarm;
  readonly messageAge: Alarm;
  readonly writerErrors: Alarm;
  /** Polled flows only (those with a schedule). */
  readonly invocationFailures?: Alarm;
  readonly pollerErrors?: Alarm;
  readonly sourceFailures?: Alarm;
}

/**
 * What an operator watches: the alert topic (KMS-encrypted, TLS only) with the customer's
 * e-mail subscribed, one dashboard per customer with a row per flow, and per flow the alarms
 * that mean "records are not arriving": dead letters, failed poller runs, a queue that is not
 * draining, function errors and source connectivity failures.
 */
export class Observability extends Construct {
  public readonly topic: Topic;
  public readonly dashboard: Dashboard;
  public readonly alarms: ReadonlyMap<string, FlowAlarms>;

  private readonly period: Duration;

  public constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.period = props.period ?? Duration.minutes(5);
    const account = Stack.of(this).account;

    this.topic = new Topic(this, 'Alerts', {
      displayName: `ml-connector alerts (${props.dashboardName})`,
      masterKey: props.key,
      enforceSSL: true,
    });
    const subscription = this.topic.addSubscription(new EmailSubscription(props.alertEmail));
    Validations.of(subscription).acknowledge({
      id: 'Serverless-SNSRedrivePolicy',
      reason:
        'An e-mail subscription: SNS retries e-mail delivery itself and an undeliverable alert has no consumer to redrive to; the alarm stays in ALARM on the dashboard',
    });
    // CloudWatch publishes alarm notifications; the topic policy (TLS-only) must let it, and the
    // key it is encrypted with must let it make data keys.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
    props.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName, defaultInterval: Duration.days(1) });
    const action = new SnsAction(this.topic);
    const alarms = new Map<string, FlowAlarms>();
    for (const pipeline of props.flows) {
      const flowAlarms = this.flowAlarms(pipeline, props.maxMessageAge ?? Duration.hours(1));
      for (const alarm of Object.values(flowAlarms)) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
      alarms.set(pipeline.deployment.flow.name, flowAlarms);
      this.addFlowRow(pipeline, flowAlarms);
    }
    this.alarms = alarms;
  }

  /** Lets a function publish alerts (quota parked, ...) and sets `ALERT_TOPIC_ARN`. */
  public bindTo(fn: ConnectorFunction): void {
    fn.addEnvironment('ALERT_TOPIC_ARN', this.topic.topicArn);
    fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }));
  }

  /** A pipeline metric (Powertools adds the `service` dimension to every metric it emits). */
  public flowMetric(flow: string, metricName: string, label?: string): Metric {
    return new Metric({
      namespace: METRIC_NAMESPACE,
      metricName,
      dimensionsMap: { service: POWERTOOLS_SERVICE_NAME, flow },
      statistic: 'Sum',
      period: this.period,
      ...(label ? { label } : {}),
    });
  }

  private flowAlarms(pipeline: FlowPipeline, maxMessageAge: Duration): FlowAlarms {
    const flow = pipeline.deployment.flow.name;
    const period = this.period;
    const scope = new Construct(this, `Alarms-${flow}`);
    const atLeastOne = (id: string, metric: IMetric, description: string): Alarm =>
      new Alarm(scope, id, {
        alarmName: `${Stack.of(this).stackName} ${flow} ${id}`,
        alarmDescription: description,
        metric,
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    return {
      deadLetters: atLeastOne(
        'DeadLetters',
        pipeline.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        `Records of ${flow} are in its dead-letter queue: see the failure reason on each, fix, then "npx ml-connector replay --deployed --config <customer>.yaml --flow ${flow}" (audit a record with "audit --deployed --key <id>").`,
      ),

      messageAge: new Alarm(scope, 'MessageAge', {
        alarmName: `${Stack.of(this).stackName} ${flow} MessageAge`,
        alarmDescription: `The oldest queued record of ${flow} waits for more than ${maxMessageAge.toHumanString()}: the writer is not draining the queue.`,
        metric: pipeline.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
        threshold: maxMessageAge.toSeconds(),
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),

      writerErrors: atLeastOne(
        'WriterErrors',
        pipeline.writer.function.metricErrors({ period, statistic: 'Sum' }),
        `The writer of ${flow} failed a whole batch (credentials, configuration); its log group has the error.`,
      ),
      ...(pipeline.poller && pipeline.invocationFailures
        ? {
            invocationFailures: atLeastOne(
              'PollerRunsFailed',
              pipeline.invocationFailures.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
              `A scheduled run of ${flow} could not start or failed after Lambda's retries.`,
            ),
            pollerErrors: atLeastOne(
              'PollerErrors',
              pipeline.poller.function.metricErrors({ period, statistic: 'Sum' }),
              `The poller of ${flow} failed; its log group has the error.`,
            ),
            sourceFailures: atLeastOne(
              'SourceUnreachable',
              this.flowMetric(flow, 'SourceFailures'),
              `The poller of ${flow} could not read its source ${pipeline.deployment.sourceSystem} (network, firewall allow-list, credentials or the service operation).`,
            ),
          }
        : {}),
    };
  }

  private addFlowRow(pipeline: FlowPipeline, alarms: FlowAlarms): void {
    const { flow } = pipeline.deployment;
    const metric = (name: string, label?: string): Metric => this.flowMetric(flow.name, name, label);
    const written = new MathExpression({
      expression: 'created + updated + deleted',
      usingMetrics: { created: metric('RecordsCreated'), updated: metric('RecordsUpdated'), deleted: metric('RecordsDeleted') },
      label: 'written',
      period: this.period,
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `## ${flow.name}\n${pipeline.deployment.sourceSystem}${flow.source ? ` \`${flow.source}\`` : ''} → ${flow.target} ${flow.objects.map((o) => o.object).join(', ')} · ${flow.schedule ? `\`${flow.schedule.cron}\` (${flow.schedule.timeZone})` : `pushed by ${pushSourceOf(flow)}`}`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: `${flow.name}: records`,
        left: [
          metric('RecordsRead', 'read'),
          metric('RecordsEnqueued', 'enqueued'),
          written,
          metric('RecordsSkippedUnchanged', 'skipped (unchanged)'),
          metric('RecordsRejected', 'rejected'),
          metric('RecordsDeadLettered', 'dead-lettered'),
          metric('RecordsParked', 'parked (quota)'),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: `${flow.name}: queue`,
        left: [pipeline.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: this.period, statistic: 'Maximum', label: 'DLQ depth' })],
        right: [pipeline.queue.metricApproximateAgeOfOldestMessage({ period: this.period, statistic: 'Maximum', label: 'oldest message (s)' })],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: `${flow.name}: errors`,
        left: [
          ...(pipeline.poller ? [pipeline.poller.function.metricErrors({ period: this.period, label: 'poller errors' })] : []),
          pipeline.writer.function.metricErrors({ period: this.period, label: 'writer errors' }),
          ...(pipeline.poller ? [metric('SourceFailures', 'source failures')] : []),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: `${flow.name}: duration (ms)`,
        left: [
          ...(pipeline.poller ? [pipeline.poller.function.metricDuration({ period: this.period, statistic: 'Maximum', label: 'poller max' })] : []),
          pipeline.writer.function.metricDuration({ period: this.period, statistic: 'p90', label: 'writer p90' }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: `${flow.name}: ${flow.target} API`,
        left: [metric('TargetApiCalls', 'calls'), metric('TargetThrottles', 'throttled')],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: `${flow.name}: alarms`, alarms: Object.values(alarms).filter((alarm): alarm is Alarm => alarm !== undefined), width: 24, height: 2 }));
  }
}
