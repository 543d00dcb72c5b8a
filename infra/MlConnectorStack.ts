import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Fn, Stack, Stage, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { resourceNames, type CustomerConfig } from '../shared/config';
import type { TargetCatalog } from '../shared/connectors';
import { FlowPipeline, FrontDoor, Network, Observability, PushedSubscriptions, Secrets, State, Webhooks, type WebhookRoute } from './constructs';
import { planDeployment, type DeploymentPlan } from './planDeployment';

export interface MlConnectorStackProps extends Omit<StackProps, 'env' | 'stackName'> {
  /** The validated customer config (`loadConfig`). */
  readonly config: CustomerConfig;
  /** Where the config came from, for messages. @default 'config' */
  readonly configSource?: string;
  /** The targets the config may use (the built-in catalog by default). */
  readonly targets?: TargetCatalog;
  /** Extra webhook routes, besides the front door's route per pushed source. */
  readonly webhookRoutes?: readonly WebhookRoute[];
}

/** The stack (and CloudFormation stack name) of a customer: `ml-connector-<customer>`. */
export function stackName(config: Pick<CustomerConfig, 'customer'>): string {
  return `ml-connector-${config.customer}`;
}

/** Availability zones named from the region, so that synth never looks them up. */
export function availabilityZones(region: string): string[] {
  return [`${region}a`, `${region}b`];
}

const handlers = {
  poller: fileURLToPath(new URL('../functions/poller/handler.ts', import.meta.url)),
  writer: fileURLToPath(new URL('../functions/writer/handler.ts', import.meta.url)),
  frontDoor: fileURLToPath(new URL('../functions/frontdoor/handler.ts', import.meta.url)),
  subscriptions: fileURLToPath(new URL('../functions/subscriptions/handler.ts', import.meta.url)),
};

function pascal(name: string): string {
  return name.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_, __, letter: string) => letter.toUpperCase());
}

/**
 * Everything one customer needs, in one stack named after the customer: network with static
 * egress IPs, state table and key, secrets, one pipeline per flow, webhooks, dashboard and
 * alarms. No context lookups: it synthesizes offline, without an AWS account.
 */
export class MlConnectorStack extends Stack {
  public readonly config: CustomerConfig;
  public readonly plan: DeploymentPlan;
  public readonly network: Network;
  public readonly state: State;
  public readonly secrets: Secrets;
  public readonly flows: readonly FlowPipeline[];
  public readonly webhooks: Webhooks;
  /** The front door of the pushed sources; absent when the config has none. */
  public readonly frontDoor?: FrontDoor;
  /** Renewals and reconciliations of pushed sources; absent when none subscribes or reconciles. */
  public readonly subscriptions?: PushedSubscriptions;
  public readonly observability: Observability;
  /** The JSON written next to the cloud assembly and bundled into every function. */
  public readonly configFile: string;

  public constructor(scope: Construct, id: string, props: MlConnectorStackProps) {
    const { config } = props;
    super(scope, id, {
      ...props,
      stackName: stackName(config),
      env: { region: config.region },
      description: `ml-connector for ${config.customer}: PeopleSoft → ${Object.keys(config.targets).join(', ')} (${config.flows.length} flows)`,
    });
    this.config = config;
    this.plan = planDeployment(config, props.configSource, props.targets);
    Tags.of(this).add('ml-connector:customer', config.customer);

    const names = resourceNames(config);
    this.configFile = this.writeConfigFile(config);

    this.network = new Network(this, 'Network', {
      nat: config.nat,
      availabilityZones: availabilityZones(config.region),
      pollerEgressPorts: this.plan.pollerEgressPorts,
    });
    this.state = new State(this, 'State', { tableName: names.table, keyAlias: `alias/ml-connector/${config.customer}` });
    this.secrets = new Secrets(this, 'Secrets', {
      prefix: names.secret(''),
      systems: this.plan.secrets,
      key: this.state.key,
    });

    this.flows = this.plan.flows.map(
      (deployment) =>
        new FlowPipeline(this, `Flow-${deployment.flow.name}`, {
          deployment,
          state: this.state,
          secrets: this.secrets,
          ...(deployment.sourceSecret ? { sourceSecretName: deployment.sourceSecret.name } : {}),
          pollerPlacement: {
            vpc: this.network.vpc,
            subnets: this.network.pollerSubnets,
            securityGroups: [this.network.pollerSecurityGroup],
          },
          configFile: this.configFile,
          handlers,
        }),
    );

    if (Object.keys(config.pushed ?? {}).length > 0) {
      this.frontDoor = new FrontDoor(this, 'FrontDoor', {
        config,
        flows: this.flows,
        state: this.state,
        secrets: this.secrets,
        configFile: this.configFile,
        entry: handlers.frontDoor,
      });
    }
    this.webhooks = new Webhooks(this, 'Webhooks', { routes: [...(props.webhookRoutes ?? []), ...(this.frontDoor?.routes ?? [])] });
    // A writer that fetches id-only records reads that target's credentials too.
    for (const pipeline of this.flows) {
      if (pipeline.deployment.fetchSecrets.length > 0) this.secrets.bindTo(pipeline.writer, pipeline.deployment.fetchSecrets.map((secret) => secret.name));
    }
    if (Object.values(config.pushed ?? {}).some((source) => source.subscribe || source.reconcile)) {
      this.subscriptions = new PushedSubscriptions(this, 'Subscriptions', {
        config,
        flows: this.flows,
        state: this.state,
        secrets: this.secrets,
        targetSecrets: Object.fromEntries(this.plan.secrets.filter((secret) => secret.configField.startsWith('targets.')).map((secret) => [secret.system, secret.name])),
        frontDoorUrl: this.webhooks.baseUrl,
        configFile: this.configFile,
        entry: handlers.subscriptions,
      });
    }

    this.observability = new Observability(this, 'Observability', {
      dashboardName: stackName(config),
      alertEmail: config.alertEmail,
      key: this.state.key,
      flows: this.flows,
    });
    for (const pipeline of this.flows) this.observability.bindTo(pipeline.writer);
    this.frontDoor?.alarmTo(this.observability.topic);
    this.subscriptions?.alarmTo(this.observability.topic);

    this.addOutputs(names.secret(''));
  }

  /** The validated config (defaults merged, no secrets in it) as JSON, for the bundles. */
  private writeConfigFile(config: CustomerConfig): string {
    const directory = join(Stage.of(this)!.outdir, 'ml-connector-config');
    mkdirSync(directory, { recursive: true });
    const file = join(directory, `${this.stackName}.json`);
    writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
    return file;
  }

  private addOutputs(secretPrefix: string): void {
    const region = this.region;
    new CfnOutput(this, 'EgressIps', {
      description: 'Static egress IP(s) of the poller: allow these on the PeopleSoft firewall (HTTPS to PSIGW)',
      value: Fn.join(',', this.network.elasticIps.map((eip) => eip.ref)),
    });
    new CfnOutput(this, 'WebhookBaseUrl', {
      description: 'Base URL of the webhook routes (POST <base>/<pushed source>)',
      value: this.webhooks.baseUrl,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'CloudWatch dashboard of this customer',
      value: `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${this.observability.dashboard.dashboardName}`,
    });
    new CfnOutput(this, 'SecretNames', {
      description: 'Secrets to fill in with "ml-connector secrets set --system <system>" before the first run',
      value: this.plan.secrets.map((secret) => `${secret.system}=${secretPrefix}${secret.name}`).join(','),
    });
    for (const secret of this.plan.secrets) {
      new CfnOutput(this, `${pascal(secret.system)}SecretName`, {
        description: `${secret.system} credentials: JSON with ${secret.fields.join(', ')}`,
        value: `${secretPrefix}${secret.name}`,
      });
    }
    new CfnOutput(this, 'AlertTopicArn', { description: 'SNS topic of the alarms (the alert e-mail is subscribed)', value: this.observability.topic.topicArn });
    new CfnOutput(this, 'StateTableName', { description: 'DynamoDB table: cursors, record state, audit', value: this.state.table.tableName });
    new CfnOutput(this, 'KeyArn', {
      description: 'KMS key of the table, queues, secrets and topic; retained by cdk destroy: schedule its deletion after the table is gone',
      value: this.state.key.keyArn,
    });
    for (const pipeline of this.flows) {
      const id = pascal(pipeline.deployment.flow.name);
      new CfnOutput(this, `${id}DeadLetterQueueUrl`, {
        description: `Dead-letter queue of ${pipeline.deployment.flow.name} (npx ml-connector replay --deployed)`,
        value: pipeline.deadLetterQueue.queueUrl,
      });
      if (pipeline.poller) {
        new CfnOutput(this, `${id}PollerFunctionName`, {
          description: `Poller of ${pipeline.deployment.flow.name}: invoke it (asynchronously) to run the flow now`,
          value: pipeline.poller.function.functionName,
        });
      }
    }
  }
}
