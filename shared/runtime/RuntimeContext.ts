import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoTokenStore, type TokenSealer } from '../auth';
import { FlowQueue } from '../aws';
import type { CustomerConfig, FlowConfig } from '../config';
import { peopleSoftSystems } from '../config/peopleSoftSystemOf';
import { targetCatalog, type TargetCatalog, type TargetConnector } from '../connectors';
import { ErrorKind, MlConnectorError } from '../errors';
import type { HostPolicy } from '../http';
import { dynamoLimiters, inProcessLimiters, type LimiterFactory } from '../limits';
import { PeopleSoftSource, PeopleSoftSources } from '../peoplesoft';
import type { Alerter } from '../pipeline';
import type { SecretResolver } from '../secrets';
import { EffectiveDateStore, StateStore } from '../state';

/** Where the pipeline runs and the clients it uses there. */
export interface RuntimeContext {
  /** `local`: loopback allowed (simulators, emulators); `aws`: deployed. */
  readonly mode: 'local' | 'aws';
  readonly config: CustomerConfig;
  readonly secrets: SecretResolver;
  readonly sqs: SQSClient;
  readonly dynamo: DynamoDBClient;
  readonly tableName: string;
  readonly queueUrls: (flow: FlowConfig) => { queueUrl: string; deadLetterQueueUrl: string };
  readonly alerts: Alerter;
  /**
   * Systems replaced by the built-in simulators: their base URLs and the credentials they accept.
   * Only the local runtime sets this.
   */
  readonly simulated?: {
    /** PeopleSoft systems by name (keys of `peoplesoft.systems`). */
    readonly peoplesoft?: Readonly<Record<string, { readonly baseUrl: string; readonly username: string; readonly password: string }>>;
    /** Targets by name: the simulator's base URL and the credentials it accepts. */
    readonly targets?: Readonly<Record<string, { readonly baseUrl: string; readonly credentials: Readonly<Record<string, string>> }>>;
  };
  /** Seals shared OAuth tokens in the table (deployed: the stack's KMS key); plain when absent. */
  readonly tokenSealer?: TokenSealer;
  /** The targets this runtime can build (the built-in catalog when absent). */
  readonly targets?: TargetCatalog;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

function hostPolicy(context: RuntimeContext, network: 'public' | 'private'): HostPolicy {
  return { allowLoopback: context.mode === 'local', allowPrivate: network === 'private' };
}

function required(secret: Record<string, string>, field: string, name: string): string {
  const value = secret[field];
  if (!value) throw new MlConnectorError(`secret "${name}" has no "${field}" field`, ErrorKind.Misconfigured);
  return value;
}

/**
 * The PeopleSoft sources the config describes, one per system (or its simulator), with the
 * credentials of each system's secret. `systems` limits them to those names: a deployed poller
 * may read only the secret of the system its flow reads.
 */
export async function createSource(context: RuntimeContext, systems?: readonly string[]): Promise<PeopleSoftSources> {
  const { peoplesoft } = context.config;
  const chosen = peopleSoftSystems(peoplesoft).filter((system) => !systems || systems.includes(system.name));
  const sources = await Promise.all(
    chosen.map(async (system) => {
      const simulated = context.simulated?.peoplesoft?.[system.name];
      const common = {
        system: system.name,
        hostPolicy: hostPolicy(context, system.network),
        ...(context.fetch ? { fetch: context.fetch } : {}),
        ...(context.now ? { now: context.now } : {}),
      };
      if (simulated) {
        const { name: _name, field: _field, ...rest } = system;
        const settings = { ...rest, baseUrl: simulated.baseUrl, auth: { kind: 'basic' as const, secret: system.auth.secret } };
        return new PeopleSoftSource({
          ...common,
          config: { ...peoplesoft, systems: { ...peoplesoft.systems, [system.name]: settings } },
          credentials: { kind: 'basic', username: simulated.username, password: simulated.password },
        });
      }
      const { auth } = system;
      const secret = await context.secrets.get(auth.secret);
      const credentials =
        auth.kind === 'basic'
          ? { kind: 'basic' as const, username: required(secret, 'username', auth.secret), password: required(secret, 'password', auth.secret) }
          : { kind: 'oauth2' as const, clientId: required(secret, 'clientId', auth.secret), clientSecret: required(secret, 'clientSecret', auth.secret) };
      return new PeopleSoftSource({ ...common, config: peoplesoft, credentials });
    }),
  );
  return new PeopleSoftSources(sources);
}

/**
 * Where target call budgets live: in this process locally (one budget per target account, shared
 * by every flow), in the stack's table deployed (shared by every writer container of every flow).
 */
function limiters(context: RuntimeContext): LimiterFactory {
  const clock = {
    ...(context.now ? { now: () => context.now!().getTime() } : {}),
    ...(context.sleep ? { sleep: context.sleep } : {}),
  };
  return context.mode === 'aws' ? dynamoLimiters({ client: context.dynamo, tableName: context.tableName, ...clock }) : inProcessLimiters(clock);
}

/**
 * The connector of a target named in `targets:` (or its simulator), built by the target's own
 * definition from the catalog, with the credentials its secret holds.
 */
export async function createConnector(context: RuntimeContext, target: string): Promise<TargetConnector> {
  const catalog = context.targets ?? targetCatalog;
  const definition = catalog[target];
  if (!definition) {
    throw new MlConnectorError(`no connector for target "${target}" (known: ${Object.keys(catalog).join(', ')})`, ErrorKind.Misconfigured);
  }
  const settings = context.config.targets[target];
  if (!settings) throw new MlConnectorError(`targets.${target} is not configured`, ErrorKind.Misconfigured);
  const simulated = context.simulated?.targets?.[target];
  let credentials: Readonly<Record<string, string>> = {};
  if (simulated) {
    credentials = simulated.credentials;
  } else if (definition.secretFields.length > 0) {
    const name = settings.secret;
    if (!name) throw new MlConnectorError(`targets.${target}.secret is not set`, ErrorKind.Misconfigured);
    const secret = await context.secrets.get(name);
    credentials = Object.fromEntries(definition.secretFields.map((field) => [field, required(secret, field, name)]));
  }
  return definition.create({
    settings: simulated ? { ...settings, baseUrl: simulated.baseUrl } : settings,
    credentials,
    hostPolicy: hostPolicy(context, settings.network),
    limiters: limiters(context),
    // One access token per target account in the state table: shared by every function deployed,
    // and kept across CLI runs locally (the local table lives in the state folder).
    tokenStores: ({ system, account }) => new DynamoTokenStore({ client: context.dynamo, tableName: context.tableName, system, account }),
    ...(context.tokenSealer ? { tokenSealer: context.tokenSealer } : {}),
    ...(context.fetch ? { fetch: context.fetch } : {}),
    ...(context.now ? { now: context.now } : {}),
    ...(context.sleep ? { sleep: context.sleep } : {}),
  });
}

export function createStore(context: RuntimeContext): StateStore {
  return new StateStore({
    client: context.dynamo,
    tableName: context.tableName,
    auditRetentionDays: context.config.auditRetentionDays,
    ...(context.now ? { now: context.now } : {}),
  });
}

/** Pending future-dated rows and delivered effective dates, in the state table. */
export function createEffectiveDateStore(context: RuntimeContext): EffectiveDateStore {
  return new EffectiveDateStore({ client: context.dynamo, tableName: context.tableName });
}

export function createQueue(context: RuntimeContext, flow: FlowConfig): FlowQueue {
  return new FlowQueue({ client: context.sqs, ...context.queueUrls(flow) });
}

export function findFlow(config: CustomerConfig, name: string): FlowConfig {
  const flow = config.flows.find((candidate) => candidate.name === name);
  if (!flow) {
    throw new MlConnectorError(
      `no flow named "${name}" (flows: ${config.flows.map((f) => f.name).join(', ')})`,
      ErrorKind.Misconfigured,
    );
  }
  return flow;
}
