import type { z } from 'zod';
import type { TokenSealer, TokenStoreFactory } from '../auth';
import type { TargetSettings } from '../config/primitives';
import type { HostPolicy } from '../http';
import type { LimiterFactory } from '../limits/LimiterFactory';
import type { TargetConnector, TargetDeclaration } from './TargetConnector';

/** What the runtime hands a target's factory: its settings, its credentials and the clients to use. */
export interface TargetFactoryInput<Settings extends TargetSettings = TargetSettings> {
  /** The validated `targets.<name>` section (with the simulator's base URL when simulated). */
  readonly settings: Settings;
  /** The secret's fields (`definition.secretFields`), already checked to be present. */
  readonly credentials: Readonly<Record<string, string>>;
  readonly hostPolicy: HostPolicy;
  /**
   * Where the target's call budget lives (this process locally, the stack's table deployed):
   * the connector asks it for the limiter of its account under its declared limits.
   */
  readonly limiters: LimiterFactory;
  /**
   * Where an OAuth target keeps the one access token every caller shares (the stack's table
   * deployed, the local state's table locally), and how it is sealed there. Absent: this process.
   */
  readonly tokenStores?: TokenStoreFactory;
  readonly tokenSealer?: TokenSealer;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The optional hooks of a target that pushes (`TargetConnector.subscribe`, `fetchByIds`, `listChanged`). */
export type PushHook = 'subscribe' | 'fetchByIds' | 'listChanged';

/**
 * What the local session hands a target simulator that declares `sharesPeopleSoft`: the simulated
 * PeopleSoft systems by name (opaque here), whose tables it shares (PeopleSoft's own write side).
 */
export interface SimulatorStartOptions {
  readonly peoplesoft?: Readonly<Record<string, unknown>>;
}

/** A running simulator of a target, for local runs and the demo. */
export interface RunningSimulator {
  readonly url: string;
  stop(): Promise<void>;
  /** One line about what the simulator now holds, printed at the end of the demo. */
  summary?(): string;
  /** Resolves once the deliveries the simulator is sending (notifications, webhooks) are answered. */
  idle?(): Promise<void>;
  /**
   * What the simulated system's own users do between two syncs of the demo (records made in its
   * UI, a delivery sent twice); one line per action. Their deliveries go out on the next `idle`.
   */
  userActivity?(): Promise<readonly string[]>;
}

/** One delivery a target's webhook would make, for the demo: what the front door is sent. */
export interface SampleDelivery {
  /** What the delivery is, in a few words (e.g. "user.created, signed"). */
  readonly label: string;
  /** Request headers by lower-case name. */
  readonly headers: Readonly<Record<string, string>>;
  /** The raw body, as signed. */
  readonly body: string;
}

/**
 * Everything the pipeline knows about one target, in the target's own folder: the static
 * declaration (objects, keys, batch size, limits), the schema of its `targets.<name>` config
 * section, the fields its secret holds, and how to build its connector. Registering a target is
 * one line in `catalog.ts`.
 */
export interface TargetDefinition<Settings extends TargetSettings = TargetSettings> {
  readonly declaration: TargetDeclaration;
  /** Strict zod schema of the target's config section; must include `targetSettingsBase`. */
  readonly settingsSchema: z.ZodType<Settings>;
  /** JSON fields the target's secret holds, e.g. `['clientId', 'clientSecret']`. */
  readonly secretFields: readonly string[];
  /** What a customer admin fills the secret with, in one line (for `secrets set` and the docs). */
  readonly secretHelp: string;
  create(input: TargetFactoryInput<Settings>): TargetConnector;
  /**
   * The push hooks its connector implements, so a config that subscribes, fetches or reconciles
   * through this target is checked at CLI start and synth, without building a connector.
   */
  readonly pushHooks?: readonly PushHook[];
  /**
   * The built-in simulator (local runs only). `module` is resolved at run time from this
   * definition's folder, so simulators never end up in a Lambda bundle.
   */
  readonly simulator?: {
    readonly module: URL;
    /** Named export of `module`: `(options?) => Promise<RunningSimulator>` (`SimulatorStartOptions` with `sharesPeopleSoft`). */
    readonly start: string;
    /**
     * The simulator is PeopleSoft's own write side: it is started with the running PeopleSoft
     * simulators (`SimulatorStartOptions`) so both serve one database.
     */
    readonly sharesPeopleSoft?: boolean;
    /** Credentials the simulator accepts (not secrets: fixed test values). */
    readonly credentials: Readonly<Record<string, string>>;
    /**
     * The target's webhooks, simulated for the demo: `sample` is a named export of `module`,
     * `(options: { secret; now? }) => SampleDelivery[]`, signing with `secret` (the fields of the
     * secret of a pushed source whose `system` is this target; a fixed test value).
     */
    readonly webhooks?: { readonly sample: string; readonly secret: Readonly<Record<string, string>> };
  };
}

/** Targets by the key used under `targets:` in a customer config. */
export type TargetCatalog = Readonly<Record<string, TargetDefinition<any>>>;
