import { describe, expect, it } from 'vitest';
import type { TargetLimits } from '../../shared/connectors';
import { ErrorKind, ExternalSystemError } from '../../shared/errors';
import { CallLimiter, InProcessBudgetStore } from '../../shared/limits';
import { busiestWindow, VirtualClock } from '../support/virtualClock';

function limiterOf(limits: TargetLimits, clock: VirtualClock, store = new InProcessBudgetStore(), extra: { maxWaitMs?: number } = {}): CallLimiter {
  return new CallLimiter({ target: 'toy', limits, store, now: clock.now, sleep: clock.sleep, inFlightPollMs: 10, ...extra });
}

/** `workers` loops that together make `calls` calls of `callMs` each; returns when each started. */
async function drive(clock: VirtualClock, limiters: CallLimiter[], workers: number, calls: number, callMs: number) {
  const starts: number[] = [];
  let left = calls;
  let inFlight = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: workers }, (_, index) =>
      clock.task(async () => {
        while (left > 0) {
          left -= 1;
          await limiters[index % limiters.length]!.run(async () => {
            starts.push(clock.now());
            inFlight += 1;
            peak = Math.max(peak, inFlight);
            await clock.sleep(callMs);
            inFlight -= 1;
          });
        }
      }),
    ),
  );
  return { starts, peak };
}

describe('call limiter (in process)', () => {
  it('holds every declared window at once and reaches each of them', async () => {
    const clock = new VirtualClock();
    const limits: TargetLimits = { windows: [{ calls: 5, windowMs: 10_000 }, { calls: 8, windowMs: 60_000 }], inFlight: 10 };
    const { starts } = await drive(clock, [limiterOf(limits, clock)], 3, 20, 100);

    expect(starts).toHaveLength(20);
    expect(busiestWindow(starts, 10_000)).toBe(5);
    expect(busiestWindow(starts, 60_000)).toBe(8);
  });

  it('never has more calls in flight than declared, whoever makes them', async () => {
    const clock = new VirtualClock();
    const store = new InProcessBudgetStore();
    const limits: TargetLimits = { windows: [{ calls: 1000, windowMs: 1000 }], inFlight: 3 };
    const { peak, starts } = await drive(clock, [limiterOf(limits, clock, store), limiterOf(limits, clock, store)], 8, 40, 250);

    expect(starts).toHaveLength(40);
    expect(peak).toBe(3);
  });

  it('frees a place in the window from the answer, not from the assumed arrival, when the answer comes fast', async () => {
    const clock = new VirtualClock();
    const limits: TargetLimits = { windows: [{ calls: 2, windowMs: 10_000 }], inFlight: 10 };
    const { starts } = await drive(clock, [limiterOf(limits, clock)], 1, 3, 20);
    const [first, , third] = starts.map((start) => start - starts[0]!);

    expect(first).toBe(0);
    // The first call answered 20 ms after it started: it cannot have arrived later than that.
    expect(third).toBe(10_020);
  });

  it('throws quota-exhausted with the reset time once the daily quota is used up', async () => {
    const clock = new VirtualClock('2024-06-03T15:00:00Z');
    const limits: TargetLimits = { windows: [], inFlight: 10, dailyQuota: { calls: 3, timeZone: 'America/Chicago' } };
    const limiter = limiterOf(limits, clock);
    await clock.task(async () => {
      for (let i = 0; i < 3; i += 1) await limiter.run(async () => undefined);
    });

    const error = await clock.task(() => limiter.run(async () => undefined)).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ExternalSystemError);
    expect(error).toMatchObject({ kind: ErrorKind.QuotaExhausted, resetsAt: new Date('2024-06-04T05:00:00Z') });
    expect((error as Error).message).toContain('daily quota of 3 calls used up');
  });

  it('answers rate-limited with the wait instead of sleeping through a long block', async () => {
    const clock = new VirtualClock();
    const limits: TargetLimits = { windows: [{ calls: 1, windowMs: 3_600_000 }], inFlight: 10 };
    const limiter = limiterOf(limits, clock, new InProcessBudgetStore(), { maxWaitMs: 60_000 });
    await clock.task(() => limiter.run(async () => clock.sleep(100)));

    const error = await clock.task(() => limiter.run(async () => undefined)).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ kind: ErrorKind.RateLimited, retryAfterMs: 3_600_000 });
  });
});

describe('call limiter: shared-budget round trips', () => {
  it('changes the shared budget twice per call, its answer\'s reported budget included, and still learns from that report', async () => {
    const clock = new VirtualClock();
    const inner = new InProcessBudgetStore();
    let updates = 0;
    const counting = { update: <T>(change: Parameters<InProcessBudgetStore['update']>[0]) => ((updates += 1), inner.update(change)) as Promise<T> };
    const limits: TargetLimits = {
      windows: [{ calls: 100, windowMs: 60_000 }],
      inFlight: 4,
      headers: { remaining: 'X-Rate-Limit-Remaining', reset: { header: 'X-Rate-Limit-Reset', format: 'seconds' } },
    };
    const limiter = new CallLimiter({ target: 'toy', limits, store: counting, now: clock.now, sleep: clock.sleep });
    const answer = new Headers({ 'X-Rate-Limit-Remaining': '0', 'X-Rate-Limit-Reset': '30' });

    await clock.task(() => limiter.run(async () => answer, (headers) => headers));
    expect(updates).toBe(2);

    // The target said nothing is left for 30 s: the next call waits for it.
    const before = clock.now();
    await clock.task(() => limiter.run(async () => new Headers(), (headers) => headers));
    expect(clock.now() - before).toBeGreaterThanOrEqual(30_000);
  });
});
