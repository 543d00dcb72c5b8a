/** A field value as Marketo stores it. */
export type FieldValue = string | number | boolean | null;

/** A lead, company or sales person as stored in the simulator. */
export interface StoredRecord {
  /** Marketo id, assigned on create (per object type, from 1). */
  readonly id: number;
  /** Field API names to values, as last written (the `id` is not repeated here). */
  readonly fields: Readonly<Record<string, FieldValue>>;
  /** ISO-8601 UTC without milliseconds, e.g. `2016-05-17T22:11:45Z`. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A stored record as the simulator's stores keep it: fields mutable in place, `updatedAt` moving. */
export interface StoredRow {
  readonly id: number;
  readonly fields: Record<string, FieldValue>;
  readonly createdAt: string;
  updatedAt: string;
}

/** Faults that can be scripted onto the next REST calls. */
export const MarketoFault = {
  /** Response-level 604 "Request timed out" (not counted against quota). */
  Timeout: '604',
  /** Response-level 608 "API Temporarily Unavailable" (not counted). */
  Unavailable: '608',
  /** Response-level 611 "System error" (not counted). */
  SystemError: '611',
  /** Response-level 713 "Transient Error" (counted: the call reached the backend). */
  Transient: '713',
  /** HTTP 502 from the gateway. */
  Http502: 'http502',
  /** HTTP 500 from the gateway. */
  Http500: 'http500',
} as const;
export type MarketoFault = (typeof MarketoFault)[keyof typeof MarketoFault];

/** Scripts faults onto the next REST calls that pass authentication, in order. */
export interface FaultInjector {
  /** Queues `count` (default 1) calls to fail with `code`. */
  enqueue(code: MarketoFault, count?: number): void;
  /** Drops every queued fault. */
  clear(): void;
  /** Faults still queued. */
  readonly pending: number;
}

/** One REST call as the simulator saw it, including rejected ones (identity calls are not logged). */
export interface CallLogEntry {
  readonly at: Date;
  /** Effective method: `GET` for a POST carrying `_method=GET`. */
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** HTTP status sent. */
  readonly status: number;
  /** The envelope's `success` (false for HTTP-level errors). */
  readonly success: boolean;
  /** Response-level error code, e.g. `606`. */
  readonly code?: string;
  /** Records in `input`, or values in `filterValues`, when the request carried them. */
  readonly records?: number;
}

/** A running simulated Marketo instance plus what tests need to inspect and script it. */
export interface MarketoSimulator {
  /** Root URL (e.g. `http://127.0.0.1:53121`); serves `/identity/...` and `/rest/...`. */
  readonly url: string;
  /** Closes the server and every open connection. */
  stop(): Promise<void>;
  leads(): readonly StoredRecord[];
  companies(): readonly StoredRecord[];
  salesPersons(): readonly StoredRecord[];
  /** The lead with this email (case-insensitive); the oldest one if duplicates exist. */
  lead(email: string): StoredRecord | undefined;
  readonly callLog: readonly CallLogEntry[];
  /** Number of logged REST calls matching `predicate` (all when omitted). */
  calls(predicate?: (entry: CallLogEntry) => boolean): number;
  /** Requests received by the identity endpoint, failed ones included. */
  readonly tokenRequests: number;
  readonly faults: FaultInjector;
  /** Makes every outstanding token answer 602; the next identity call issues a new one. */
  expireTokens(): void;
  /** Sets today's quota counter (e.g. to `dailyQuota` to get 607 on the next call). */
  setQuotaUsed(n: number): void;
  /** Calls counted against today's quota. */
  readonly quotaUsed: number;
  /**
   * Empties the stores, call log, fault queue, rate window and quota and zeroes `tokenRequests`.
   * Issued tokens stay valid so a connected client keeps working.
   */
  reset(): void;
  /** What the instance holds and how it was called, in one line (the demo prints it). */
  summary(): string;
}
