import { describe, expect, it } from 'vitest';
import { SlidingWindowPacer } from '../../shared/http';

function fakeClock(): { now: () => number; sleep: (ms: number) => Promise<void> } {
  let t = 0;
  return { now: () => t, sleep: async (ms) => void (t += ms) };
}

describe('sliding-window pacer', () => {
  it('starts no more than maxCalls in any window', async () => {
    const clock = fakeClock();
    const pacer = new SlidingWindowPacer({ maxCalls: 5, windowMs: 1000, maxConcurrent: 10, ...clock });
    const starts: number[] = [];
    for (let i = 0; i < 12; i += 1) await pacer.run(async () => void starts.push(clock.now()));
    for (const start of starts) {
      expect(starts.filter((other) => other >= start && other < start + 1000).length).toBeLessThanOrEqual(5);
    }
    expect(starts[5]).toBeGreaterThanOrEqual(1000);
  });

  it('never has more than maxConcurrent calls in flight', async () => {
    const pacer = new SlidingWindowPacer({ maxCalls: 1000, windowMs: 1000, maxConcurrent: 3 });
    let inFlight = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        pacer.run(async () => {
          inFlight += 1;
          peak = Math.max(peak, inFlight);
          await new Promise((resolve) => setTimeout(resolve, 5));
          inFlight -= 1;
        }),
      ),
    );
    expect(peak).toBe(3);
  });

  it('holds every call back while paused', async () => {
    const clock = fakeClock();
    const pacer = new SlidingWindowPacer({ maxCalls: 100, windowMs: 1000, maxConcurrent: 10, ...clock });
    pacer.pause(5000);
    let startedAt = -1;
    await pacer.run(async () => void (startedAt = clock.now()));
    expect(startedAt).toBeGreaterThanOrEqual(5000);
  });
});
