import type { PollResult } from '../../shared/pipeline';

/**
 * The poller's input. Scheduler: `{}` for a scheduled run, `{ since }` to re-read from a date.
 * A run that stops at its deadline invokes the poller again with `{ since, until }`: the rest
 * of its own range. The CLI sends `{ action: 'ping' }` to check PeopleSoft from inside the VPC,
 * through the static egress IP.
 */
export interface PollerEvent {
  /** ISO-8601: read from here instead of the cursor. */
  readonly since?: string;
  /** ISO-8601: end of the range (a continuation's); default the source clock minus the lag. */
  readonly until?: string;
  readonly action?: 'ping';
}

/**
 * The event that continues a poll which stopped at its deadline, or undefined when it finished.
 * It carries the rest of that poll's own range, so a re-read from `{ since }` that runs out of
 * time is finished by the next invocation rather than cut short at the (later) stored cursor.
 */
export function continuationEvent(result: PollResult): PollerEvent | undefined {
  if (result.complete || result.resumeFrom === undefined) return undefined;
  return { since: result.resumeFrom, until: result.windowTo };
}
