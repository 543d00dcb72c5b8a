import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type CustomerConfigInput } from '../../shared/config';
import { targetCatalog, type TargetCatalog } from '../../shared/connectors';
import { toyTarget } from '../support/toyTarget';
import { exampleConfig, logicalId, resourcesOfType, synthesize, type Synthesized } from './support/synthesize';

// A target behind the customer's firewall (as PeopleSoft is when it is written to): its writer
// must leave through the static egress IP the customer allow-listed.
const firewalled: TargetCatalog = {
  ...targetCatalog,
  ledger: { ...toyTarget, declaration: { ...toyTarget.declaration, name: 'ledger', reachedThrough: 'static-egress-ip' } },
};

describe('where a writer runs', () => {
  let synth: Synthesized;
  beforeAll(async () => {
    const input = structuredClone(await exampleConfig()) as CustomerConfigInput;
    input.targets.ledger = { secret: 'ledger', workspace: 'acme', baseUrl: 'https://ledger.acme.example:9443' };
    input.flows.push({
      name: 'employees-to-ledger',
      source: 'employees',
      target: 'ledger',
      schedule: { cron: '0 6 * * ? *' },
      objects: [{ object: 'contacts', mapping: { email: 'EMAIL_ADDR' } }],
    });
    // And a flow into the audit log, a target that needs no credentials.
    input.targets.audit = {};
    input.flows.push({
      name: 'employees-to-audit',
      source: 'employees',
      target: 'audit',
      schedule: { cron: '0 7 * * ? *' },
      objects: [{ object: 'events', mapping: { id: 'EMPLID' } }],
    });
    synth = synthesize(validateConfig(input, 'test config', firewalled), { targets: firewalled });
  });
  afterAll(() => synth?.cleanup());

  const writerOf = (flow: string): Record<string, unknown> => {
    const pipeline = synth.stack.flows.find((candidate) => candidate.deployment.flow.name === flow)!;
    const id = logicalId(synth.stack, pipeline.writer.function);
    return resourcesOfType(synth.template, 'AWS::Lambda::Function').find(([logical]) => logical === id)![1].Properties!;
  };

  it('puts the writer of a target reached only through the static egress IP in the private subnets', () => {
    const privateSubnets = synth.stack.network.vpc.privateSubnets.map((subnet) => ({ Ref: logicalId(synth.stack, subnet) }));
    expect(writerOf('employees-to-ledger').VpcConfig).toEqual({
      SubnetIds: privateSubnets,
      SecurityGroupIds: [{ 'Fn::GetAtt': [logicalId(synth.stack, synth.stack.network.pollerSecurityGroup), 'GroupId'] }],
    });
  });

  it('keeps the writers of internet targets outside the VPC', () => {
    const internetFlow = synth.stack.config.flows.find((flow) => flow.target !== 'ledger')!;
    expect(writerOf(internetFlow.name).VpcConfig).toBeUndefined();
  });

  it('gives the writer of a target without credentials no secret to read', () => {
    const audit = synth.stack.flows.find((pipeline) => pipeline.deployment.flow.target === 'audit')!;
    expect(audit.deployment.targetSecret).toBeUndefined();
    const policies = resourcesOfType(synth.template, 'AWS::IAM::Policy').filter(([, policy]) =>
      JSON.stringify(policy.Properties!.Roles).includes(logicalId(synth.stack, audit.writer.role)),
    );
    expect(policies.length).toBeGreaterThan(0);
    expect(JSON.stringify(policies)).toContain('dynamodb:');
    expect(JSON.stringify(policies)).not.toContain('secretsmanager:GetSecretValue');
  });

  it("opens the target's port in the egress security group", () => {
    expect(synth.stack.plan.pollerEgressPorts).toContain(9443);
    const groups = resourcesOfType(synth.template, 'AWS::EC2::SecurityGroup').map(([, group]) => group.Properties!);
    const rules = groups.flatMap((group) => (group.SecurityGroupEgress as Array<{ FromPort?: number; ToPort?: number }> | undefined) ?? []);
    expect(rules).toContainEqual(expect.objectContaining({ FromPort: 9443, ToPort: 9443 }));
  });
});
