import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceNames, type CustomerConfig } from '../../shared/config';
import { targetDeclarations } from '../../shared/connectors/catalog';
import { scheduleExpression, type FlowPipeline } from '../../infra/constructs/FlowPipeline';
import { exampleConfig, exampleConfigWith, logicalId, resourcesOfType, synthesize, type Synthesized } from './support/synthesize';

let config: CustomerConfig;
let synth: Synthesized;

beforeAll(async () => {
  config = await exampleConfig();
  synth = synthesize(config);
});
afterAll(() => synth.cleanup());

const pipeline = (name: string): FlowPipeline => synth.stack.flows.find((flow) => flow.deployment.flow.name === name)!;
const id = (construct: { node: { defaultChild?: unknown } }): string => logicalId(synth.stack, construct);
const flowNames = ['employees-to-marketo', 'companies-to-marketo'];

describe.each(flowNames)('FlowPipeline %s', (name) => {
  const flow = () => config.flows.find((candidate) => candidate.name === name)!;

  it("schedules the poller with the flow's cron expression and time zone, with retries and a DLQ", () => {
    const p = pipeline(name);
    synth.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: `cron(${flow().schedule!.cron})`,
      ScheduleExpressionTimezone: 'America/Chicago',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [id(p.poller!.function), 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [id(p.schedulerRole!), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [id(p.invocationFailures!), 'Arn'] } },
      },
    });
  });

  it('redrives records to the flow DLQ after maxReceiveCount receives', () => {
    const p = pipeline(name);
    const names = resourceNames(config).flow(flow());
    synth.template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: names.queue,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [id(p.deadLetterQueue), 'Arn'] }, maxReceiveCount: flow().maxReceiveCount },
    });
    synth.template.hasResourceProperties('AWS::SQS::Queue', { QueueName: names.deadLetterQueue, MessageRetentionPeriod: 14 * 86_400 });
  });

  it("hides a received batch for at least six times the writer's timeout", () => {
    const p = pipeline(name);
    const queue = resourcesOfType(synth.template, 'AWS::SQS::Queue').find(([logical]) => logical === id(p.queue))![1];
    const writer = resourcesOfType(synth.template, 'AWS::Lambda::Function').find(([logical]) => logical === id(p.writer.function))![1];
    expect(writer.Properties!.Timeout).toBe(flow().writerTimeoutSeconds);
    expect(queue.Properties!.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (writer.Properties!.Timeout as number));
  });

  it("feeds the writer batches of the target's maximum, with a window, a concurrency cap and per-record failures", () => {
    const p = pipeline(name);
    synth.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [id(p.queue), 'Arn'] },
      FunctionName: { Ref: id(p.writer.function) },
      BatchSize: targetDeclarations.marketo!.maxBatch,
      MaximumBatchingWindowInSeconds: flow().batchingWindowSeconds,
      ScalingConfig: { MaximumConcurrency: targetDeclarations.marketo!.limits.inFlight },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('runs the poller in the private subnets behind the NAT, and the writer outside the VPC', () => {
    const p = pipeline(name);
    const functions = resourcesOfType(synth.template, 'AWS::Lambda::Function');
    const poller = functions.find(([logical]) => logical === id(p.poller!.function))![1].Properties!;
    const writer = functions.find(([logical]) => logical === id(p.writer.function))![1].Properties!;
    const privateSubnets = synth.stack.network.vpc.privateSubnets.map((subnet) => ({ Ref: logicalId(synth.stack, subnet) }));
    expect(poller.VpcConfig).toEqual({
      SubnetIds: privateSubnets,
      SecurityGroupIds: [{ 'Fn::GetAtt': [id(synth.stack.network.pollerSecurityGroup), 'GroupId'] }],
    });
    expect(writer.VpcConfig).toBeUndefined();
    expect(poller.Timeout).toBe(flow().pollerTimeoutSeconds);
    expect(poller.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [id(p.invocationFailures!), 'Arn'] } });
  });

  it('encrypts every queue of the flow with the customer-managed key and refuses plain HTTP', () => {
    const p = pipeline(name);
    const keyArn = { 'Fn::GetAtt': [id(synth.stack.state.key), 'Arn'] };
    for (const queue of [p.queue, p.deadLetterQueue, p.invocationFailures!]) {
      const [, resource] = resourcesOfType(synth.template, 'AWS::SQS::Queue').find(([logical]) => logical === id(queue))!;
      expect(resource.Properties!.KmsMasterKeyId).toEqual(keyArn);
      synth.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id(queue) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });
});

describe('every function', () => {
  const newestNode = Runtime.ALL.filter((runtime) => /^nodejs\d+\.x$/.test(runtime.name))
    .map((runtime) => runtime.name)
    .sort((a, b) => Number.parseInt(a.slice(6), 10) - Number.parseInt(b.slice(6), 10))
    .pop();

  it('runs the newest Node runtime on ARM64 with explicit memory, timeout, log retention and Powertools settings', () => {
    const functions = resourcesOfType(synth.template, 'AWS::Lambda::Function');
    expect(functions).toHaveLength(4);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: newestNode,
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 512,
        LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
        Environment: {
          Variables: expect.objectContaining({
            ML_CONFIG_FILE: 'ml-config.json',
            POWERTOOLS_SERVICE_NAME: 'ml-connector',
            POWERTOOLS_LOG_LEVEL: 'INFO',
            SECRET_PREFIX: 'ml-connector/acme/',
            TABLE_NAME: { Ref: id(synth.stack.state.table) },
            QUEUE_URL: expect.anything(),
            DLQ_URL: expect.anything(),
          }),
        },
      });
      expect(fn.Properties!.Timeout).toEqual(expect.any(Number));
    }
    for (const [, group] of resourcesOfType(synth.template, 'AWS::Logs::LogGroup')) {
      expect(group.Properties!.RetentionInDays).toEqual(expect.any(Number));
    }
  });
});

describe('flow settings that change the pipeline', () => {
  it("uses the flow's batchSize when it is below the target's maximum, and disables a disabled flow's schedule", async () => {
    const changed = await exampleConfigWith((input) => {
      input.flows[0]!.batchSize = 100;
      input.flows[1]!.enabled = false;
    });
    const other = synthesize(changed);
    try {
      other.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 100 });
      other.template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0 5 * * ? *)', State: 'DISABLED' });
    } finally {
      other.cleanup();
    }
  });

  it("lets each flow's writers use the target's whole in-flight budget (the shared limiter holds them under it together)", () => {
    const concurrencies = resourcesOfType(synth.template, 'AWS::Lambda::EventSourceMapping').map(
      ([, mapping]) => (mapping.Properties!.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency,
    );
    expect(concurrencies.length).toBeGreaterThan(1);
    expect(concurrencies).toEqual(concurrencies.map(() => targetDeclarations.marketo!.limits.inFlight));
  });

  it.each([
    ['0 5 * * ? *', 'cron(0 5 * * ? *)'],
    ['cron(0 5 * * ? *)', 'cron(0 5 * * ? *)'],
  ])('writes the schedule expression %s as %s', (cron, expression) => {
    expect(scheduleExpression(cron)).toBe(expression);
  });
});
