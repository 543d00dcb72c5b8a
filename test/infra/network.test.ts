import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { Network, type NetworkProps } from '../../infra/constructs/Network';
import { bareStack, exampleConfigWith, resourcesOfType, synthesize } from './support/synthesize';

function networkTemplate(props: Partial<NetworkProps> = {}): { template: Template; network: Network } {
  const stack = bareStack();
  const network = new Network(stack, 'Network', {
    nat: 'gateway',
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    pollerEgressPorts: [443, 8443],
    ...props,
  });
  return { template: Template.fromStack(stack), network };
}

describe('Network', () => {
  describe('with a NAT gateway (default)', () => {
    let template: Template;
    let network: Network;
    beforeAll(() => ({ template, network } = networkTemplate()));

    it('gives the NAT gateway the Elastic IP the customer allow-lists', () => {
      template.resourceCountIs('AWS::EC2::EIP', 1);
      template.resourceCountIs('AWS::EC2::NatGateway', 1);
      const [eipId] = resourcesOfType(template, 'AWS::EC2::EIP')[0]!;
      template.hasResourceProperties('AWS::EC2::NatGateway', { AllocationId: { 'Fn::GetAtt': [eipId, 'AllocationId'] } });
      expect(network.elasticIps).toHaveLength(1);
    });

    it('sends all egress of the private subnets through that NAT gateway', () => {
      const [natId] = resourcesOfType(template, 'AWS::EC2::NatGateway')[0]!;
      const privateRoutes = resourcesOfType(template, 'AWS::EC2::Route').filter(([, route]) => route.Properties!.NatGatewayId);
      expect(privateRoutes).toHaveLength(2);
      for (const [, route] of privateRoutes) {
        expect(route.Properties).toMatchObject({ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: { Ref: natId } });
      }
    });

    it('names its availability zones instead of looking them up', () => {
      const zones = resourcesOfType(template, 'AWS::EC2::Subnet').map(([, subnet]) => subnet.Properties!.AvailabilityZone);
      expect(new Set(zones)).toEqual(new Set(['us-east-1a', 'us-east-1b']));
    });

    it('lets the poller out on the listed ports only, and nothing in', () => {
      template.hasResourceProperties('AWS::EC2::SecurityGroup', {
        GroupDescription: Match.stringLikeRegexp('poller'),
        SecurityGroupEgress: [
          Match.objectLike({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' }),
          Match.objectLike({ IpProtocol: 'tcp', FromPort: 8443, ToPort: 8443, CidrIp: '0.0.0.0/0' }),
        ],
        SecurityGroupIngress: Match.absent(),
      });
    });

    it('logs the VPC flows and reaches DynamoDB through a free gateway endpoint', () => {
      template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL' });
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.dynamodb']] },
      });
    });
  });

  describe('with a NAT instance', () => {
    let template: Template;
    beforeAll(() => ({ template } = networkTemplate({ nat: 'instance' })));

    it('pins a t4g.nano NAT instance to the Elastic IP', () => {
      template.resourceCountIs('AWS::EC2::NatGateway', 0);
      template.resourceCountIs('AWS::EC2::EIP', 1);
      const [instanceId] = resourcesOfType(template, 'AWS::EC2::Instance')[0]!;
      template.hasResourceProperties('AWS::EC2::EIP', { Domain: 'vpc', InstanceId: { Ref: instanceId } });
      template.hasResourceProperties('AWS::EC2::Instance', {
        InstanceType: 't4g.nano',
        SourceDestCheck: false,
        BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ Encrypted: true }) })],
      });
    });

    it('routes the private subnets through the instance and accepts traffic from the VPC only', () => {
      const [instanceId] = resourcesOfType(template, 'AWS::EC2::Instance')[0]!;
      const natRoutes = resourcesOfType(template, 'AWS::EC2::Route').filter(([, route]) => route.Properties!.InstanceId);
      expect(natRoutes).toHaveLength(2);
      for (const [, route] of natRoutes) expect(route.Properties!.InstanceId).toEqual({ Ref: instanceId });
      template.hasResourceProperties('AWS::EC2::SecurityGroup', {
        GroupDescription: 'Security Group for NAT instances',
        SecurityGroupIngress: [Match.objectLike({ IpProtocol: '-1', CidrIp: '10.213.0.0/22' })],
      });
    });

    it('passes cdk-nag inside the customer stack', async () => {
      const config = await exampleConfigWith((input) => {
        input.nat = 'instance';
      });
      const synth = synthesize(config);
      try {
        synth.template.resourceCountIs('AWS::EC2::Instance', 1);
      } finally {
        synth.cleanup();
      }
    });
  });

  it('refuses more NAT devices than availability zones', () => {
    expect(() => networkTemplate({ natCount: 3 })).toThrow(/natCount must be 1\.\.2/);
  });
});
