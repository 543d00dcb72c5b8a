import { polledEntityOf } from '../config/flowSources';
import type { FlowConfig } from '../config';
import type { RecordSource } from './pollFlow';

/** How a polled source's reads are timed (for PeopleSoft: the system's `overlapSeconds` and `lagSeconds`). */
export interface PollTiming {
  /** Re-read this much before the cursor, for rows committed late. */
  readonly overlapSeconds: number;
  /** Stop this far before the source clock's "now", so in-flight transactions are not missed. */
  readonly lagSeconds: number;
}

export interface PollWindowRequest {
  /** The source's timing settings. */
  readonly timing: PollTiming;
  readonly flow: FlowConfig;
  readonly source: RecordSource;
  /** The flow's stored cursor (everything updated before it has been enqueued). */
  readonly cursor?: string;
  /** Re-read from this instant instead of the cursor. */
  readonly since?: Date;
  /** End of the range a continuation resumes; without it, the source clock minus the lag. */
  readonly until?: Date;
}

/**
 * The half-open range one poll reads. From: `since`, else the cursor minus the overlap, else the
 * flow's `initialSince`. To: `until` (a continuation finishes the range it was given, never a
 * longer one), else the source's clock minus the lag. The only place the timing is read, so
 * every polled source and the dry run agree on it.
 */
export async function pollWindow(request: PollWindowRequest): Promise<{ from: Date; to: Date }> {
  const { timing, flow, source, cursor } = request;
  const from =
    request.since ?? (cursor ? new Date(Date.parse(cursor) - timing.overlapSeconds * 1000) : new Date(flow.initialSince));
  const to = request.until ?? new Date((await source.sourceNow(polledEntityOf(flow))).getTime() - timing.lagSeconds * 1000);
  return { from, to };
}
