/**
 * The connector contract. A target is a declaration (its objects, keys and limits: data) plus a
 * few hooks that own its wire format. The pipeline owns batching, retries, record state, audit
 * and dedupe; a connector never sees the queue or the table.
 */

/** What can be done to a target object. */
export const TargetAction = { Upsert: 'upsert', Delete: 'delete' } as const;
export type TargetAction = (typeof TargetAction)[keyof typeof TargetAction];

export interface TargetObjectDeclaration {
  /** Object name as used in flow configs: `leads`, `companies`, `salespersons`. */
  readonly name: string;
  /** Field whose value identifies a record in the target (the upsert key). */
  readonly keyField: string;
  /**
   * For objects identified by several fields together (a project and an origin id, a business
   * unit and a PO id): all of them, in order. `keyField` is then the first. See `targetKeyOf`.
   */
  readonly keyFields?: readonly string[];
  readonly actions: readonly TargetAction[];
}

/** At most `calls` calls in any rolling `windowMs` (e.g. 100 per 20,000 ms). */
export interface CallWindow {
  readonly calls: number;
  readonly windowMs: number;
}

/** Response headers in which a target reports what is left of its budget. */
export interface BudgetHeaders {
  /** Calls left in the current window, e.g. `X-Rate-Limit-Remaining`. */
  readonly remaining: string;
  /** When the window resets, e.g. `X-Rate-Limit-Reset`; without it, the shortest window is assumed. */
  readonly reset?: {
    readonly header: string;
    /** `epoch-seconds`: a Unix time; `seconds`: seconds from now. */
    readonly format: 'epoch-seconds' | 'seconds';
  };
}

/** A target's documented limits, as data. One budget is shared by every flow writing to the target. */
export interface TargetLimits {
  /** Rolling call windows; every one of them holds (e.g. hourly and 10-second buckets). */
  readonly windows: readonly CallWindow[];
  /** Calls in flight at once. */
  readonly inFlight: number;
  /** Calls per day, counted from midnight in `timeZone`. */
  readonly dailyQuota?: { readonly calls: number; readonly timeZone: string };
  readonly headers?: BudgetHeaders;
}

/** Static facts about a target: no I/O, safe to import from infra and config validation. */
export interface TargetDeclaration {
  readonly name: string;
  /** Most records one API call accepts. */
  readonly maxBatch: number;
  /** What the target allows; `limits.inFlight` also bounds each flow's writer concurrency. */
  readonly limits: TargetLimits;
  readonly objects: Readonly<Record<string, TargetObjectDeclaration>>;
  /** Link to the vendor's documented limits. */
  readonly limitsUrl: string;
  /**
   * How the writer reaches the target: over the internet (SaaS APIs, the default), or only
   * through the stack's static egress IP, like the poller (a target behind the customer's
   * firewall, such as PeopleSoft itself): its writer then runs in the VPC.
   */
  readonly reachedThrough?: 'internet' | 'static-egress-ip';
}

/** One record's write to one target object. */
export interface TargetItem {
  /** Opaque reference the pipeline uses to match results back to records. */
  readonly ref: string;
  /** Value of the object's key field (a composite key's values joined with `|`). */
  readonly key: string;
  /** Mapped payload (for deletes: at least the key field). */
  readonly payload: Readonly<Record<string, unknown>>;
  /**
   * The source record is inactive (a termination) and the flow upserts it (`onDeactivate:
   * upsert`): a target that marks inactive records (a status field) does so; others ignore it.
   */
  readonly deactivated?: boolean;
}

export const ItemOutcome = {
  Created: 'created',
  Updated: 'updated',
  Deleted: 'deleted',
  /** The target had nothing to delete: the desired state holds. */
  NotFound: 'not-found',
  /** The target refused this record; sending it again unchanged will not help. */
  Rejected: 'rejected',
  /** This record hit a transient problem (the rest of the call went through). */
  Retry: 'retry',
} as const;
export type ItemOutcome = (typeof ItemOutcome)[keyof typeof ItemOutcome];

export interface ItemResult {
  readonly ref: string;
  readonly outcome: ItemOutcome;
  readonly targetId?: string;
  /** Vendor reason, for rejected and retry outcomes. */
  readonly reason?: { readonly code?: string; readonly message: string };
  /**
   * What the target did that the audit trail should say, for any outcome (e.g. a member kept
   * unsubscribed for compliance, or the event an audit-log sink recorded). Never a secret.
   */
  readonly note?: string;
}

/** A record as currently stored in the target, read back to settle an interrupted write. */
export interface StoredTargetRecord {
  readonly key: string;
  readonly targetId?: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface PingCheck {
  readonly name: string;
  readonly ok: boolean;
  /** For failures: one line saying what to fix. */
  readonly detail: string;
}

export interface ConnectorStats {
  /** API calls made (excluding token requests), by object and action, e.g. `leads:upsert`. */
  readonly calls: Readonly<Record<string, number>>;
  readonly totalCalls: number;
  /** Responses that told us to slow down (429, 606, 615, ...). */
  readonly throttled: number;
}

export interface TargetConnector {
  readonly declaration: TargetDeclaration;
  /**
   * Writes up to `declaration.maxBatch` items to one object in one API call and returns one
   * result per item (any order). Whole-call failures throw an `ExternalSystemError` whose kind
   * says what to do (rate-limited, quota-exhausted, retryable, auth-expired, permanent).
   * Every call waits for the target's shared budget (`TargetLimits`) first.
   */
  write(object: string, action: TargetAction, items: readonly TargetItem[]): Promise<ItemResult[]>;
  /**
   * Reads records back by key (at most `maxBatch` keys), with at least `fields` when given;
   * missing keys are absent from the result.
   */
  readBack(object: string, keys: readonly string[], fields?: readonly string[]): Promise<StoredTargetRecord[]>;
  /** Checks credentials and one cheap read. Never throws for an unreachable system. */
  ping(): Promise<PingCheck[]>;
  /**
   * The fields an object of the target has (API names), from the target's own description of
   * it, so `ping` can name a mapped field the target lacks before a sync dead-letters every
   * record over it. Throws like `write` when the target cannot be asked. Optional: without it
   * the mapping is first checked by the target at the first write.
   */
  describeFields?(object: string): Promise<ReadonlySet<string>>;
  /**
   * Prepares an object for the fields the flows map to it (e.g. creates missing custom fields)
   * and returns one line per change made (none when everything was in place). Optional: used by
   * `target-setup`, for targets whose objects a customer admin can extend.
   */
  setup?(object: string, fields: readonly string[]): Promise<string[]>;
  stats(): ConnectorStats;
}
