export interface PacerOptions {
  /** Most calls started in any rolling window. */
  readonly maxCalls: number;
  readonly windowMs: number;
  /** Most calls in flight at once. */
  readonly maxConcurrent: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Keeps calls under a rolling-window rate and a concurrency cap before the target has to say so.
 * Callers wrap each call in `run`; waiting callers are served in arrival order.
 */
export class SlidingWindowPacer {
  private readonly starts: number[] = [];
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private gate: Promise<void> = Promise.resolve();
  private pausedUntil = 0;

  public constructor(private readonly options: PacerOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Pushes every future call back by `ms` (after the target signalled a rate limit). */
  public pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }

  public async run<T>(call: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await call();
    } finally {
      this.release();
    }
  }

  private async acquire(): Promise<void> {
    // One caller at a time decides its start slot, so arrival order is kept.
    const previous = this.gate;
    let open!: () => void;
    this.gate = new Promise((resolve) => (open = resolve));
    await previous;
    try {
      while (this.inFlight >= this.options.maxConcurrent) {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
      }
      for (;;) {
        const now = this.now();
        if (now < this.pausedUntil) {
          await this.sleep(this.pausedUntil - now);
          continue;
        }
        while (this.starts.length > 0 && this.starts[0]! <= now - this.options.windowMs) this.starts.shift();
        if (this.starts.length < this.options.maxCalls) break;
        await this.sleep(this.starts[0]! + this.options.windowMs - now + 1);
      }
      this.starts.push(this.now());
      this.inFlight += 1;
    } finally {
      open();
    }
  }

  private release(): void {
    this.inFlight -= 1;
    this.waiters.shift()?.();
  }
}
