/** How a simulated Zendesk account behaves; every option has the documented default. */
export interface ZendeskSimulatorOptions {
  /** The agent whose API token is accepted: `Authorization: Basic base64("{email}/token:{apiToken}")`. */
  readonly email?: string;
  readonly apiToken?: string;
  /** Account-wide requests per rolling minute (the plan's limit: 200 Team … 2,500 High Volume). */
  readonly requestsPerMinute?: number;
  /** Bulk jobs queued or running at once before a new one is refused with 429 (documented: 30). */
  readonly maxQueuedJobs?: number;
  /** How long a bulk job stays queued / working before it completes (ms). */
  readonly jobDurationMs?: number;
  /** Lists a job's results in a random order (the documentation does not promise the order). Default true. */
  readonly shuffleResults?: boolean;
  /**
   * Which key a created / updated user's result carries besides `id`: `email` (what Zendesk
   * sends, as its examples show), or `none` (only the id, so a client must look the id up).
   */
  readonly userResultKey?: 'email' | 'none';
  /** Custom user field keys that exist in the account. */
  readonly userFields?: readonly string[];
  readonly now?: () => Date;
}

export interface ResolvedZendeskSimulatorOptions {
  readonly email: string;
  readonly apiToken: string;
  readonly requestsPerMinute: number;
  readonly maxQueuedJobs: number;
  readonly jobDurationMs: number;
  readonly shuffleResults: boolean;
  readonly userResultKey: 'email' | 'none';
  readonly userFields: readonly string[];
  readonly now: () => Date;
}

/** The simulator's defaults: the agent and token the demo's simulated credentials hold. */
export function resolveZendeskSimulatorOptions(options: ZendeskSimulatorOptions): ResolvedZendeskSimulatorOptions {
  return {
    email: options.email ?? 'sync@demo.example',
    apiToken: options.apiToken ?? 'sim-zendesk-token',
    requestsPerMinute: options.requestsPerMinute ?? 700,
    maxQueuedJobs: options.maxQueuedJobs ?? 30,
    jobDurationMs: options.jobDurationMs ?? 150,
    shuffleResults: options.shuffleResults ?? true,
    userResultKey: options.userResultKey ?? 'email',
    userFields: options.userFields ?? ['department', 'title'],
    now: options.now ?? (() => new Date()),
  };
}
