import { chicagoDayKey } from './chicagoDayKey';
import type { MarketoRateLimitOptions } from './MarketoSimulatorOptions';

/** A call turned away by a limit, as a response-level error. */
export interface LimitRejection {
  readonly code: '606' | '607' | '615';
  readonly message: string;
}

export interface CallLimiterOptions {
  readonly rateLimit: Required<MarketoRateLimitOptions>;
  readonly dailyQuota: number;
  readonly now: () => Date;
}

/**
 * Marketo's instance-wide limits: daily quota (607), calls per rolling window (606) and calls in
 * flight (615). Rejected calls are not counted, so a client that backs off recovers as soon as
 * the window has room.
 * https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/rest-api
 */
export class CallLimiter {
  private readonly admittedAtMs: number[] = [];
  private inFlight = 0;
  private used = 0;
  private dayKey = '';

  public constructor(private readonly options: CallLimiterOptions) {}

  /** Admits a call (counting it and marking it in flight) or says which limit refused it. */
  public admit(): LimitRejection | undefined {
    const now = this.options.now();
    this.rollDay(now);
    const { rateLimit, dailyQuota } = this.options;
    if (this.used >= dailyQuota) {
      return { code: '607', message: `Max daily quota '${dailyQuota}' reached` };
    }
    if (rateLimit.enabled) {
      const nowMs = now.getTime();
      const windowStart = nowMs - rateLimit.windowMs;
      let expired = 0;
      while (expired < this.admittedAtMs.length && (this.admittedAtMs[expired] ?? nowMs) <= windowStart) expired += 1;
      if (expired > 0) this.admittedAtMs.splice(0, expired);
      if (this.admittedAtMs.length >= rateLimit.maxCalls) {
        return {
          code: '606',
          message: `Max rate limit '${rateLimit.maxCalls}' exceeded with in '${rateLimit.windowMs / 1000}' secs`,
        };
      }
      if (this.inFlight >= rateLimit.maxConcurrent) {
        return { code: '615', message: 'Concurrent access limit reached' };
      }
      this.admittedAtMs.push(nowMs);
    }
    this.used += 1;
    this.inFlight += 1;
    return undefined;
  }

  /** Marks an admitted call as answered. */
  public release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  public get quotaUsed(): number {
    this.rollDay(this.options.now());
    return this.used;
  }

  public setQuotaUsed(n: number): void {
    this.rollDay(this.options.now());
    this.used = n;
  }

  /** Forgets the window and the quota; calls still in flight stay counted until released. */
  public reset(): void {
    this.admittedAtMs.length = 0;
    this.used = 0;
  }

  private rollDay(now: Date): void {
    const key = chicagoDayKey(now);
    if (key !== this.dayKey) {
      this.dayKey = key;
      this.used = 0;
    }
  }
}
