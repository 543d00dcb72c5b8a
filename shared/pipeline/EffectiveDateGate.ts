import type { EffectiveDating } from '../config';
import type { EffectiveDateStore, PendingRow } from '../state';
import { wallClockAt } from '../time';
import type { SourceItem } from './pollFlow';

type RecordItem = Extract<SourceItem, { kind: 'record' }>;

export interface EffectiveDateGateOptions {
  readonly flow: string;
  readonly dating: EffectiveDating;
  readonly store: EffectiveDateStore;
  /** Time zone of the source system: its "today" decides what is current. */
  readonly timeZone: string;
  readonly now: () => Date;
}

/** What the gate lets through now, and how many rows it holds back. */
export interface GateResult {
  readonly deliver: RecordItem[];
  readonly deferred: number;
  /** Rows older than the row already delivered for their key (a changed history row). */
  readonly superseded: number;
}

/**
 * Effective dating between the source and the queue. Per key a target sees the row with the
 * greatest effective date not after today (in the source system's time zone): a row dated later
 * waits in the state table and is released by the first poll on or after its day, never before;
 * a row older than the one delivered for its key is history and is not sent. The whole table is
 * never re-read: only changed rows arrive, and what is pending is one query by date.
 */
export class EffectiveDateGate {
  public constructor(private readonly options: EffectiveDateGateOptions) {}

  /** Today in the source system's time zone, `YYYY-MM-DD`. */
  public today(): string {
    const clock = wallClockAt(this.options.now().getTime(), this.options.timeZone);
    return `${String(clock.year).padStart(4, '0')}-${String(clock.month).padStart(2, '0')}-${String(clock.day).padStart(2, '0')}`;
  }

  /** Sorts a page's valid rows: current ones to deliver, future ones kept pending. */
  public async admit(items: readonly RecordItem[]): Promise<GateResult> {
    const today = this.today();
    const future: PendingRow[] = [];
    const current: RecordItem[] = [];
    for (const item of items) {
      const date = this.dateOf(item);
      if (date > today) future.push({ sourceId: item.id, effectiveDate: date, item: { ...item } });
      else current.push(item);
    }
    if (future.length > 0) await this.options.store.putPending(this.options.flow, future);
    const { deliver, superseded } = await this.latestPerKey(current);
    return { deliver, deferred: future.length, superseded };
  }

  /** The pending rows whose day has come, newest per key; call `released` once they are queued. */
  public async due(): Promise<{ deliver: RecordItem[]; rows: PendingRow[] }> {
    const rows = await this.options.store.duePending(this.options.flow, this.today());
    const { deliver } = await this.latestPerKey(rows.map((row) => row.item as unknown as RecordItem));
    return { deliver, rows };
  }

  /** Records what was queued (so older rows of a key stay history) and forgets released rows. */
  public async delivered(items: readonly RecordItem[], released: readonly PendingRow[] = []): Promise<void> {
    for (const item of items) await this.options.store.markDelivered(this.options.flow, item.id, this.dateOf(item));
    if (released.length > 0) await this.options.store.deletePending(this.options.flow, released);
  }

  private dateOf(item: RecordItem): string {
    return String(item.record[this.options.dating.dateField]).slice(0, 10);
  }

  private async latestPerKey(items: readonly RecordItem[]): Promise<{ deliver: RecordItem[]; superseded: number }> {
    const latest = new Map<string, RecordItem>();
    for (const item of items) {
      const held = latest.get(item.id);
      if (!held || this.dateOf(item) >= this.dateOf(held)) latest.set(item.id, item);
    }
    const delivered = await this.options.store.delivered(this.options.flow, [...latest.keys()]);
    const deliver = [...latest.values()].filter((item) => {
      const before = delivered.get(item.id);
      return before === undefined || this.dateOf(item) >= before;
    });
    return { deliver, superseded: items.length - deliver.length };
  }
}
