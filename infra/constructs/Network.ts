import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  CfnEIP,
  CfnInstance,
  EbsDeviceVolumeType,
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  InstanceClass,
  InstanceSize,
  InstanceType,
  IpAddresses,
  NatProvider,
  NatTrafficDirection,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
  Vpc,
  type NatInstanceProviderV2,
  type SubnetSelection,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** How the private subnets reach the internet. */
export type NatKind = 'gateway' | 'instance';

export interface NetworkProps {
  /** `gateway`: managed NAT gateway; `instance`: a t4g.nano NAT instance (cheaper, not managed). */
  readonly nat: NatKind;
  /**
   * Availability zones, named explicitly (e.g. `us-east-1a`) so that synth never looks them up.
   * The poller's subnets span all of them.
   */
  readonly availabilityZones: readonly string[];
  /**
   * NAT devices, each with its own Elastic IP. One is enough for a scheduled poller: an AZ outage
   * fails a run, which alarms and is retried; every extra one is another IP to allow-list and,
   * for gateways, about $36.50 a month with its Elastic IP (docs/cost.md).
   * @default 1
   */
  readonly natCount?: number;
  /** TCP ports the poller may open to the internet (443 for AWS APIs, PeopleSoft's port, ...). */
  readonly pollerEgressPorts: readonly number[];
  /**
   * Address range of the VPC. An uncommon private range, so that a later VPN or Direct Connect to
   * the customer's network (`network: private`) is unlikely to overlap it.
   * @default '10.213.0.0/22'
   */
  readonly cidr?: string;
  /** @default RetentionDays.ONE_MONTH */
  readonly flowLogRetention?: RetentionDays;
}

/**
 * The VPC the poller runs in: private subnets whose only way out is NAT with Elastic IPs, so
 * every call to PeopleSoft comes from an address the customer can allow-list. Writers and
 * webhook handlers run outside the VPC and do not depend on it.
 */
export class Network extends Construct {
  public readonly vpc: Vpc;
  public readonly cidr: string;
  /** The static egress addresses: allow-list these on the PeopleSoft firewall. */
  public readonly elasticIps: readonly CfnEIP[];
  /** Security group of the poller: egress only, to the listed ports. */
  public readonly pollerSecurityGroup: SecurityGroup;
  public readonly pollerSubnets: SubnetSelection = { subnetType: SubnetType.PRIVATE_WITH_EGRESS };
  /** The NAT instance provider when `nat: instance`. */
  public readonly natInstances?: NatInstanceProviderV2;

  public constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const natCount = props.natCount ?? 1;
    if (props.availabilityZones.length < 2) {
      throw new Error(`Network needs at least two availability zones, got ${props.availabilityZones.length}`);
    }
    if (!Number.isInteger(natCount) || natCount < 1 || natCount > props.availabilityZones.length) {
      throw new Error(`Network natCount must be 1..${props.availabilityZones.length}, got ${natCount}`);
    }

    this.elasticIps = Array.from({ length: natCount }, (_, index) => new CfnEIP(this, `EgressIp${index + 1}`, { domain: 'vpc' }));

    let natGatewayProvider: NatProvider;
    if (props.nat === 'gateway') {
      natGatewayProvider = NatProvider.gateway({ eipAllocationIds: this.elasticIps.map((eip) => eip.attrAllocationId) });
    } else {
      this.natInstances = NatProvider.instanceV2({
        instanceType: InstanceType.of(InstanceClass.T4G, InstanceSize.NANO),
        defaultAllowedTraffic: NatTrafficDirection.OUTBOUND_ONLY,
      });
      natGatewayProvider = this.natInstances;
    }

    this.cidr = props.cidr ?? '10.213.0.0/22';
    this.vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr(this.cidr),
      availabilityZones: [...props.availabilityZones],
      natGateways: natCount,
      natGatewayProvider,
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [
        { name: 'nat', subnetType: SubnetType.PUBLIC, cidrMask: 26 },
        { name: 'poller', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
      // DynamoDB through a gateway endpoint: free, and cursor writes do not pay NAT processing.
      gatewayEndpoints: { dynamodb: { service: GatewayVpcEndpointAwsService.DYNAMODB } },
    });

    if (this.natInstances) this.hardenNatInstances(this.natInstances);

    const flowLogs = new LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: FlowLogTrafficType.ALL,
    });

    this.pollerSecurityGroup = new SecurityGroup(this, 'PollerSecurityGroup', {
      vpc: this.vpc,
      description: 'ml-connector poller: no inbound; outbound HTTPS to AWS APIs and the PeopleSoft port',
      allowAllOutbound: false,
    });
    for (const port of [...new Set(props.pollerEgressPorts)].sort((a, b) => a - b)) {
      this.pollerSecurityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(port), `HTTPS egress on ${port}`);
    }
  }

  /**
   * A NAT instance is an EC2 instance: encrypt its root volume, let only the VPC send through it,
   * and pin its public address to the Elastic IP (a plain public IP would change on stop/start).
   */
  private hardenNatInstances(provider: NatInstanceProviderV2): void {
    // The literal range, not the VPC's CidrBlock attribute: cdk-nag can check a literal.
    provider.connections.allowFrom(Peer.ipv4(this.cidr), Port.allTraffic(), 'NAT for the private subnets');
    provider.gatewayInstances.forEach((instance, index) => {
      const cfn = instance.node.defaultChild as CfnInstance;
      cfn.blockDeviceMappings = [
        {
          deviceName: '/dev/xvda',
          ebs: { encrypted: true, volumeType: EbsDeviceVolumeType.GP3, deleteOnTermination: true },
        },
      ];
      this.elasticIps[index]!.instanceId = cfn.ref;
      Validations.of(instance).acknowledge(
        {
          id: 'AwsSolutions-EC28',
          reason: 'NAT instance for one scheduled poller: 5-minute basic monitoring is enough; poller errors and SourceFailures alarm when egress breaks',
        },
        {
          id: 'AwsSolutions-EC29',
          reason: 'Termination protection would block `cdk destroy`; CloudFormation replaces the NAT instance and re-associates the Elastic IP',
        },
      );
    });
  }
}
