/** A failure the simulator plays instead of (or on top of) a normal REST answer. */
export type PeopleSoftFault =
  /** Answer with this status (a gateway 500 or a 503 from the web server in front of PSIGW). */
  | { readonly kind: 'status'; readonly status: number }
  /** HTTP 200 with the JSON body cut in half. */
  | { readonly kind: 'malformed-json' }
  /** HTTP 200 with `text/html`: the error page a web server or proxy serves in front of PSIGW. */
  | { readonly kind: 'html-200' }
  /** Answer normally after `delayMs`. */
  | { readonly kind: 'slow'; readonly delayMs: number }
  /** Destroy the socket without answering. */
  | { readonly kind: 'reset' }
  /**
   * Runs `apply` (e.g. `() => sim.terminate(id)`) just before the request is answered, so the
   * answer already sees the change: a row updated while a window is being paged, which leaves
   * the window and shifts the rows after it up by one.
   */
  | { readonly kind: 'change'; readonly apply: () => void };

/** Which REST requests a scripted fault applies to; omitted fields match anything. */
export interface FaultMatch {
  /** Service operation name, e.g. `ML_EMPLOYEES_GET`. */
  readonly operation?: string;
  /** Value of the `page` query parameter (1 when absent). */
  readonly page?: number;
  /** Lets this many matching requests through unfaulted first. Default 0. */
  readonly after?: number;
}

interface Scripted {
  readonly fault: PeopleSoftFault;
  remaining: number;
  /** Matching requests still to let through before the fault plays. */
  passes: number;
  readonly match: FaultMatch;
}

/**
 * The fault script of a simulator: faults queued with `enqueue` are played, in order, on the
 * next REST requests that match; `pageDelayMs` slows every REST answer.
 */
export class FaultScript {
  /** Delay added to every REST answer, in milliseconds. */
  public pageDelayMs = 0;
  private readonly queue: Scripted[] = [];

  /** Plays `fault` on the next `count` REST requests matching `match`. */
  public enqueue(fault: PeopleSoftFault, count = 1, match: FaultMatch = {}): void {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`fault count must be a positive integer, got ${count}`);
    const passes = match.after ?? 0;
    if (!Number.isInteger(passes) || passes < 0) throw new RangeError(`fault "after" must be a non-negative integer, got ${passes}`);
    this.queue.push({ fault, remaining: count, passes, match });
  }

  /** Forgets every queued fault and the page delay. */
  public clear(): void {
    this.queue.length = 0;
    this.pageDelayMs = 0;
  }

  /** Faults still queued (each counted once per remaining request). */
  public get pending(): number {
    return this.queue.reduce((sum, scripted) => sum + scripted.remaining, 0);
  }

  /** Takes the fault for a request, if one is queued for it. */
  public take(request: { readonly operation?: string; readonly page: number }): PeopleSoftFault | undefined {
    const index = this.queue.findIndex(
      (scripted) =>
        (scripted.match.operation === undefined || scripted.match.operation === request.operation) &&
        (scripted.match.page === undefined || scripted.match.page === request.page),
    );
    if (index < 0) return undefined;
    const scripted = this.queue[index]!;
    if (scripted.passes > 0) {
      scripted.passes -= 1;
      return undefined;
    }
    scripted.remaining -= 1;
    if (scripted.remaining === 0) this.queue.splice(index, 1);
    return scripted.fault;
  }
}
