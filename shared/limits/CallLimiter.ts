import { randomUUID } from 'node:crypto';
import type { TargetLimits } from '../connectors/TargetConnector';
import { ErrorKind, ExternalSystemError } from '../errors';
import type { BudgetStore } from './BudgetStore';
import { budgetRules, type Admission } from './budgetRules';

export interface CallLimiterOptions {
  /** Target name, for messages. */
  readonly target: string;
  readonly limits: TargetLimits;
  /** Where the budget lives; every limiter given the same store shares the budget. */
  readonly store: BudgetStore;
  /** How long an unreleased in-flight slot holds (a crashed caller's). Default 120 s. */
  readonly leaseMs?: number;
  /** Latest a call is assumed to reach the target after it starts. Default 1 s. */
  readonly arrivalMarginMs?: number;
  /** How often a caller looks again while every in-flight slot is taken. Default 50 ms. */
  readonly inFlightPollMs?: number;
  /** A wait longer than this throws rate-limited (with the wait) instead of sleeping. Default 60 s. */
  readonly maxWaitMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** An in-flight slot; `release` once the answer is in (or the call failed). */
export interface CallLease {
  release(): Promise<void>;
}

interface Report {
  readonly remaining: number;
  readonly until: number;
}

/** A lease that can also record what the answer reported, in the same budget change. */
interface InternalLease extends CallLease {
  releaseWith(reported: Report | undefined): Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Keeps calls to one target under its declared limits (`TargetLimits`) across every caller that
 * shares the budget store: calls per rolling window (each window), calls in flight (leases that
 * lapse if their holder dies), a daily quota, and what the target says itself (remaining-budget
 * headers, rate-limited answers), which pauses every caller. A caller alone may use the whole
 * budget; callers together never exceed it.
 */
export class CallLimiter {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly shortestWindowMs: number;

  public constructor(private readonly options: CallLimiterOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    const windows = options.limits.windows.map((window) => window.windowMs);
    // A remaining-budget header without a reset time speaks of the shortest window.
    this.shortestWindowMs = windows.length > 0 ? Math.min(...windows) : 60_000;
  }

  /**
   * Runs `call` inside the budget; `headersOf` gives the answer's headers to learn from. `cost`
   * is what the call counts against the daily quota (targets that price calls in credits).
   */
  public async run<T>(call: () => Promise<T>, headersOf?: (result: T) => Headers | undefined, cost = 1): Promise<T> {
    const lease = await this.acquire(cost);
    let result: T;
    try {
      result = await call();
    } catch (error) {
      await lease.release();
      throw error;
    }
    // One change of the shared budget ends the call: its slot freed and what the answer's
    // headers report, together (a store round trip per call fewer than two updates).
    const headers = headersOf?.(result);
    const reported = headers ? this.reportOf(headers) : undefined;
    await (lease as InternalLease).releaseWith(reported);
    return result;
  }

  /**
   * Waits for a slot and counts the call. Throws `quota-exhausted` when the daily quota is used
   * up, and `rate-limited` (with the wait) when the budget is blocked longer than `maxWaitMs`.
   */
  public async acquire(cost = 1): Promise<CallLease> {
    const leaseId = randomUUID();
    const request = {
      leaseId,
      cost,
      leaseMs: this.options.leaseMs ?? 120_000,
      arrivalMarginMs: this.options.arrivalMarginMs ?? 1_000,
      inFlightPollMs: this.options.inFlightPollMs ?? 50,
    };
    for (;;) {
      const now = this.now();
      const admission = await this.options.store.update<Admission>((state) => {
        const decided = budgetRules.admit(state, this.options.limits, now, request);
        return decided.kind === 'granted' ? { state: decided.state, result: decided } : { result: decided };
      });
      if (admission.kind === 'granted') {
        const lease: InternalLease = { release: () => this.release(leaseId), releaseWith: (reported) => this.release(leaseId, reported) };
        return lease;
      }
      if (admission.kind === 'quota') {
        throw new ExternalSystemError(
          `daily quota of ${this.options.limits.dailyQuota!.calls} calls used up (${admission.used} counted); resets at ${admission.resetsAt.toISOString()}`,
          { system: this.options.target, operation: 'call budget', kind: ErrorKind.QuotaExhausted, resetsAt: admission.resetsAt },
        );
      }
      if (admission.waitMs > (this.options.maxWaitMs ?? 60_000)) {
        throw new ExternalSystemError(`${admission.reason}: no call for ${Math.ceil(admission.waitMs / 1000)} s`, {
          system: this.options.target,
          operation: 'call budget',
          kind: ErrorKind.RateLimited,
          retryAfterMs: admission.waitMs,
        });
      }
      await this.sleep(admission.waitMs);
    }
  }

  /** Holds every caller sharing the budget back for `ms` (the target answered "too many calls"). */
  public async pause(ms: number): Promise<void> {
    const until = this.now() + ms;
    await this.options.store.update((state) => ({ state: budgetRules.pause(state, until), result: undefined }));
  }

  /** Learns from an answer's remaining-budget headers, when the target declares them. */
  public async observe(headers: Headers): Promise<void> {
    const reported = this.reportOf(headers);
    if (!reported) return;
    await this.options.store.update((state) => ({ state: budgetRules.report(state, reported.remaining, reported.until), result: undefined }));
  }

  /** What an answer's declared budget headers say is left, and until when; undefined when they say nothing usable. */
  private reportOf(headers: Headers): Report | undefined {
    const declared = this.options.limits.headers;
    const raw = declared ? headers.get(declared.remaining) : null;
    if (!declared || raw === null || raw.trim() === '' || !Number.isFinite(Number(raw))) return undefined;
    const now = this.now();
    const resetRaw = declared.reset ? Number(headers.get(declared.reset.header) ?? Number.NaN) : Number.NaN;
    let until = now + this.shortestWindowMs;
    if (Number.isFinite(resetRaw)) until = declared.reset!.format === 'epoch-seconds' ? resetRaw * 1000 : now + resetRaw * 1000;
    return until <= now ? undefined : { remaining: Number(raw), until };
  }

  private async release(leaseId: string, reported?: Report): Promise<void> {
    const now = this.now();
    try {
      await this.options.store.update((state) => {
        const released = budgetRules.release(state, now, leaseId) ?? state;
        const next = reported ? budgetRules.report(released, reported.remaining, reported.until) : released === state ? undefined : released;
        return { state: next, result: undefined };
      });
    } catch {
      // The call itself is done; an unreleased slot lapses with its lease, so a failed release
      // must not turn a successful write into a failure (and a repeated write).
    }
  }
}
