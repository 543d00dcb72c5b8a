/**
 * Marketo's instance-wide call limits.
 * https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/rest-api
 */
export interface MarketoRateLimitOptions {
  /** When false, neither 606 (rate) nor 615 (concurrency) is ever returned. Default true. */
  readonly enabled?: boolean;
  /** Calls allowed in one rolling window. Default 100. */
  readonly maxCalls?: number;
  /** Length of the rolling window. Default 20,000 ms. */
  readonly windowMs?: number;
  /** Calls allowed in flight at once; one more gets 615. Default 10. */
  readonly maxConcurrent?: number;
}

/** How a simulated Marketo instance behaves. Every field is optional. */
export interface MarketoSimulatorOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  /** Default `sim-client`. */
  readonly clientId?: string;
  /** Default `sim-secret`. */
  readonly clientSecret?: string;
  /** Lifetime of a fresh access token. Default 3600. */
  readonly tokenTtlSeconds?: number;
  readonly rateLimit?: MarketoRateLimitOptions;
  /** Calls per day (reset at 00:00 America/Chicago) before 607. Default 50,000; `Infinity` disables. */
  readonly dailyQuota?: number;
  /** Delay added to every admitted REST call, so concurrency limits can be reached. Default 0. */
  readonly latencyMs?: number;
  /** Clock for token expiry, rate window, quota day and record timestamps. Default wall clock. */
  readonly now?: () => Date;
  /** Native CRM sync on: companies and sales persons become read-only (writes skipped with 1018). */
  readonly crmSyncEnabled?: boolean;
  /** Custom lead fields (API names) accepted besides the standard ones; usable as lookupField. */
  readonly customLeadFields?: readonly string[];
  /** Custom company fields accepted besides the standard ones. */
  readonly customCompanyFields?: readonly string[];
  /** Custom sales person fields accepted besides the standard ones. */
  readonly customSalesPersonFields?: readonly string[];
}

/** Options with every default applied. */
export interface ResolvedMarketoSimulatorOptions {
  readonly port: number;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly tokenTtlSeconds: number;
  readonly rateLimit: Required<MarketoRateLimitOptions>;
  readonly dailyQuota: number;
  readonly latencyMs: number;
  readonly now: () => Date;
  readonly crmSyncEnabled: boolean;
  readonly customLeadFields: readonly string[];
  readonly customCompanyFields: readonly string[];
  readonly customSalesPersonFields: readonly string[];
}

const KNOWN_OPTIONS = new Set<string>([
  'port',
  'clientId',
  'clientSecret',
  'tokenTtlSeconds',
  'rateLimit',
  'dailyQuota',
  'latencyMs',
  'now',
  'crmSyncEnabled',
  'customLeadFields',
  'customCompanyFields',
  'customSalesPersonFields',
]);
const KNOWN_RATE_OPTIONS = new Set<string>(['enabled', 'maxCalls', 'windowMs', 'maxConcurrent']);

/**
 * Applies defaults and rejects nonsense (unknown keys, negative limits) with a message naming
 * the option, so a typo in a test does not silently run against the defaults.
 */
export function resolveMarketoSimulatorOptions(options: MarketoSimulatorOptions = {}): ResolvedMarketoSimulatorOptions {
  rejectUnknownKeys(options, KNOWN_OPTIONS, 'options');
  rejectUnknownKeys(options.rateLimit ?? {}, KNOWN_RATE_OPTIONS, 'options.rateLimit');
  const resolved: ResolvedMarketoSimulatorOptions = {
    port: options.port ?? 0,
    clientId: options.clientId ?? 'sim-client',
    clientSecret: options.clientSecret ?? 'sim-secret',
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
    rateLimit: {
      enabled: options.rateLimit?.enabled ?? true,
      maxCalls: options.rateLimit?.maxCalls ?? 100,
      windowMs: options.rateLimit?.windowMs ?? 20_000,
      maxConcurrent: options.rateLimit?.maxConcurrent ?? 10,
    },
    dailyQuota: options.dailyQuota ?? 50_000,
    latencyMs: options.latencyMs ?? 0,
    now: options.now ?? (() => new Date()),
    crmSyncEnabled: options.crmSyncEnabled ?? false,
    customLeadFields: options.customLeadFields ?? [],
    customCompanyFields: options.customCompanyFields ?? [],
    customSalesPersonFields: options.customSalesPersonFields ?? [],
  };
  requireInteger('port', resolved.port, 0, 65_535);
  requireInteger('tokenTtlSeconds', resolved.tokenTtlSeconds, 1);
  requireInteger('rateLimit.maxCalls', resolved.rateLimit.maxCalls, 1);
  requireInteger('rateLimit.windowMs', resolved.rateLimit.windowMs, 1);
  requireInteger('rateLimit.maxConcurrent', resolved.rateLimit.maxConcurrent, 1);
  if (resolved.dailyQuota !== Number.POSITIVE_INFINITY) requireInteger('dailyQuota', resolved.dailyQuota, 0);
  requireInteger('latencyMs', resolved.latencyMs, 0);
  return resolved;
}

function rejectUnknownKeys(value: object, known: ReadonlySet<string>, where: string): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw new TypeError(`Marketo simulator: unknown option ${where}.${key}`);
  }
}

function requireInteger(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`Marketo simulator: option ${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}
