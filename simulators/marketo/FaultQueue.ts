import type { FaultInjector, MarketoFault } from './MarketoSimulator';

/** FIFO of scripted faults, stored as runs so `enqueue(code, 10_000)` stays cheap. */
export class FaultQueue implements FaultInjector {
  private readonly runs: { code: MarketoFault; remaining: number }[] = [];

  public enqueue(code: MarketoFault, count = 1): void {
    if (!Number.isInteger(count) || count < 1) {
      throw new RangeError(`fault count must be a positive integer, got ${count}`);
    }
    this.runs.push({ code, remaining: count });
  }

  public clear(): void {
    this.runs.length = 0;
  }

  public get pending(): number {
    return this.runs.reduce((sum, run) => sum + run.remaining, 0);
  }

  /** The fault the next call would get, without using it up. */
  public peek(): MarketoFault | undefined {
    return this.runs[0]?.code;
  }

  /** Uses up the next fault. */
  public take(): MarketoFault | undefined {
    const run = this.runs[0];
    if (run === undefined) return undefined;
    run.remaining -= 1;
    if (run.remaining === 0) this.runs.shift();
    return run.code;
  }
}
