import type { Lifecycle, RecordOperation } from '../envelope';

/** A source record that passed validation. */
export interface SourceRecordItem {
  readonly kind: 'record';
  /** Stable source id: the key field values joined with `|`. */
  readonly id: string;
  readonly record: Readonly<Record<string, unknown>>;
  /** The record's last-update timestamp, ISO-8601 in UTC. */
  readonly updatedAt: string;
  readonly operation: RecordOperation;
  /** Present for entities with lifecycle rules. */
  readonly lifecycle?: Lifecycle;
}

/** A source record that failed validation; its neighbours go on without it. */
export interface RejectedItem {
  readonly kind: 'rejected';
  /** Present when the key fields could be read. */
  readonly id?: string;
  /** The field that failed (`(record)` when the row is not an object). */
  readonly field: string;
  /** A sentence that names the field and what is wrong, e.g. `EMAIL_ADDR: invalid email "bob@@x"`. */
  readonly reason: string;
  readonly record: unknown;
}

export type SourceItem = SourceRecordItem | RejectedItem;

/**
 * What `PeopleSoftSource.read` yields: pages of items, and after each window whose every page
 * has been yielded, its end, so a poller can advance its cursor there. A page may also carry
 * `readThrough`: every row of the read range last updated before that instant has been yielded
 * by now, so a poller that must stop inside a window can save progress there and resume from it.
 */
export type SourceEvent =
  | { readonly type: 'page'; readonly items: readonly SourceItem[]; readonly readThrough?: Date }
  | { readonly type: 'window-complete'; readonly until: Date; readonly rows: number };
