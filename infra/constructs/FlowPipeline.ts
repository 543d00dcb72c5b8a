import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MAX_VISIBILITY_TIMEOUT_SECONDS, type FlowDeployment } from '../planDeployment';
import { ConnectorFunction, type ConnectorFunctionVpcPlacement } from './ConnectorFunction';
import { KEY_DATA_ACTIONS, type State } from './State';
import type { Secrets } from './Secrets';

export interface FlowPipelineProps {
  /** The flow and the settings derived from it (`planDeployment`). */
  readonly deployment: FlowDeployment;
  readonly state: State;
  readonly secrets: Secrets;
  /** Secret name of the source's credentials (read by the poller only). */
  /** The PeopleSoft secret the poller reads (a polled flow always has one). */
  readonly sourceSecretName?: string;
  /**
   * Where the poller runs (and the writer of a target reached only through the static egress
   * IP): private subnets behind the NAT with the customer's allow-listed IP.
   */
  readonly pollerPlacement: ConnectorFunctionVpcPlacement;
  /** The validated config as JSON, bundled into both functions. */
  readonly configFile: string;
  /** Absolute paths of the two handlers. */
  readonly handlers: { readonly poller: string; readonly writer: string };
  /** @default 512 */
  readonly pollerMemoryMb?: number;
  /** @default 512 */
  readonly writerMemoryMb?: number;
  /** Attempts EventBridge Scheduler makes to invoke the poller before dead-lettering. @default 3 */
  readonly scheduleRetryAttempts?: number;
}

/** Scheduler tries this long to hand an invocation to Lambda; later, the run is dead-lettered. */
const SCHEDULE_MAX_EVENT_AGE = Duration.hours(1);
/** Failed records wait this long in the DLQ for a replay (SQS maximum). */
const DEAD_LETTER_RETENTION = Duration.days(14);
/**
 * Records wait this long on the flow queue. Well under the DLQ's retention: a dead-lettered record
 * keeps its original enqueue time, so the DLQ must keep it for longer than the queue did.
 */
const QUEUE_RETENTION = Duration.days(4);

/** `cron(<fields>)` from the config's cron, which may or may not carry the wrapper already. */
export function scheduleExpression(cron: string): string {
  return `cron(${cron.trim().replace(/^cron\((.*)\)$/, '$1').trim()})`;
}

/**
 * One flow, end to end: a schedule (cron + time zone, retries, DLQ) invokes the poller in the
 * VPC; the poller pages the source and fills the flow's queue; an SQS event source feeds the
 * writer batches of the target's size, at a concurrency the target tolerates, with per-record
 * failure reporting; records that keep failing land in the flow's DLQ for a replay.
 */
export class FlowPipeline extends Construct {
  public readonly deployment: FlowDeployment;
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;
  /**
   * Poller invocations that failed: scheduler deliveries and async invocations out of retries.
   * This and the poller, its schedule and the scheduler's role exist for polled flows only (a
   * flow with a `schedule`); a flow fed only by a pushed source has none of them.
   */
  public readonly invocationFailures?: Queue;
  public readonly poller?: ConnectorFunction;
  public readonly writer: ConnectorFunction;
  public readonly schedule?: CfnSchedule;
  public readonly schedulerRole?: Role;

  public constructor(scope: Construct, id: string, props: FlowPipelineProps) {
    super(scope, id);
    const { deployment, state, secrets } = props;
    const { flow, names } = deployment;
    const key: IKey = state.key;
    const visibilityTimeoutSeconds = names.visibilityTimeoutSeconds;
    if (visibilityTimeoutSeconds < 6 * flow.writerTimeoutSeconds || visibilityTimeoutSeconds > MAX_VISIBILITY_TIMEOUT_SECONDS) {
      throw new Error(
        `flow ${flow.name}: visibility timeout ${visibilityTimeoutSeconds} s must be at least 6 × the writer timeout and at most ${MAX_VISIBILITY_TIMEOUT_SECONDS} s`,
      );
    }

    this.deployment = deployment;
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      queueName: names.deadLetterQueue,
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason: `This is the dead-letter queue of ${flow.name}: records stay here with their failure reason until "ml-connector replay" moves them back`,
    });
    this.queue = new Queue(this, 'Queue', {
      queueName: names.queue,
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: QUEUE_RETENTION,
      visibilityTimeout: Duration.seconds(visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: names.maxReceiveCount },
    });
    const common = { FLOW_NAME: flow.name, QUEUE_URL: this.queue.queueUrl, DLQ_URL: this.deadLetterQueue.queueUrl };
    if (flow.schedule) {
      const polling = this.addPolling(props, common, flow.schedule);
      this.invocationFailures = polling.invocationFailures;
      this.poller = polling.poller;
      this.schedulerRole = polling.schedulerRole;
      this.schedule = polling.schedule;
    }

    this.writer = new ConnectorFunction(this, 'Writer', {
      entry: props.handlers.writer,
      functionName: names.writerFunction,
      description: `ml-connector ${flow.name}: writes queued records to ${flow.target}`,
      timeout: Duration.seconds(flow.writerTimeoutSeconds),
      memorySize: props.writerMemoryMb ?? 512,
      configFile: props.configFile,
      environment: common,
      ...(deployment.writerInVpc ? { vpc: props.pollerPlacement } : {}),
    });
    state.bindTo(this.writer);
    // Always bound, for SECRET_PREFIX: a target without a secret (the audit log) may still fetch from one that has.
    secrets.bindTo(this.writer, deployment.targetSecret ? [deployment.targetSecret.name] : []);
    // Re-queues parked records (target quota) and dead-letters records with their reason.
    this.writer.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn, this.deadLetterQueue.queueArn] }),
    );
    this.writer.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: deployment.batchSize,
        maxBatchingWindow: Duration.seconds(deployment.batchingWindowSeconds),
        maxConcurrency: deployment.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    Validations.of(this.writer.function).acknowledge(
      {
        id: 'Serverless-LambdaDLQ',
        reason: 'The writer is only invoked synchronously by its SQS event source; records that fail go to the flow DLQ through the queue redrive policy',
      },
      {
        id: 'Serverless-LambdaEventSourceMappingDestination',
        reason: `SQS event sources do not support on-failure destinations; the queue's redrive policy (maxReceiveCount ${names.maxReceiveCount}) moves failing records to the flow DLQ`,
      },
    );
  }

  /** The polled side of a flow: the poller in the VPC, its schedule and where failed runs go. */
  private addPolling(
    props: FlowPipelineProps,
    common: Readonly<Record<string, string>>,
    cron: NonNullable<FlowDeployment['flow']['schedule']>,
  ): { invocationFailures: Queue; poller: ConnectorFunction; schedulerRole: Role; schedule: CfnSchedule } {
    const { deployment, state, secrets } = props;
    const { flow, names } = deployment;
    const key: IKey = state.key;
    const invocationFailures = new Queue(this, 'InvocationFailures', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
    });
    for (const rule of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
      Validations.of(invocationFailures).acknowledge({
        id: rule,
        reason: 'This queue is itself a dead-letter queue: EventBridge Scheduler and Lambda async invocation put failed poller runs here (an alarm watches it)',
      });
    }

    const poller = new ConnectorFunction(this, 'Poller', {
      entry: props.handlers.poller,
      functionName: names.pollerFunction,
      description: `ml-connector ${flow.name}: pages ${deployment.sourceSystem} ${flow.source ?? ''} and queues the records`,
      timeout: Duration.seconds(flow.pollerTimeoutSeconds),
      memorySize: props.pollerMemoryMb ?? 512,
      configFile: props.configFile,
      environment: common,
      vpc: props.pollerPlacement,
      deadLetterQueue: invocationFailures,
    });
    state.bindTo(poller);
    if (!props.sourceSecretName) throw new Error(`flow ${flow.name} is polled but has no PeopleSoft source secret`);
    secrets.bindTo(poller, [props.sourceSecretName]);
    poller.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));
    // A poller that nears its deadline saves the cursor and invokes itself to continue. A
    // separate policy: in the role's default policy, the function's ARN would be a cycle.
    new Policy(this, 'PollerSelfInvoke', {
      roles: [poller.role],
      statements: [new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [poller.function.functionArn] })],
    });

    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `ml-connector ${flow.name}: lets EventBridge Scheduler start the poller`,
    });
    schedulerRole.addToPrincipalPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [poller.function.functionArn] }));
    schedulerRole.addToPrincipalPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [invocationFailures.queueArn] }));
    schedulerRole.addToPrincipalPolicy(new PolicyStatement({ actions: [...KEY_DATA_ACTIONS], resources: [key.keyArn] }));

    const schedule = new CfnSchedule(this, 'Schedule', {
      description: `ml-connector ${flow.name}: ${cron.cron} (${cron.timeZone})`,
      scheduleExpression: scheduleExpression(cron.cron),
      scheduleExpressionTimezone: cron.timeZone,
      flexibleTimeWindow: { mode: 'OFF' },
      state: flow.enabled ? 'ENABLED' : 'DISABLED',
      target: {
        arn: poller.function.functionArn,
        roleArn: schedulerRole.roleArn,
        input: JSON.stringify({}),
        retryPolicy: {
          maximumRetryAttempts: props.scheduleRetryAttempts ?? 3,
          maximumEventAgeInSeconds: SCHEDULE_MAX_EVENT_AGE.toSeconds(),
        },
        deadLetterConfig: { arn: invocationFailures.queueArn },
      },
    });
    return { invocationFailures, poller, schedulerRole, schedule };
  }
}
