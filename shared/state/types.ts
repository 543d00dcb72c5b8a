export interface Cursor {
  readonly flow: string;
  /** Everything updated before this instant (source clock, ISO-8601) has been enqueued. */
  readonly until: string;
  readonly runId: string;
  readonly updatedAt: string;
}

/** What the target last received for one record and one target object. */
export interface RecordState {
  readonly flow: string;
  readonly sourceId: string;
  readonly object: string;
  /** Hash of the last payload the target confirmed (or `deleted`). */
  readonly hash?: string;
  readonly targetId?: string;
  readonly writtenAt?: string;
  /**
   * Source version of the record whose payload the target holds (see the envelope's
   * `sourceUpdatedAt`). An envelope of an older version is never written over it.
   */
  readonly sourceVersion?: string;
  /**
   * Hash of a payload whose write was started but whose result was never recorded (the writer
   * stopped in between). The next attempt reads the target back instead of writing blindly.
   */
  readonly pendingHash?: string;
  readonly pendingAt?: string;
}

export const AuditEvent = {
  Received: 'received',
  /** Delivered by a pushed source to the front door and queued (the writer then logs `received`). */
  Pushed: 'pushed',
  Rejected: 'rejected',
  SkippedUnchanged: 'skipped-unchanged',
  Written: 'written',
  Settled: 'settled',
  Retrying: 'retrying',
  Parked: 'parked',
  /** Depends on a record the target does not hold yet: held on the queue and tried again. */
  Waiting: 'waiting',
  DeadLettered: 'dead-lettered',
  Replayed: 'replayed',
  /** An older source version than the one the target already holds: not written. */
  Superseded: 'superseded',
  /** A deactivation of a record never written to this target object: nothing to do, no call. */
  InactiveNeverSynced: 'inactive-never-synced',
  /** Matched one of the flow's `skipWhen` rules (e.g. an echo of our own write): no call. */
  Skipped: 'skipped',
  /**
   * A delivery named a record (by the pushing system's id) that the system no longer has: it was
   * deleted since. Nothing to fetch; the flow gets a deactivation of it.
   */
  Gone: 'gone',
} as const;
export type AuditEvent = (typeof AuditEvent)[keyof typeof AuditEvent];

export interface AuditRow {
  readonly sourceId: string;
  readonly flow: string;
  readonly event: AuditEvent;
  readonly at: string;
  readonly runId: string;
  readonly object?: string;
  /** created / updated / deleted / not-found, for `written`. */
  readonly outcome?: string;
  readonly targetId?: string;
  /** For rejections and dead letters: what was wrong, naming the field where known. */
  readonly reason?: string;
  readonly attempt?: number;
  readonly lifecycle?: string;
  /** What the target did, in its own words (`ItemResult.note`). */
  readonly note?: string;
}

export interface RunCounters {
  read: number;
  enqueued: number;
  rejected: number;
  created: number;
  updated: number;
  deleted: number;
  notFound: number;
  skippedUnchanged: number;
  deadLettered: number;
  retried: number;
  parked: number;
  /** Records held until a record they depend on is in the target. */
  waiting: number;
  /** Records not written because the target already holds a newer version. */
  superseded: number;
  /** Deactivations of records never written to the target (per target object). */
  inactiveNeverSynced: number;
  /** Records matching a `skipWhen` rule of the flow (echoes of our own writes): no call. */
  skipped: number;
  apiCalls: number;
  throttled: number;
  replayed: number;
}

export interface RunSummary extends Partial<RunCounters> {
  readonly flow: string;
  readonly runId: string;
  readonly startedAt?: string;
  readonly windowFrom?: string;
  readonly windowTo?: string;
  readonly pollFinishedAt?: string;
  readonly updatedAt?: string;
  readonly status?: string;
  /** Why a failed run failed (its status is `failed`). */
  readonly error?: string;
}

export interface QuotaPark {
  readonly target: string;
  readonly resetsAt: string;
  readonly since: string;
}

/** A target whose credentials were refused: writes wait until a probe succeeds. */
export interface CredentialsPark {
  readonly target: string;
  /** Name of the secret a human must fix (never its value). */
  readonly secretName: string;
  /** When the outage began; identifies it (one alert, one audit row per record). */
  readonly since: string;
  /** When the next batch may try the target again. */
  readonly probeAt: string;
}
