import type { DeadLetter, FlowQueue } from '../aws';
import type { FlowConfig } from '../config';
import { recordEnvelopeSchema, type RecordEnvelope } from '../envelope';
import { AuditEvent, type StateStore } from '../state';

/** Which dead letters of a flow to replay; every given criterion must match, none given: all. */
export interface ReplaySelection {
  /** Source id of the record, e.g. an EMPLID. */
  readonly key?: string;
  /**
   * Dead-lettered at or after this instant. A letter the writer dead-lettered carries the time;
   * one SQS moved after its last receive does not, and counts from when its record was read.
   */
  readonly since?: Date;
  /** A piece of the failure reason, compared case-insensitively (e.g. `1006`, `title`). */
  readonly error?: string;
}

export interface ReplayDependencies {
  readonly flow: FlowConfig;
  readonly queue: FlowQueue;
  readonly store: StateStore;
  readonly now?: () => Date;
  /**
   * How long a received letter stays hidden while it is examined. Letters that were not selected
   * are made visible again at the end; a letter seen twice ends the scan.
   */
  readonly visibilitySeconds?: number;
}

export interface ReplayResult {
  /** Id of the replay run: the replayed envelopes carry it, so the writer counts into its summary. */
  readonly runId: string;
  readonly replayed: number;
  /** Dead letters examined and left in the dead-letter queue. */
  readonly kept: number;
  /** Source ids of the replayed records, in the order they were moved. */
  readonly keys: readonly string[];
}

/** Consecutive empty receives (while SQS still reports letters) before the scan gives up. */
const MAX_EMPTY_RECEIVES = 5;

/** The reason a dead letter carries, or the one SQS implies when it moved the letter itself. */
function deadLetterReason(letter: Pick<DeadLetter, 'attributes'>): string {
  return letter.attributes['reason'] ?? 'exceeded maxReceiveCount (the writer kept failing on it)';
}

/**
 * Moves a flow's dead letters back to its queue: all of them, or those matching the selection.
 * Each replayed envelope gets its attempt raised and the replay's run id, an audit row
 * `replayed` naming why it had failed, and the replay gets a run summary. The writer (local
 * loop or deployed Lambda) then maps it with the current mapping; a record written since is
 * skipped as unchanged. Used by local and deployed `replay` alike.
 *
 * A letter is deleted from the dead-letter queue only after its copy is on the flow queue, so a
 * crash in between replays it twice (harmless: writes are upserts), never loses it.
 */
export async function replayDeadLetters(deps: ReplayDependencies, selection: ReplaySelection = {}): Promise<ReplayResult> {
  const { flow, queue, store } = deps;
  const now = deps.now ?? (() => new Date());
  const visibility = deps.visibilitySeconds ?? 300;
  const runId = store.newRunId('replay');
  const startedAt = now().toISOString();
  const keys: string[] = [];
  const seen = new Set<string>();
  const kept: string[] = [];
  let emptyReceives = 0;
  for (;;) {
    const letters = await queue.receiveDeadLetters(visibility);
    if (letters.length === 0) {
      const depth = await queue.depth('dead-letter');
      emptyReceives += 1;
      // Short polling may answer empty while letters remain on other SQS hosts.
      if (depth.visible === 0 || emptyReceives >= MAX_EMPTY_RECEIVES) break;
      continue;
    }
    emptyReceives = 0;
    const fresh = letters.filter((letter) => !seen.has(letter.messageId));
    // A letter seen before came back: every letter has been looked at once.
    for (const letter of letters) if (seen.has(letter.messageId)) kept.push(letter.receiptHandle);
    if (fresh.length === 0) break;
    const chosen: Array<{ letter: DeadLetter; envelope: RecordEnvelope }> = [];
    for (const letter of fresh) {
      seen.add(letter.messageId);
      const envelope = readEnvelope(letter.body);
      if (envelope && matches(letter, envelope, selection)) {
        chosen.push({ letter, envelope: { ...envelope, attempt: envelope.attempt + 1, runId } });
      } else {
        kept.push(letter.receiptHandle);
      }
    }
    if (chosen.length === 0) continue;
    await queue.send(chosen.map(({ envelope }) => ({ envelope })));
    await store.appendAudit(
      chosen.map(({ envelope, letter }) => ({
        sourceId: envelope.source.id,
        flow: flow.name,
        event: AuditEvent.Replayed,
        runId,
        attempt: envelope.attempt,
        reason: `was dead-lettered: ${deadLetterReason(letter)}`,
        ...(envelope.lifecycle ? { lifecycle: envelope.lifecycle } : {}),
      })),
    );
    await queue.deleteDeadLetters(chosen.map(({ letter }) => letter.receiptHandle));
    keys.push(...chosen.map(({ envelope }) => envelope.source.id));
  }
  if (kept.length > 0) await queue.releaseDeadLetters(kept);
  await store.addRunCounters(flow.name, runId, { replayed: keys.length }, { status: 'replayed', startedAt });
  return { runId, replayed: keys.length, kept: seen.size - keys.length, keys };
}

function matches(letter: DeadLetter, envelope: RecordEnvelope, selection: ReplaySelection): boolean {
  if (selection.key !== undefined && envelope.source.id !== selection.key) return false;
  if (selection.error !== undefined && !deadLetterReason(letter).toLowerCase().includes(selection.error.toLowerCase())) return false;
  if (selection.since !== undefined) {
    const failedAt = Date.parse(letter.attributes['failedAt'] ?? envelope.observedAt);
    if (Number.isNaN(failedAt) || failedAt < selection.since.getTime()) return false;
  }
  return true;
}

function readEnvelope(body: string): RecordEnvelope | undefined {
  try {
    const parsed = recordEnvelopeSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
