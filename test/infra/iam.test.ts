import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peopleSoftSystemOf, type CustomerConfig } from '../../shared/config';
import type { ConnectorFunction } from '../../infra/constructs/ConnectorFunction';
import { exampleConfig, logicalId, resourcesOfType, synthesize, type Synthesized } from './support/synthesize';

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

let config: CustomerConfig;
let synth: Synthesized;

beforeAll(async () => {
  config = await exampleConfig();
  synth = synthesize(config);
});
afterAll(() => synth.cleanup());

const id = (construct: { node: { defaultChild?: unknown } }): string => logicalId(synth.stack, construct);
const actions = (statement: Statement): string[] => [statement.Action].flat();
const resources = (statement: Statement): unknown[] => [statement.Resource].flat();

/** Every statement of every inline policy attached to a role. */
function statementsOf(roleLogicalId: string): Statement[] {
  return resourcesOfType(synth.template, 'AWS::IAM::Policy')
    .filter(([, policy]) => (policy.Properties!.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleLogicalId))
    .flatMap(([, policy]) => (policy.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** The resources a role may use an action on. */
function resourcesFor(fn: ConnectorFunction, action: string): unknown[] {
  return statementsOf(id(fn.role)).filter((statement) => actions(statement).includes(action)).flatMap(resources);
}

/** Distinct values (statements may repeat a resource). */
const distinct = (values: unknown[]): unknown[] => [...new Map(values.map((value) => [JSON.stringify(value), value])).values()];

const arnOf = (construct: { node: { defaultChild?: unknown } }): unknown => ({ 'Fn::GetAtt': [id(construct), 'Arn'] });

/** Lambda's network-interface management: EC2 authorizes these only on "*". */
const VPC_NETWORK_INTERFACE_ACTIONS = [
  'ec2:AssignPrivateIpAddresses',
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:UnassignPrivateIpAddresses',
];

describe('function roles', () => {
  const allFunctions = (): ConnectorFunction[] => synth.stack.flows.flatMap((flow) => [flow.poller!, flow.writer]);

  it('gives every function a role of its own, with inline policies only', () => {
    const roles = allFunctions().map((fn) => id(fn.role));
    expect(new Set(roles).size).toBe(4);
    for (const role of roles) {
      const [, resource] = resourcesOfType(synth.template, 'AWS::IAM::Role').find(([logical]) => logical === role)!;
      expect(resource.Properties!.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('names "*" as a resource only for the poller\'s VPC network interfaces, where EC2 requires it', () => {
    const wildcards = allFunctions().flatMap((fn) =>
      statementsOf(id(fn.role))
        .filter((statement) => resources(statement).includes('*'))
        .map((statement) => ({ fn: fn.node.path, actions: actions(statement).sort() })),
    );
    expect(wildcards).toEqual(
      synth.stack.flows.map((flow) => ({ fn: flow.poller!.node.path, actions: VPC_NETWORK_INTERFACE_ACTIONS })),
    );
  });

  it('grants no wildcard actions and nothing but Allow', () => {
    for (const fn of allFunctions()) {
      for (const statement of statementsOf(id(fn.role))) {
        expect(statement.Effect).toBe('Allow');
        for (const action of actions(statement)) expect(action, `${fn.node.path}: ${action}`).not.toContain('*');
      }
    }
  });

  it('lets each function read only the secret it needs', () => {
    const secret = (name: string) => ({ Ref: id(synth.stack.secrets.secret(name)) });
    for (const flow of synth.stack.flows) {
      expect(resourcesFor(flow.poller!, 'secretsmanager:GetSecretValue')).toEqual([secret(peopleSoftSystemOf(config, flow.deployment.flow.source!).auth.secret)]);
      expect(resourcesFor(flow.writer, 'secretsmanager:GetSecretValue')).toEqual([secret(config.targets.marketo!.secret!)]);
    }
  });

  it("keeps every function to its own flow's queues", () => {
    for (const flow of synth.stack.flows) {
      expect(resourcesFor(flow.poller!, 'sqs:SendMessage').sort()).toEqual([arnOf(flow.invocationFailures!), arnOf(flow.queue)].sort());
      expect(resourcesFor(flow.poller!, 'sqs:ReceiveMessage')).toEqual([]);
      expect(resourcesFor(flow.writer, 'sqs:ReceiveMessage')).toEqual([arnOf(flow.queue)]);
      expect(resourcesFor(flow.writer, 'sqs:DeleteMessage')).toEqual([arnOf(flow.queue)]);
      // Parked records go back on the queue; records that cannot be written go to the DLQ.
      expect(resourcesFor(flow.writer, 'sqs:SendMessage')).toEqual([arnOf(flow.queue), arnOf(flow.deadLetterQueue)]);
    }
  });

  it('lets both functions use the table and the key, and no other table or key', () => {
    for (const fn of allFunctions()) {
      expect(distinct(resourcesFor(fn, 'dynamodb:UpdateItem'))).toEqual([arnOf(synth.stack.state.table)]);
      expect(resourcesFor(fn, 'dynamodb:DeleteItem')).toEqual([]);
      expect(resourcesFor(fn, 'dynamodb:Scan')).toEqual([]);
      expect(distinct(resourcesFor(fn, 'kms:Decrypt'))).toEqual([arnOf(synth.stack.state.key)]);
    }
  });

  it('lets writers publish alerts, pollers invoke only themselves, and the schedule invoke only its poller', () => {
    const topic = { Ref: id(synth.stack.observability.topic) };
    for (const flow of synth.stack.flows) {
      expect(resourcesFor(flow.writer, 'sns:Publish')).toEqual([topic]);
      expect(resourcesFor(flow.poller!, 'sns:Publish')).toEqual([]);
      expect(resourcesFor(flow.poller!, 'lambda:InvokeFunction')).toEqual([arnOf(flow.poller!.function)]);
      expect(resourcesFor(flow.writer, 'lambda:InvokeFunction')).toEqual([]);
      const scheduler = statementsOf(id(flow.schedulerRole!));
      expect(scheduler.filter((s) => actions(s).includes('lambda:InvokeFunction')).flatMap(resources)).toEqual([arnOf(flow.poller!.function)]);
    }
  });

  it('writes logs only to the function\'s own log group', () => {
    for (const fn of allFunctions()) {
      expect(resourcesFor(fn, 'logs:PutLogEvents')).toEqual([{ 'Fn::GetAtt': [id(fn.logGroup), 'Arn'] }]);
    }
  });
});
