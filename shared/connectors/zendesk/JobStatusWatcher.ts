import { AsyncLocalStorage } from 'node:async_hooks';
import { ErrorKind, ExternalSystemError } from '../../errors';
import { zendeskLimits } from './zendeskLimits';

/** A background job followed to its end, or given up on when its follower's time ran out. */
export type WatchedJob =
  | { readonly kind: 'completed'; readonly results: unknown }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'unfinished'; readonly jobId: string };

/** What a `JobStatusWatcher` is built from. */
export interface JobStatusWatcherOptions {
  /** One look at many jobs (`GET /api/v2/job_statuses/show_many?ids=`): the statuses Zendesk still knows. */
  readonly showMany: (ids: readonly string[]) => Promise<ReadonlyArray<Record<string, unknown>>>;
  /** How long to wait before the next look; asked before every look, so it can follow the budget. */
  readonly interval: () => number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

interface Waiter {
  readonly deadline: number;
  /** Runs a function in the follower's async context (so its call is counted for that follower's work). */
  readonly inContext: <R>(fn: () => R) => R;
  readonly resolve: (job: WatchedJob) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Follows every background job of one connector with a single poll loop: each look asks Zendesk
 * for all jobs still followed in one `show_many` call (up to 100 ids), so the calls spent on
 * job statuses depend on time, not on how many jobs run at once. A follower whose deadline would
 * pass before the next look is answered `unfinished` at once. A rate-limited or transient answer
 * to a look is waited out (its `Retry-After`) and the look is made again; any other error fails
 * the followers of the jobs it was asked about.
 * https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/#show-many-job-statuses
 */
export class JobStatusWatcher {
  private readonly waiting = new Map<string, Waiter[]>();
  private running = false;

  public constructor(private readonly options: JobStatusWatcherOptions) {}

  /** Resolves when the job completes or fails, or `unfinished` when `deadline` (epoch ms) comes first. */
  public follow(jobId: string, deadline: number): Promise<WatchedJob> {
    return new Promise<WatchedJob>((resolve, reject) => {
      const waiters = this.waiting.get(jobId) ?? [];
      waiters.push({ deadline, resolve, reject, inContext: AsyncLocalStorage.snapshot() });
      this.waiting.set(jobId, waiters);
      if (!this.running) void this.run();
    });
  }

  /** Jobs followed right now. */
  public get size(): number {
    return this.waiting.size;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.size > 0) {
        const wait = this.options.interval();
        this.giveUpBefore(this.options.now() + wait);
        if (this.waiting.size === 0) break;
        await this.options.sleep(wait);
        await this.look();
      }
    } finally {
      this.running = false;
    }
  }

  private async look(): Promise<void> {
    const ids = [...this.waiting.keys()].slice(0, zendeskLimits.maxBatch);
    if (ids.length === 0) return;
    let statuses: ReadonlyArray<Record<string, unknown>>;
    // A look serves every follower; it is made on behalf of one still waiting, so whatever counts
    // calls per unit of work counts it once, for work that has not ended yet.
    const carrier = this.waiting.get(ids[0]!)![0]!;
    try {
      statuses = await carrier.inContext(() => this.options.showMany(ids));
    } catch (error) {
      if (error instanceof ExternalSystemError && (error.kind === ErrorKind.RateLimited || error.kind === ErrorKind.Retryable)) {
        // Submitting the jobs again would cost more than waiting for the look to be answered.
        const wait = error.retryAfterMs ?? this.options.interval();
        this.giveUpBefore(this.options.now() + wait);
        if (this.waiting.size > 0) await this.options.sleep(wait);
        return;
      }
      for (const id of ids) this.settle(id, (waiter) => waiter.reject(error));
      return;
    }
    for (const status of statuses) {
      const id = typeof status['id'] === 'string' ? status['id'] : undefined;
      if (!id || !this.waiting.has(id)) continue;
      const state = String(status['status'] ?? '');
      if (state === 'completed') this.settle(id, (waiter) => waiter.resolve({ kind: 'completed', results: status['results'] }));
      else if (state === 'failed' || state === 'killed') {
        const message = `Zendesk job ${id} ${state}: ${String(status['message'] ?? 'no message')}`;
        this.settle(id, (waiter) => waiter.resolve({ kind: 'failed', message }));
      }
    }
  }

  /** Answers `unfinished` to every follower whose deadline comes before `at`. */
  private giveUpBefore(at: number): void {
    for (const [id, waiters] of this.waiting) {
      const keep = waiters.filter((waiter) => {
        if (waiter.deadline >= at) return true;
        waiter.resolve({ kind: 'unfinished', jobId: id });
        return false;
      });
      if (keep.length === 0) this.waiting.delete(id);
      else this.waiting.set(id, keep);
    }
  }

  private settle(id: string, answer: (waiter: Waiter) => void): void {
    const waiters = this.waiting.get(id) ?? [];
    this.waiting.delete(id);
    for (const waiter of waiters) answer(waiter);
  }
}
