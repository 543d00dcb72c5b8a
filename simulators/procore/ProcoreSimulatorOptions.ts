/** A rate-limit window: at most `calls` requests per `windowMs`. */
export interface ProcoreWindow {
  readonly calls: number;
  readonly windowMs: number;
}

/** How a simulated Procore company behaves; every option has the documented default. */
export interface ProcoreSimulatorOptions {
  /** The DMSA's client credentials (`POST /oauth/token`, grant client_credentials). */
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** The company the app is installed in, and the projects the admin allowed. */
  readonly companyId?: number;
  readonly projectIds?: readonly number[];
  /** Access-token lifetime (documented: 5,400 s). */
  readonly tokenLifetimeSeconds?: number;
  /** Hourly window per app and company, fixed from its first call (documented 3,600 / 60 min). */
  readonly hourly?: ProcoreWindow;
  /** Spike window per app and company, rolling (documentation example: 25 / 10 s). */
  readonly spike?: ProcoreWindow;
  /** Most items per page of a list (`per_page` above it is clamped). */
  readonly maxPerPage?: number;
  readonly now?: () => Date;
}

export interface ResolvedProcoreSimulatorOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly companyId: number;
  readonly projectIds: readonly number[];
  readonly tokenLifetimeSeconds: number;
  readonly hourly: ProcoreWindow;
  readonly spike: ProcoreWindow;
  readonly maxPerPage: number;
  readonly now: () => Date;
}

/** The simulator's fixed DMSA credentials, company and projects (test values, not secrets). */
export const PROCORE_SIMULATOR_DEFAULTS = {
  clientId: 'sim-procore-client',
  clientSecret: 'sim-procore-secret',
  // Above 2^32, as real Procore ids can be: clients must not assume 32-bit ids.
  companyId: 562_949_953_421_312,
  projectIds: [562_949_953_421_401, 562_949_953_421_402],
} as const;

export function resolveProcoreSimulatorOptions(options: ProcoreSimulatorOptions): ResolvedProcoreSimulatorOptions {
  return {
    clientId: options.clientId ?? PROCORE_SIMULATOR_DEFAULTS.clientId,
    clientSecret: options.clientSecret ?? PROCORE_SIMULATOR_DEFAULTS.clientSecret,
    companyId: options.companyId ?? PROCORE_SIMULATOR_DEFAULTS.companyId,
    projectIds: options.projectIds ?? PROCORE_SIMULATOR_DEFAULTS.projectIds,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 5_400,
    hourly: options.hourly ?? { calls: 3_600, windowMs: 3_600_000 },
    spike: options.spike ?? { calls: 25, windowMs: 10_000 },
    maxPerPage: options.maxPerPage ?? 1_000,
    now: options.now ?? (() => new Date()),
  };
}
