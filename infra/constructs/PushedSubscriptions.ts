import { pushSourceOf } from '../../shared/config/flowSources';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { CustomerConfig } from '../../shared/config/schema';
import { ConnectorFunction } from './ConnectorFunction';
import { scheduleExpression, type FlowPipeline } from './FlowPipeline';
import type { Secrets } from './Secrets';
import { KEY_DATA_ACTIONS, type State } from './State';

export interface PushedSubscriptionsProps {
  /** The validated config: one renewal schedule per pushed source with `subscribe`, one poll per `reconcile`. */
  readonly config: CustomerConfig;
  /** The flow pipelines; a reconciliation may send to the queues of the flows its source feeds. */
  readonly flows: readonly FlowPipeline[];
  readonly state: State;
  readonly secrets: Secrets;
  /** Config secret name of each target's credentials, by target name. */
  readonly targetSecrets: Readonly<Record<string, string>>;
  /** The webhook base the targets deliver to (`<frontDoorUrl>/<source>`). */
  readonly frontDoorUrl: string;
  readonly configFile: string;
  /** Absolute path of the subscriptions handler. */
  readonly entry: string;
  /** A reconciliation pages the target: up to this long. @default 5 minutes */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memoryMb?: number;
}

/** Scheduler tries this long to hand an invocation to Lambda; later, it is dead-lettered. */
const SCHEDULE_MAX_EVENT_AGE = Duration.minutes(30);

/**
 * Keeps the pushed sources' subscriptions alive and runs their reconciliation polls: one Lambda
 * (outside the VPC: it calls only the targets' public APIs and AWS) invoked by EventBridge
 * Scheduler, `rate(renewEveryMinutes)` per source with `subscribe` (so a channel is renewed well
 * before it expires) and on the `reconcile` cron per source with one. It reads exactly the
 * secrets it hands over or calls with (the sources' verification secrets, the subscribing and
 * reconciled targets' credentials), the state table, and sends only to the queues of the flows
 * a reconciled source feeds. Failed invocations land in a queue of their own.
 */
export class PushedSubscriptions extends Construct {
  public readonly handler: ConnectorFunction;
  public readonly schedules: readonly CfnSchedule[];
  public readonly schedulerRole: Role;
  public readonly invocationFailures: Queue;

  public constructor(scope: Construct, id: string, props: PushedSubscriptionsProps) {
    super(scope, id);
    const { config } = props;
    const sources = Object.entries(config.pushed ?? {}).filter(([, source]) => source.subscribe || source.reconcile);
    if (sources.length === 0) throw new Error('PushedSubscriptions needs a pushed source with subscribe or reconcile');
    const key = props.state.key;

    this.invocationFailures = new Queue(this, 'InvocationFailures', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    for (const rule of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
      Validations.of(this.invocationFailures).acknowledge({
        id: rule,
        reason: 'This queue is itself a dead-letter queue: EventBridge Scheduler and Lambda async invocation put failed renewals and reconciliations here',
      });
    }

    const reconciledFlows = props.flows.filter((pipeline) => {
      const source = pushSourceOf(pipeline.deployment.flow);
      return source !== undefined && config.pushed?.[source]?.reconcile !== undefined;
    });
    this.handler = new ConnectorFunction(this, 'Handler', {
      entry: props.entry,
      functionName: `ml-connector-${config.customer}-subscriptions`,
      description: `ml-connector: renews the subscriptions and runs the reconciliations of ${sources.map(([name]) => name).join(', ')}`,
      timeout: props.timeout ?? Duration.minutes(5),
      memorySize: props.memoryMb ?? 512,
      configFile: props.configFile,
      deadLetterQueue: this.invocationFailures,
      environment: {
        FRONT_DOOR_URL: props.frontDoorUrl,
        FLOW_QUEUES: Stack.of(this).toJsonString(
          Object.fromEntries(
            reconciledFlows.map((pipeline) => [pipeline.deployment.flow.name, { queueUrl: pipeline.queue.queueUrl, deadLetterQueueUrl: pipeline.deadLetterQueue.queueUrl }]),
          ),
        ),
      },
    });
    props.state.bindTo(this.handler);
    if (reconciledFlows.length > 0) {
      this.handler.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: reconciledFlows.map((pipeline) => pipeline.queue.queueArn) }));
    }
    const secretNames = new Set<string>();
    for (const [, source] of sources) {
      if (source.subscribe) secretNames.add(source.verify.secret);
      for (const target of [source.subscribe?.via, source.reconcile ? (source.fetch?.from ?? source.subscribe?.via) : undefined]) {
        const name = target ? props.targetSecrets[target] : undefined;
        if (name) secretNames.add(name);
      }
    }
    props.secrets.bindTo(this.handler, [...secretNames]);

    this.schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: 'ml-connector: lets EventBridge Scheduler renew subscriptions and run reconciliations',
    });
    this.schedulerRole.addToPrincipalPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.handler.function.functionArn] }));
    this.schedulerRole.addToPrincipalPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.invocationFailures.queueArn] }));
    this.schedulerRole.addToPrincipalPolicy(new PolicyStatement({ actions: [...KEY_DATA_ACTIONS], resources: [key.keyArn] }));

    const schedules: CfnSchedule[] = [];
    const schedule = (id: string, description: string, expression: string, timeZone: string, input: unknown): void => {
      schedules.push(
        new CfnSchedule(this, id, {
          description,
          scheduleExpression: expression,
          scheduleExpressionTimezone: timeZone,
          flexibleTimeWindow: { mode: 'OFF' },
          state: 'ENABLED',
          target: {
            arn: this.handler.function.functionArn,
            roleArn: this.schedulerRole.roleArn,
            input: JSON.stringify(input),
            retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: SCHEDULE_MAX_EVENT_AGE.toSeconds() },
            deadLetterConfig: { arn: this.invocationFailures.queueArn },
          },
        }),
      );
    };
    for (const [name, source] of sources) {
      if (source.subscribe) {
        const every = source.subscribe.renewEveryMinutes;
        schedule(`Renew-${name}`, `ml-connector ${name}: renews its ${source.subscribe.via} subscription every ${every} min`, `rate(${every} minute${every === 1 ? '' : 's'})`, 'UTC', {
          action: 'subscribe',
          source: name,
        });
      }
      if (source.reconcile) {
        const { cron, timeZone } = source.reconcile.schedule;
        schedule(`Reconcile-${name}`, `ml-connector ${name}: reconciliation ${cron} (${timeZone})`, scheduleExpression(cron), timeZone, { action: 'reconcile', source: name });
      }
    }
    this.schedules = schedules;
  }

  /** Alarms on the topic when the function fails (a renewal or reconciliation that did not happen). */
  public alarmTo(topic: ITopic, period: Duration = Duration.minutes(5)): Alarm {
    const alarm = new Alarm(this, 'Errors', {
      alarmDescription: 'A subscription renewal or reconciliation failed; the subscriptions function\'s log group has the error. A subscription that is not renewed expires and deliveries stop.',
      metric: this.handler.function.metricErrors({ period, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(topic));
    alarm.addOkAction(new SnsAction(topic));
    return alarm;
  }
}
