import type { RunningSimulator } from '../../shared/connectors';

/** A stored Procore record (vendor, cost code, commitment, line item, direct cost, ...): its JSON fields. */
export type ProcoreRecord = Record<string, unknown> & { readonly id: number };

/** One request the simulator answered. */
export interface ProcoreCallLogEntry {
  readonly at: Date;
  readonly method: string;
  /** Path without the query, e.g. `/rest/v1.0/vendors/sync`. */
  readonly path: string;
  readonly status: number;
  /** The `Procore-Company-Id` header as sent (absent when it was missing). */
  readonly companyHeader?: string;
  /** Items in a sync body (`updates`). */
  readonly records?: number;
  /** Whether the answer carried a `Retry-After` header. */
  readonly retryAfter?: boolean;
}

/** The next answer to give instead of handling an API request (a scripted fault). */
export interface ProcoreFault {
  readonly status: 429 | 500 | 502 | 503;
  /** Seconds for `Retry-After`; absent: no such header (Procore's 429s usually carry none). */
  readonly retryAfterSeconds?: number;
  /** For a 429: `X-Rate-Limit-Reset` this many seconds from now (default: the spike window's reset). */
  readonly resetInSeconds?: number;
  /** Only requests whose path contains this are affected (default: any API request). */
  readonly pathIncludes?: string;
}

/** A webhook hook as registered through `/rest/v1.0/webhooks/hooks`. */
export interface ProcoreHook {
  readonly id: number;
  /** `company` or `project` scope, and its id. */
  readonly scope: { readonly kind: 'company' | 'project'; readonly id: number };
  namespace: string;
  api_version: string;
  destination_url: string;
  destination_headers: Record<string, string>;
  readonly triggers: Map<number, { readonly id: number; readonly resource_name: string; readonly event_type: string }>;
}

/** One change event, as Procore puts it into a v2.0 delivery (ids only). */
export interface ProcoreEvent {
  readonly id: number;
  readonly ulid: string;
  readonly timestamp: string;
  readonly resource_name: string;
  readonly resource_id: number;
  readonly event_type: 'create' | 'update' | 'delete';
  readonly company_id: number;
  readonly project_id: number | null;
  /** Set when the change came through the API from the simulator's app (our own writes: echoes). */
  readonly source_application_id: string | null;
}

/** One POST of an event to a hook's destination, and what it answered. */
export interface ProcoreDelivery {
  readonly hookId: number;
  readonly url: string;
  readonly event: ProcoreEvent;
  /** The exact JSON body sent. */
  readonly body: Record<string, unknown>;
  /** Header names sent besides content-type (the values are not kept here). */
  readonly headerNames: readonly string[];
  /** HTTP status, or 0 when the destination could not be reached. */
  readonly status: number;
  readonly outcome: 'ok' | 'retried';
}

export interface ProcoreSimulator extends RunningSimulator {
  /** The company every call must name in `Procore-Company-Id`. */
  readonly companyId: number;
  readonly projectIds: readonly number[];
  readonly vendors: ReadonlyMap<number, ProcoreRecord>;
  /** Cost codes by id (each carries `project_id`). */
  readonly costCodes: ReadonlyMap<number, ProcoreRecord>;
  /** Purchase order contracts by id (each carries `project_id` and `line_items`). */
  readonly commitments: ReadonlyMap<number, ProcoreRecord>;
  readonly callLog: readonly ProcoreCallLogEntry[];
  readonly hooks: ReadonlyMap<number, ProcoreHook>;
  readonly deliveries: readonly ProcoreDelivery[];
  /** Access tokens issued. */
  readonly tokensIssued: number;
  /** Calls answered, optionally only those matching `filter`. */
  calls(filter?: (entry: ProcoreCallLogEntry) => boolean): number;
  /** Scripts the next matching request(s) (`times` in a row) to answer with `fault`. */
  fail(fault: ProcoreFault, times?: number): void;
  /** Makes every issued token invalid (as after an early expiry): the next call answers 401. */
  invalidateTokens(): void;
  vendorByOrigin(originId: string): ProcoreRecord | undefined;
  costCodeByOrigin(originId: string): ProcoreRecord | undefined;
  commitmentByOrigin(originId: string): ProcoreRecord | undefined;
  /** A user creates a purchase order contract in Procore's UI (no origin id): queues its create event. */
  userCreatesCommitment(projectId: number, fields: Record<string, unknown>): ProcoreRecord;
  /** A user edits a record in Procore's UI: queues its update event. */
  userUpdates(resource: 'commitments' | 'direct-costs' | 'change-orders' | 'requisitions', id: number, fields: Record<string, unknown>): ProcoreRecord;
  userCreatesDirectCost(projectId: number, fields: Record<string, unknown>): ProcoreRecord;
  userCreatesChangeOrder(projectId: number, fields: Record<string, unknown>): ProcoreRecord;
  userCreatesRequisition(projectId: number, fields: Record<string, unknown>): ProcoreRecord;
  /** Events not yet delivered to every hook whose triggers match them. */
  pendingEvents(): number;
  /**
   * Delivers every pending event to each hook with a matching trigger (POST, JSON, the hook's
   * `destination_headers`); an event a destination did not answer 2xx stays pending (Procore
   * retries). Returns the deliveries made.
   */
  deliver(): Promise<ProcoreDelivery[]>;
  /** Posts an already delivered event again (Procore's at-least-once delivery). */
  redeliver(ulid: string): Promise<ProcoreDelivery[]>;
}
