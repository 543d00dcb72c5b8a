import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerConfig } from '../../shared/config';
import { exampleConfig, logicalId, resourcesOfType, synthesize, type Synthesized } from './support/synthesize';

let config: CustomerConfig;
let synth: Synthesized;

beforeAll(async () => {
  config = await exampleConfig();
  synth = synthesize(config);
});
afterAll(() => synth.cleanup());

const id = (construct: { node: { defaultChild?: unknown } }): string => logicalId(synth.stack, construct);
const topicRef = () => ({ Ref: id(synth.stack.observability.topic) });

/** The metric names the functions emit (functions/commons/observability.ts and the poller). */
const PIPELINE_METRICS = [
  'RecordsRead',
  'RecordsEnqueued',
  'RecordsRejected',
  'RecordsCreated',
  'RecordsUpdated',
  'RecordsDeleted',
  'RecordsSkippedUnchanged',
  'RecordsDeadLettered',
  'RecordsParked',
  'TargetApiCalls',
  'TargetThrottles',
  'SourceFailures',
];

describe('Observability', () => {
  it("sends alerts to an encrypted, TLS-only topic with the customer's e-mail subscribed", () => {
    synth.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [id(synth.stack.state.key), 'Arn'] } });
    synth.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: config.alertEmail, TopicArn: topicRef() });
    synth.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
  });

  describe.each(['employees-to-marketo', 'companies-to-marketo'])('alarms of %s', (name) => {
    const pipeline = () => synth.stack.flows.find((flow) => flow.deployment.flow.name === name)!;
    const alarmOn = (properties: Record<string, unknown>) =>
      synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [topicRef()],
        OKActions: [topicRef()],
        ...properties,
      });

    it('fires as soon as one record is in the DLQ', () => {
      alarmOn({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(pipeline().deadLetterQueue), 'QueueName'] } }],
        Statistic: 'Maximum',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
      });
    });

    it('fires when a scheduled run could not be delivered or failed after retries', () => {
      alarmOn({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(pipeline().invocationFailures!), 'QueueName'] } }],
        Threshold: 0,
      });
    });

    it('fires when the oldest queued record is older than an hour', () => {
      alarmOn({
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(pipeline().queue), 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 3600,
      });
    });

    it('fires on any poller error and any writer error', () => {
      for (const fn of [pipeline().poller!, pipeline().writer]) {
        alarmOn({
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(fn.function) } }],
          Statistic: 'Sum',
          ComparisonOperator: 'GreaterThanThreshold',
          Threshold: 0,
        });
      }
    });

    it('fires when PeopleSoft cannot be reached (SourceFailures, with the dimensions Powertools emits)', () => {
      alarmOn({
        Namespace: 'MlConnector',
        MetricName: 'SourceFailures',
        Dimensions: Match.arrayEquals([
          { Name: 'flow', Value: name },
          { Name: 'service', Value: 'ml-connector' },
        ]),
        Statistic: 'Sum',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
      });
    });
  });

  it('has one dashboard for the customer showing every pipeline metric of every flow', () => {
    const dashboards = resourcesOfType(synth.template, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]![1].Properties!.DashboardName).toBe('ml-connector-acme');
    const body = JSON.stringify(dashboards[0]![1].Properties!.DashboardBody);
    for (const flow of config.flows) {
      for (const metric of PIPELINE_METRICS) {
        expect(body).toContain(`\\"MlConnector\\",\\"${metric}\\",\\"flow\\",\\"${flow.name}\\",\\"service\\",\\"ml-connector\\"`);
      }
    }
    for (const metric of ['ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage', 'Errors', 'Duration']) {
      expect(body).toContain(metric);
    }
  });
});
