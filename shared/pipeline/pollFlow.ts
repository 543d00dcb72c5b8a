import { polledEntityOf } from '../config/flowSources';
import type { CustomerConfig, FlowConfig } from '../config';
// From its own file, so the YAML parser stays out of the Lambda bundles.
import { peopleSoftSystemOf } from '../config/peopleSoftSystemOf';
import { makeEnvelope, type Lifecycle, type RecordOperation } from '../envelope';
import type { FlowQueue } from '../aws';
import { ErrorKind, MlConnectorError } from '../errors';
import { AuditEvent, type AuditRow, type EffectiveDateStore, type StateStore } from '../state';
import { EffectiveDateGate } from './EffectiveDateGate';
import { pollWindow } from './pollWindow';

/** One item read from the source: a valid record, or one rejected with the field at fault. */
export type SourceItem =
  | {
      readonly kind: 'record';
      readonly id: string;
      readonly record: Record<string, unknown>;
      readonly updatedAt: string;
      readonly operation: RecordOperation;
      readonly lifecycle?: Lifecycle;
    }
  | { readonly kind: 'rejected'; readonly id?: string; readonly field: string; readonly reason: string; readonly record: unknown };

/**
 * Pages of items (with `readThrough` when every row updated before it has been yielded), and
 * the end of each window once all its pages are out.
 */
export type SourceEvent =
  | { readonly type: 'page'; readonly items: readonly SourceItem[]; readonly readThrough?: Date }
  | { readonly type: 'window-complete'; readonly until: Date; readonly rows: number };

/** What the poller needs from a source system (PeopleSoft). */
export interface RecordSource {
  readonly system: string;
  sourceNow(entity: string): Promise<Date>;
  read(entity: string, range: { from: Date; to: Date }): AsyncIterable<SourceEvent>;
}

export interface PollDependencies {
  readonly config: CustomerConfig;
  readonly flow: FlowConfig;
  readonly source: RecordSource;
  readonly queue: FlowQueue;
  readonly store: StateStore;
  /** Pending future rows and delivered effective dates; required when the flow's entity is effective-dated. */
  readonly effectiveDates?: EffectiveDateStore;
  /** Re-read from this instant instead of the cursor (the cursor still only moves forward). */
  readonly since?: Date;
  /**
   * End of the range instead of the source clock minus the lag: a continuation passes the
   * `windowTo` of the run it continues, with `since` set to that run's `resumeFrom`.
   */
  readonly until?: Date;
  readonly runId?: string;
  readonly now?: () => Date;
  /** Time left in this invocation; the poller stops cleanly before it runs out. */
  readonly remainingTimeMs?: () => number;
  readonly onProgress?: (progress: PollProgress) => void;
}

export interface PollProgress {
  readonly read: number;
  readonly enqueued: number;
  readonly rejected: number;
  readonly cursor?: string;
}

export interface PollResult extends PollProgress {
  readonly runId: string;
  readonly windowFrom: string;
  readonly windowTo: string;
  /** False when the poller stopped early (deadline); see `resumeFrom`. */
  readonly complete: boolean;
  /**
   * Present when the run stopped early: every row of `windowFrom .. resumeFrom` is on the queue.
   * Continue with `{ since: resumeFrom, until: windowTo }`, which finishes the range even when it
   * was a re-read behind the cursor.
   */
  readonly resumeFrom?: string;
  readonly sqsCalls: number;
  /** The first rejected records of the run with their reasons (at most 100; all are audited). */
  readonly rejections: Array<{ sourceId: string; reason: string }>;
  /** Effective-dated entities: future rows kept until their day, and pending rows released by this run. */
  readonly deferred?: number;
  readonly released?: number;
}

const MAX_REJECTIONS_REPORTED = 100;

/** Leave this much of the invocation for saving progress and reporting. */
const DEADLINE_MARGIN_MS = 60_000;

/**
 * The poller's core: reads the flow's window from the source (see `pollWindow`), enqueues one
 * envelope per valid record, audits rejected ones, and advances the cursor after each
 * fully-enqueued sub-window, never before. A crash anywhere re-reads; the writer's
 * unchanged-payload check makes the re-read cost no target calls.
 *
 * Near the deadline (`remainingTimeMs` below a margin) it stops at the next point where progress
 * can be saved: the end of a window, or inside one a page's `readThrough`; it never stops where
 * it could not save progress, so a window too long for one invocation is still crossed, page
 * by page, over several. The result then says where to continue (`resumeFrom`, `windowTo`).
 */
export async function pollFlow(deps: PollDependencies): Promise<PollResult> {
  const { config, flow, source, queue, store } = deps;
  const now = deps.now ?? (() => new Date());
  const remaining = deps.remainingTimeMs ?? (() => Number.POSITIVE_INFINITY);
  const outOfTime = (): boolean => remaining() < DEADLINE_MARGIN_MS;
  const runId = deps.runId ?? store.newRunId('poll');
  const entity = polledEntityOf(flow);

  const cursor = await store.getCursor(flow.name);
  const { from, to } = await pollWindow({
    timing: peopleSoftSystemOf(config, entity),
    flow,
    source,
    ...(cursor ? { cursor: cursor.until } : {}),
    ...(deps.since ? { since: deps.since } : {}),
    ...(deps.until ? { until: deps.until } : {}),
  });

  const progress = { read: 0, enqueued: 0, rejected: 0, cursor: cursor?.until };
  const system = peopleSoftSystemOf(config, entity);
  const dating = config.peoplesoft.entities[entity]?.effectiveDated;
  if (dating && !deps.effectiveDates) {
    throw new MlConnectorError(`flow ${flow.name}: ${entity} is effective-dated, so polling it needs the effective-date store`, ErrorKind.Misconfigured);
  }
  const gate =
    dating && deps.effectiveDates
      ? new EffectiveDateGate({ flow: flow.name, dating, store: deps.effectiveDates, timeZone: system.timeZone, now })
      : undefined;
  let deferred = 0;
  let released = 0;
  const envelopeOf = (item: Extract<SourceItem, { kind: 'record' }>) => ({
    envelope: makeEnvelope({
      flow: flow.name,
      system: source.system,
      entity,
      sourceId: item.id,
      operation: item.operation,
      ...(item.lifecycle ? { lifecycle: item.lifecycle } : {}),
      record: item.record,
      sourceUpdatedAt: item.updatedAt,
      runId,
      now: now(),
    }),
  });
  let sqsCalls = 0;
  const rejections: Array<{ sourceId: string; reason: string }> = [];
  // Every row of the range last updated before `safe` is on the queue.
  let safe = from.getTime();
  let complete = true;
  const saveProgress = async (through: Date): Promise<void> => {
    const until = through.toISOString();
    if (await store.advanceCursor(flow.name, until, runId)) progress.cursor = until;
    safe = through.getTime();
  };
  await store.addRunCounters(flow.name, runId, {}, {
    startedAt: now().toISOString(),
    windowFrom: from.toISOString(),
    windowTo: to.toISOString(),
    status: 'polling',
  });

  if (gate) {
    // Rows whose effective date has come since they were read: queued before anything newer.
    const due = await gate.due();
    if (due.deliver.length > 0) {
      sqsCalls += await queue.send(due.deliver.map(envelopeOf));
      progress.enqueued += due.deliver.length;
      await store.addRunCounters(flow.name, runId, { enqueued: due.deliver.length });
    }
    await gate.delivered(due.deliver, due.rows);
    released = due.deliver.length;
  }

  if (to.getTime() > from.getTime()) {
    for await (const event of source.read(entity, { from, to })) {
      if (event.type === 'window-complete') {
        await saveProgress(event.until);
        if (outOfTime() && event.until.getTime() < to.getTime()) {
          complete = false;
          break;
        }
        continue;
      }
      const records: Array<Extract<SourceItem, { kind: 'record' }>> = [];
      const rejected: Array<Omit<AuditRow, 'at'>> = [];
      for (const item of event.items) {
        progress.read += 1;
        if (item.kind === 'rejected') {
          rejected.push({
            sourceId: item.id ?? `(no key)`,
            flow: flow.name,
            event: AuditEvent.Rejected,
            runId,
            reason: item.reason.startsWith(item.field) ? item.reason : `${item.field}: ${item.reason}`,
          });
          continue;
        }
        records.push(item);
      }
      const admitted = gate ? await gate.admit(records) : undefined;
      deferred += admitted?.deferred ?? 0;
      const envelopes = (admitted ? admitted.deliver : records).map(envelopeOf);
      sqsCalls += await queue.send(envelopes);
      if (admitted) await gate!.delivered(admitted.deliver);
      progress.enqueued += envelopes.length;
      progress.rejected += rejected.length;
      if (rejected.length > 0) await store.appendAudit(rejected);
      for (const row of rejected.slice(0, MAX_REJECTIONS_REPORTED - rejections.length)) {
        rejections.push({ sourceId: row.sourceId, reason: row.reason! });
      }
      await store.addRunCounters(flow.name, runId, { read: event.items.length, enqueued: envelopes.length, rejected: rejected.length });
      deps.onProgress?.({ ...progress });
      // Only a point past the last saved one is progress; without one, read on to the next.
      if (outOfTime() && event.readThrough && event.readThrough.getTime() > safe) {
        await saveProgress(event.readThrough);
        complete = false;
        break;
      }
    }
  }

  const resumeFrom = complete ? undefined : new Date(safe).toISOString();
  await store.addRunCounters(flow.name, runId, {}, {
    status: complete ? 'polled' : 'partial',
    pollFinishedAt: now().toISOString(),
    ...(resumeFrom ? { resumeFrom } : {}),
  });
  return {
    runId,
    windowFrom: from.toISOString(),
    windowTo: to.toISOString(),
    complete,
    ...(resumeFrom ? { resumeFrom } : {}),
    sqsCalls,
    rejections,
    ...(gate ? { deferred, released } : {}),
    ...progress,
  };
}
