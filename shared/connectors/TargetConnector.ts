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
  /**
   * Writer invocations one flow runs at once; default `limits.inFlight`. More than the calls in
   * flight keeps every slot busy while a writer does its own state and audit work between calls
   * (the shared limiter still admits only `inFlight` calls), for targets whose calls are long.
   */
  readonly writers?: number;
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
  /**
   * This record depends on another that the target does not hold yet (a contact's account, a
   * commitment's vendor or cost code). Sending it now would lose the link or draw a refusal: it
   * waits on the queue, audited with the reason, is never dead-lettered for it, and is tried
   * again later. `reason.message` names what it waits for.
   */
  Waiting: 'waiting',
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

/** A record of the target named by the target's own id, as a notification or webhook names it. */
export interface TargetRef {
  readonly id: string;
  /** Where the id lives when ids are scoped, e.g. `{ project_id: '42' }`. */
  readonly scope?: Readonly<Record<string, string>>;
}

/** A record read from the target by its own id, with every field the target returns. */
export interface FetchedRecord {
  readonly id: string;
  readonly fields: Readonly<Record<string, unknown>>;
  /** Its last-modified time in the target (ISO-8601): the source version of what it becomes. */
  readonly version?: string;
}

/** What a pushed source asks of the target that pushes to it (a watch channel, a webhook hook). */
export interface SubscriptionRequest {
  /** The pushed source's name: identifies our channel or hook in the target across renewals. */
  readonly name: string;
  /** Where the target delivers: the pushed source's front-door URL. */
  readonly url: string;
  /** Target objects (modules, resources) whose events are wanted. */
  readonly objects: readonly string[];
  /** Events wanted, in the target's own words (e.g. `create`, `edit`, `delete`). */
  readonly events: readonly string[];
  /** The value the target sends back with every delivery (channel token, custom header value). A secret. */
  readonly token: string;
  /** For a custom-header check: the header's name. */
  readonly header?: string;
  /** For targets whose subscriptions expire: until when this one should last. */
  readonly expiresAt?: string;
}

/** A subscription as the target now holds it. */
export interface SubscriptionState {
  /** The target's id of the channel or hook. */
  readonly id: string;
  /** When the target will stop delivering unless renewed (absent: it does not expire). */
  readonly expiresAt?: string;
  /** One line per change made (created, renewed, trigger added); none when all was in place. Never a secret. */
  readonly changes: readonly string[];
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
  /**
   * Creates or renews the target's subscription that delivers events to a pushed source, and
   * makes it match the request (objects, events, token, expiry). Idempotent: run on a schedule.
   * Optional: for targets that push.
   */
  subscribe?(request: SubscriptionRequest): Promise<SubscriptionState>;
  /**
   * Reads records by the target's own ids, with their full fields, for deliveries that carry
   * ids only; ids the target no longer has are absent from the result. Throws like `write`.
   */
  fetchByIds?(object: string, refs: readonly TargetRef[]): Promise<FetchedRecord[]>;
  /**
   * Pages through the records of an object changed in `[since, until)` by the target's own
   * update stamp: the reconciliation poll that catches events never delivered.
   */
  listChanged?(object: string, since: string, until: string): AsyncIterable<FetchedRecord[]>;
  stats(): ConnectorStats;
}
