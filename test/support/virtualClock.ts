/**
 * Virtual time for code that sleeps: time stands still while any task is working (doing real
 * I/O against the emulators and simulators) and jumps to the next wake-up once every task
 * sleeps. Rate-limit waits of minutes cost milliseconds, and the order of events is exactly as
 * it would be in real time. Each concurrent activity must run inside `task` and be sequential.
 */
export class VirtualClock {
  private t: number;
  private active = 0;
  private readonly waiters: Array<{ wake: number; resolve: () => void }> = [];
  private timer: NodeJS.Timeout | undefined;

  public constructor(start = '2024-06-03T15:00:00Z') {
    this.t = Date.parse(start);
  }

  public readonly now = (): number => this.t;
  public readonly date = (): Date => new Date(this.t);

  public readonly sleep = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      this.waiters.push({ wake: this.t + Math.max(0, ms), resolve });
      this.active -= 1;
      this.schedule();
    });

  /** Runs one sequential activity (a "container", a worker loop). */
  public async task<T>(work: () => Promise<T>): Promise<T> {
    this.active += 1;
    try {
      return await work();
    } finally {
      this.active -= 1;
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.tick();
    }, 0);
  }

  private tick(): void {
    if (this.active > 0 || this.waiters.length === 0) return;
    this.t = Math.max(this.t, Math.min(...this.waiters.map((waiter) => waiter.wake)));
    for (let i = this.waiters.length - 1; i >= 0; i -= 1) {
      const waiter = this.waiters[i]!;
      if (waiter.wake > this.t) continue;
      this.waiters.splice(i, 1);
      this.active += 1;
      waiter.resolve();
    }
  }
}

/** The most entries of `times` (ms) that fall into any window `[t, t + windowMs)`. */
export function busiestWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i += 1) {
    while (sorted[i]! - sorted[j]! >= windowMs) j += 1;
    best = Math.max(best, i - j + 1);
  }
  return best;
}
