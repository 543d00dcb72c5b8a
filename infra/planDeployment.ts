import { pushSourceOf } from '../shared/config/flowSources';
import { endpointIssues, peopleSoftSystemOf, peopleSoftSystems, resourceNames, writerConcurrency, type CustomerConfig, type FlowConfig, type FlowResourceNames } from '../shared/config';
import { targetCatalog } from '../shared/connectors/catalog';
import type { TargetCatalog } from '../shared/connectors/TargetDefinition';
import { ConfigError, type ConfigIssue } from '../shared/errors';
import { systemSecrets, type SystemSecret } from '../shared/cli/commands/secretsSet';

export { MAX_VISIBILITY_TIMEOUT_SECONDS } from '../shared/config/flowResourceIssues';
/** Upper bound of an SQS event source mapping's maximum concurrency. */
const MAX_EVENT_SOURCE_CONCURRENCY = 1000;

/** Everything the stack derives from one flow, after the deployment checks. */
export interface FlowDeployment {
  readonly flow: FlowConfig;
  /** Position in `flows`, for messages (`flows[1].batchSize`). */
  readonly index: number;
  readonly names: FlowResourceNames;
  /** Records per writer invocation: the flow's batchSize, else the target's maximum batch. */
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  /**
   * Writer invocations in flight: the target's in-flight budget (at least 2). Flows of one target
   * do not split it; the shared limiter keeps their calls under the target's limits together.
   */
  readonly maxConcurrency: number;
  /** The target's credentials; absent for a target that needs none (the audit log). */
  readonly targetSecret?: SystemSecret;
  /** The secret of the PeopleSoft system that serves the flow's entity (the only one its poller reads). */
  /** The PeopleSoft secret its poller reads; absent for a push-only flow without a source entity. */
  readonly sourceSecret?: SystemSecret;
  /** The system the flow reads, for descriptions and alarm texts. */
  readonly sourceSystem: string;
  /** The writer runs in the VPC, behind the static egress IP (targets that are only reached so). */
  readonly writerInVpc: boolean;
  /** Credentials of the targets the writer fetches id-only records from (its pushed source's `fetch.from`). */
  readonly fetchSecrets: readonly SystemSecret[];
}

export interface DeploymentPlan {
  readonly flows: readonly FlowDeployment[];
  readonly secrets: readonly SystemSecret[];
  /** TCP ports the poller must reach: 443 for AWS APIs, each PeopleSoft system's port and token URL's port. */
  readonly pollerEgressPorts: readonly number[];
}

function portOf(url: string): number {
  const parsed = new URL(url);
  if (parsed.port) return Number(parsed.port);
  return parsed.protocol === 'https:' ? 443 : 80;
}

/**
 * Checks what only a deployment cares about and derives the per-flow settings of the stack.
 * The config has already passed `validateConfig`; contradictions found here throw the same
 * `ConfigError`, naming the field to change.
 */
export function planDeployment(config: CustomerConfig, source = 'config', catalog: TargetCatalog = targetCatalog): DeploymentPlan {
  const issues: ConfigIssue[] = [];
  const names = resourceNames(config);
  const secrets = systemSecrets(config, catalog);

  for (const system of peopleSoftSystems(config.peoplesoft)) {
    if (system.simulator) {
      issues.push({ field: `${system.field}.simulator`, message: 'the built-in simulator only runs locally; set it to false and point baseUrl at PeopleSoft to deploy' });
    }
  }
  for (const [target, settings] of Object.entries(config.targets)) {
    if ((settings as { simulator?: boolean } | undefined)?.simulator) {
      issues.push({ field: `targets.${target}.simulator`, message: 'the built-in simulator only runs locally; set it to false to deploy' });
    }
  }

  // Endpoints the deployed runtime would refuse (loopback, `network: private` without a route).
  issues.push(...endpointIssues(config, { deployed: true }));

  const flows: FlowDeployment[] = config.flows.map((flow, index) => {
    const at = `flows[${index}]`;
    const flowNames = names.flow(flow);
    const declaration = catalog[flow.target]!.declaration;
    const batchSize = flow.batchSize ?? declaration.maxBatch;

    const maxConcurrency = Math.min(MAX_EVENT_SOURCE_CONCURRENCY, writerConcurrency(config, flow.target, declaration));
    const targetSecret = secrets.find((secret) => secret.system === flow.target);
    if (!targetSecret && catalog[flow.target]!.secretFields.length > 0) {
      issues.push({ field: `${at}.target`, message: `no secret is known for target ${flow.target}` });
    }
    // A push-only flow without a PeopleSoft entity has no poller, so no source secret.
    const sourceSystem = flow.source === undefined ? undefined : peopleSoftSystemOf(config, flow.source);
    const sourceSecret = sourceSystem ? secrets.find((secret) => secret.name === sourceSystem.auth.secret) : undefined;
    const pushSource = pushSourceOf(flow);
    const fetchFrom = pushSource === undefined ? undefined : config.pushed?.[pushSource]?.fetch?.from;
    const fetchSecrets = secrets.filter((secret) => fetchFrom !== undefined && secret.system === fetchFrom && secret.configField === `targets.${fetchFrom}.secret`);

    return {
      flow,
      index,
      names: flowNames,
      batchSize,
      batchingWindowSeconds: flow.batchingWindowSeconds,
      maxConcurrency,
      ...(targetSecret ? { targetSecret } : {}),
      ...(sourceSecret ? { sourceSecret } : {}),
      sourceSystem: !sourceSystem ? `pushed source ${pushSource}` : Object.keys(config.peoplesoft.systems).length > 1 ? `PeopleSoft ${sourceSystem.name}` : 'PeopleSoft',
      writerInVpc: declaration.reachedThrough === 'static-egress-ip',
      fetchSecrets,
    };
  });

  if (issues.length > 0) throw new ConfigError(source, issues);

  const ports = new Set([443]);
  for (const system of peopleSoftSystems(config.peoplesoft)) {
    ports.add(portOf(system.baseUrl));
    if (system.auth.kind === 'oauth2') ports.add(portOf(system.auth.tokenUrl));
  }
  // Writers of targets reached only through the static egress IP share the poller's network.
  for (const deployment of flows) {
    const baseUrl = config.targets[deployment.flow.target]?.baseUrl;
    if (deployment.writerInVpc && baseUrl) ports.add(portOf(baseUrl));
  }

  return {
    flows,
    secrets,
    pollerEgressPorts: [...ports].sort((a, b) => a - b),
  };
}
