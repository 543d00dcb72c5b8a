import { recordTargetCall } from './callMeter';
import type { ConnectorStats } from './TargetConnector';

/**
 * A connector's count of the API requests it sent, by what they were for (`leads:upsert`), and
 * of the answers that told it to slow down; each also counts in the current invocation's meter
 * (`withCallMeter`), so the run summary and `stats()` agree.
 */
export class CallTally {
  private readonly counts = new Map<string, number>();
  private throttledCount = 0;

  /** One request sent for `stat`. */
  public call(stat: string): void {
    this.counts.set(stat, (this.counts.get(stat) ?? 0) + 1);
    recordTargetCall();
  }

  /** One answer that said "too many calls" (429, 606, 615, a bare 403 under overload...). */
  public throttled(): void {
    this.throttledCount += 1;
    recordTargetCall(true);
  }

  public stats(): ConnectorStats {
    const totalCalls = [...this.counts.values()].reduce((sum, count) => sum + count, 0);
    return { calls: Object.fromEntries(this.counts), totalCalls, throttled: this.throttledCount };
  }
}
