import { pushSourceOf } from '../config/flowSources';
import { isAbsolute, join, resolve } from 'node:path';
import { startPeopleSoftSimulator, type PeopleSoftSimulator } from '../../simulators/peoplesoft';
import { FlowQueue } from '../aws';
import { peopleSoftSystems, resourceNames, type CustomerConfig, type FlowConfig } from '../config';
import { targetCatalog, type RunningSimulator, type SimulatorStartOptions, type TargetCatalog, type TargetConnector } from '../connectors';
import { recordEnvelopeSchema } from '../envelope';
import type { PeopleSoftSources } from '../peoplesoft';
import {
  MemoryAlerter,
  planFlow,
  pollFlow,
  reconcilePushedSource,
  renewSubscription,
  subscribedSources,
  replayDeadLetters,
  writeBatch,
  type FlowPlan,
  type PollProgress,
  type PollResult,
  type ReconcileResult,
  type RenewedSubscription,
  type ReplayResult,
  type ReplaySelection,
} from '../pipeline';
import { createConnector, createEffectiveDateStore, createQueue, createSource, createStore, findFlow, type RuntimeContext } from '../runtime';
import { LocalSecretResolver } from '../secrets';
import type { RunSummary, StateStore } from '../state';
import { EventSourceLoop } from './EventSourceLoop';
import { claimLocalState, type LocalStateClaim } from './claimLocalState';
import { LocalAws } from './LocalAws';

export interface LocalSessionOptions {
  readonly config: CustomerConfig;
  /**
   * Folder for persistent local state (the customer's folder is made inside it); `null` keeps
   * everything in memory (tests, benchmarks). A relative path is taken from the working
   * directory: the CLI passes it resolved against the config file's folder.
   */
  readonly stateDir?: string | null;
  /**
   * `read` for commands that only look (status, audit, a dry run): they read through the
   * emulators of a process that holds the state, and never create a state folder. `write` (the
   * default) takes the folder, or fails at once with `StateInUseError` naming its holder.
   */
  readonly access?: 'read' | 'write';
  /** The command line recorded as the holder of the state (defaults to this process's arguments). */
  readonly command?: string;
  /** Simulators started by the caller (demo, tests); otherwise started here when the config asks. */
  readonly simulators?: LocalSimulators;
  /** The targets this session can write to (the built-in catalog by default). */
  readonly targets?: TargetCatalog;
  /** Seconds before a failed message is visible again locally (Lambda waits the visibility timeout). */
  readonly retryDelaySeconds?: number;
  /** Seconds a record waiting for a dependency stays held before the next try (the writer's default otherwise). */
  readonly waitingSeconds?: number;
  /** Writer invocations running at once (the event source mapping's maximum concurrency). */
  readonly writerConcurrency?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onAlert?: (subject: string, message: string) => void;
  readonly onWriterError?: (error: unknown) => void;
}

/**
 * Running simulators: PeopleSoft (one for the system with its node, or one per system name), and
 * targets by name.
 */
export interface LocalSimulators {
  readonly peoplesoft?: PeopleSoftSimulator | Readonly<Record<string, PeopleSoftSimulator>>;
  readonly targets?: Readonly<Record<string, RunningSimulator>>;
}

export interface SyncOptions {
  readonly since?: Date;
  /** Progress while polling and writing, and once more with the final counts (`done`). `written`: records the writers finished. */
  readonly onProgress?: (progress: PollProgress & { phase: 'polling' | 'writing' | 'done'; written: number }) => void;
}

export interface SyncSummary extends RunSummary {
  readonly elapsedMs: number;
  readonly rejectedReasons: Array<{ sourceId: string; reason: string }>;
  readonly deadLetterReasons: Array<{ sourceId: string; reason: string }>;
  readonly deadLetterDepth: number;
  readonly complete: boolean;
}

/**
 * The pipeline on a laptop: the embedded SQS and DynamoDB stand-ins, the built-in simulators
 * for systems the config marks `simulator: true`, and the same cores the Lambda handlers run
 * (poller, writer through a local event-source loop). State persists in the state dir.
 */
export class LocalSession {
  public readonly store: StateStore;
  public readonly alerts: MemoryAlerter;
  private readonly connectors = new Map<string, Promise<TargetConnector>>();
  private source?: Promise<PeopleSoftSources>;

  private constructor(
    public readonly config: CustomerConfig,
    public readonly aws: LocalAws,
    public readonly context: RuntimeContext,
    public readonly simulators: LocalSimulators,
    private readonly owned: ReadonlyArray<{ stop(): Promise<void> }>,
    private readonly options: LocalSessionOptions,
    private readonly claim: LocalStateClaim,
  ) {
    this.store = createStore(context);
    this.alerts = context.alerts as MemoryAlerter;
  }

  public static async open(options: LocalSessionOptions): Promise<LocalSession> {
    const { config } = options;
    const stateDir =
      options.stateDir === null
        ? undefined
        : resolveDir(options.stateDir ?? config.local.stateDir, config.customer);
    // Claimed first, so a second writer hears at once who holds the state.
    const claim: LocalStateClaim = stateDir
      ? await claimLocalState(stateDir, { access: options.access ?? 'write', command: options.command ?? `ml-connector ${process.argv.slice(2).join(' ')}` })
      : { mode: 'memory' };
    try {
      return await LocalSession.start(options, stateDir, claim);
    } catch (error) {
      if (claim.mode === 'own') await claim.lock.release();
      throw error;
    }
  }

  private static async start(options: LocalSessionOptions, stateDir: string | undefined, claim: LocalStateClaim): Promise<LocalSession> {
    const { config } = options;
    const catalog = options.targets ?? targetCatalog;
    const owned: Array<{ stop(): Promise<void> }> = [];
    const given = options.simulators?.peoplesoft;
    const single = given && 'url' in given ? (given as PeopleSoftSimulator) : undefined;
    const named = given && !('url' in given) ? (given as Readonly<Record<string, PeopleSoftSimulator>>) : {};
    const simulatedSystems = peopleSoftSystems(config.peoplesoft).filter((system) => system.simulator);
    // A single simulator given by the caller serves the system with its node (else the first).
    const singleFor = single ? (simulatedSystems.find((system) => system.node === single.node) ?? simulatedSystems[0])?.name : undefined;
    const peoplesoft: Record<string, PeopleSoftSimulator> = {};
    for (const system of simulatedSystems) {
      let simulator = named[system.name] ?? (system.name === singleFor ? single : undefined);
      if (!simulator) {
        simulator = await startPeopleSoftSimulator({ node: system.node, timeZone: system.timeZone });
        owned.push(simulator);
      }
      peoplesoft[system.name] = simulator;
    }
    const targets: Record<string, RunningSimulator> = { ...options.simulators?.targets };
    for (const [name, settings] of Object.entries(config.targets)) {
      const simulator = catalog[name]?.simulator;
      if (!settings?.simulator || !simulator || targets[name]) continue;
      // Loaded at run time, so no simulator is ever bundled into a Lambda function.
      const module = (await import(simulator.module.href)) as Record<string, (options: SimulatorStartOptions) => Promise<RunningSimulator>>;
      // A simulator of PeopleSoft's own write side shares the PeopleSoft simulators' tables.
      const started = await module[simulator.start]!(simulator.sharesPeopleSoft ? { peoplesoft } : {});
      owned.push(started);
      targets[name] = started;
    }
    const simulators: LocalSimulators = { peoplesoft, targets };
    const aws =
      claim.mode === 'connect'
        ? LocalAws.connect(claim.holder.endpoints, { region: config.region })
        : await LocalAws.start({ ...(claim.mode === 'own' ? { stateDir: stateDir!, readOnly: claim.readOnly } : {}), region: config.region });
    try {
      await aws.provision(config);
      if (claim.mode === 'own') await claim.lock.publish(aws.endpoints);
    } catch (error) {
      await aws.stop();
      for (const simulator of owned) await simulator.stop();
      throw error;
    }
    const context: RuntimeContext = {
      mode: 'local',
      config,
      secrets: new LocalSecretResolver(config.local.secretsFile, options.env ?? process.env),
      sqs: aws.sqs,
      dynamo: aws.dynamo,
      tableName: aws.tableName(config),
      queueUrls: (flow) => aws.flowQueues(flow.name),
      alerts: new MemoryAlerter(options.onAlert),
      simulated: {
        peoplesoft: Object.fromEntries(
          Object.entries(peoplesoft).map(([name, simulator]) => [name, { baseUrl: simulator.url, username: 'ML_INTEGRATION', password: 'sim-password' }]),
        ),
        targets: Object.fromEntries(
          Object.entries(targets).flatMap(([name, simulator]) => {
            const credentials = catalog[name]?.simulator?.credentials;
            return config.targets[name]?.simulator && credentials ? [[name, { baseUrl: simulator.url, credentials }]] : [];
          }),
        ),
      },
      targets: catalog,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    };
    return new LocalSession(config, aws, context, simulators, owned, options, claim);
  }

  public flow(name: string): FlowConfig {
    return findFlow(this.config, name);
  }

  public connector(target: string): Promise<TargetConnector> {
    let connector = this.connectors.get(target);
    if (!connector) {
      connector = createConnector(this.context, target);
      this.connectors.set(target, connector);
      connector.catch(() => this.connectors.delete(target));
    }
    return connector;
  }

  /** The PeopleSoft source of this session (one per session: its token and host checks are reused). */
  public recordSource(): Promise<PeopleSoftSources> {
    return (this.source ??= createSource(this.context));
  }

  public queue(flow: FlowConfig): FlowQueue {
    return createQueue(this.context, flow);
  }

  /**
   * One sync cycle of a flow: poll while the writers drain the queue, then summarize the run. The
   * run's status says what happened: `complete`, `partial` (stopped early, the next run goes on),
   * or `failed` with the error (a system failed mid-run; the error is rethrown). Records of the
   * run that ended in the dead-letter queue count as dead-lettered, however they got there.
   */
  public async sync(flowName: string, options: SyncOptions = {}): Promise<SyncSummary> {
    const started = Date.now();
    const flow = this.flow(flowName);
    const queue = this.queue(flow);
    const runId = this.store.newRunId('poll');
    let written = 0;
    let poll: PollResult | undefined;
    try {
      const connector = await this.connector(flow.target);
      const source = await this.recordSource();
      const loop = this.writerLoop(flow, queue, connector, (count) => (written += count));
      loop.start();
      try {
        poll = await pollFlow({
          config: this.config,
          flow,
          source,
          queue,
          store: this.store,
          effectiveDates: createEffectiveDateStore(this.context),
          runId,
          ...(options.since ? { since: options.since } : {}),
          onProgress: (progress) => options.onProgress?.({ ...progress, phase: 'polling', written }),
        });
        loop.producerDone();
        const polled = poll;
        const ticker = setInterval(
          () => options.onProgress?.({ read: polled.read, enqueued: polled.enqueued, rejected: polled.rejected, phase: 'writing', written }),
          1000,
        );
        try {
          await loop.drain();
        } finally {
          clearInterval(ticker);
        }
      } finally {
        await loop.stop();
      }
    } catch (error) {
      // Recorded so `status` shows this run as failed rather than as the last good one.
      await this.store
        .addRunCounters(flow.name, runId, {}, { status: 'failed', error: (error as Error).message.slice(0, 500) })
        .catch(() => undefined);
      throw error;
    }
    const allDeadLetters = await this.deadLetters(flow);
    const deadLetters = allDeadLetters.filter((letter) => letter.runId === runId);
    const counted = (await this.store.getRun(flow.name, runId))?.deadLettered ?? 0;
    await this.store.addRunCounters(
      flow.name,
      runId,
      // SQS moves a record whose every retry failed without the writer counting it.
      { deadLettered: Math.max(0, deadLetters.length - counted) },
      { status: poll.complete ? 'complete' : 'partial' },
    );
    const run = (await this.store.getRun(flow.name, runId)) ?? { flow: flow.name, runId };
    options.onProgress?.({ read: poll.read, enqueued: poll.enqueued, rejected: poll.rejected, phase: 'done', written });
    return {
      ...run,
      elapsedMs: Date.now() - started,
      complete: poll.complete,
      rejectedReasons: poll.rejections,
      deadLetterReasons: deadLetters.map(({ sourceId, reason }) => ({ sourceId, reason })),
      deadLetterDepth: allDeadLetters.length,
    };
  }

  /** What one sync would write, without writing anything. */
  public async plan(flowName: string, since?: Date): Promise<FlowPlan> {
    const flow = this.flow(flowName);
    return planFlow({
      config: this.config,
      flow,
      source: await this.recordSource(),
      store: this.store,
      target: (this.context.targets ?? targetCatalog)[flow.target]!.declaration,
      ...(since ? { since } : {}),
    });
  }

  /** Dead letters of a flow with their reasons, read without receiving them. */
  public async deadLetters(flow: FlowConfig): Promise<Array<{ sourceId: string; reason: string; runId: string; failedAt: string }>> {
    const names = resourceNames(this.config).flow(flow);
    return (await this.aws.inspect(names.deadLetterQueue)).map((message) => {
      const parsed = recordEnvelopeSchema.safeParse(safeJson(message.body));
      return {
        sourceId: message.attributes.sourceId ?? (parsed.success ? parsed.data.source.id : '(unreadable)'),
        reason: message.attributes.reason ?? 'exceeded maxReceiveCount',
        runId: parsed.success ? parsed.data.runId : '',
        failedAt: message.attributes.failedAt ?? '',
      };
    });
  }

  /**
   * Moves dead letters of a flow back to its queue (all, or those matching the selection) with
   * their attempt counter raised and an audit row each; `drain` then writes them.
   */
  public async replay(flowName: string, selection: ReplaySelection = {}): Promise<ReplayResult> {
    const flow = this.flow(flowName);
    return replayDeadLetters({ flow, queue: this.queue(flow), store: this.store, visibilitySeconds: 60 }, selection);
  }

  /** Writes whatever is on a flow's queue (after a replay) without polling. */
  public async drain(flowName: string): Promise<void> {
    const flow = this.flow(flowName);
    const queue = this.queue(flow);
    const loop = this.writerLoop(flow, queue, await this.connector(flow.target));
    loop.start();
    loop.producerDone();
    try {
      await loop.drain();
    } finally {
      await loop.stop();
    }
  }

  /**
   * Creates or renews the subscription of every pushed source that keeps one (`subscribe`), to
   * deliver to `frontDoorUrl/<source>` (the local front door, or a public URL in front of it).
   */
  public async subscribe(frontDoorUrl: string, now?: () => Date): Promise<RenewedSubscription[]> {
    const renewed: RenewedSubscription[] = [];
    for (const source of subscribedSources(this.config)) {
      renewed.push(
        await renewSubscription(source, {
          config: this.config,
          connectorOf: (target) => this.connector(target),
          secrets: this.context.secrets,
          frontDoorUrl,
          ...(now ? { now } : {}),
        }),
      );
    }
    return renewed;
  }

  /** One reconciliation poll of a pushed source (`reconcile`), then its flows' queues written. */
  public async reconcile(source: string, now?: () => Date): Promise<ReconcileResult> {
    const result = await reconcilePushedSource(source, {
      config: this.config,
      connectorOf: (target) => this.connector(target),
      queueOf: (flow) => this.queue(flow),
      store: this.store,
      ...(now ? { now } : {}),
    });
    for (const flow of this.config.flows) if (pushSourceOf(flow) === source && flow.enabled) await this.drain(flow.name);
    return result;
  }

  /** The flow's writer behind a local event-source loop, configured as its deployed event source. */
  private writerLoop(flow: FlowConfig, queue: FlowQueue, connector: TargetConnector, onWritten?: (count: number) => void): EventSourceLoop {
    return new EventSourceLoop({
      sqs: this.aws.sqs,
      queueUrl: queue.queueUrl,
      batchSize: Math.min(flow.batchSize ?? connector.declaration.maxBatch, connector.declaration.maxBatch),
      batchingWindowMs: flow.batchingWindowSeconds * 1000,
      visibilityTimeoutSeconds: resourceNames(this.config).flow(flow).visibilityTimeoutSeconds,
      retryDelaySeconds: this.options.retryDelaySeconds ?? 1,
      // One process shares one connector, so its pacer keeps all invocations under the limits.
      concurrency: this.options.writerConcurrency ?? connector.declaration.writers ?? connector.declaration.limits.inFlight,
      handler: async (messages) => {
        const result = await writeBatch(messages, {
          flow,
          connector,
          store: this.store,
          queue,
          alerts: this.context.alerts,
          fetchConnector: (target) => this.connector(target),
          ...(this.options.waitingSeconds !== undefined ? { waitingSeconds: this.options.waitingSeconds } : {}),
          ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
        });
        onWritten?.(messages.length - result.failedMessageIds.length);
        return result;
      },
      ...(this.options.onWriterError ? { onError: this.options.onWriterError } : {}),
    });
  }

  public async close(): Promise<void> {
    try {
      await this.aws.stop();
    } finally {
      if (this.claim.mode === 'own') await this.claim.lock.release();
    }
    for (const simulator of this.owned) await simulator.stop();
  }
}

function resolveDir(dir: string, customer: string): string {
  const base = isAbsolute(dir) ? dir : resolve(process.cwd(), dir);
  return join(base, customer);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
