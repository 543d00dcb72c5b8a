import type { FlowConfig } from '../config';
import {
  withCallMeter,
  ItemOutcome,
  type CallMeter,
  TargetAction,
  type ItemResult,
  type TargetConnector,
  type TargetItem,
} from '../connectors';
import { recordEnvelopeSchema, type RecordEnvelope } from '../envelope';
import { ErrorKind, ExternalSystemError, MlConnectorError } from '../errors';
import { applyMapping, payloadHash } from '../mapping';
import type { FlowQueue, OutgoingMessage } from '../aws';
import { AuditEvent, recordStateKey, type AuditRow, type RecordState, type RunCounters, type StateStore } from '../state';
import type { Alerter } from './Alerter';

/** One SQS message as the writer sees it (from a Lambda event or the local event-source loop). */
export interface WriterMessage {
  readonly messageId: string;
  readonly body: string;
  /** ApproximateReceiveCount: 1 on the first delivery. */
  readonly receiveCount: number;
}

export interface WriterDependencies {
  readonly flow: FlowConfig;
  readonly connector: TargetConnector;
  readonly store: StateStore;
  readonly queue: FlowQueue;
  readonly alerts: Alerter;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Time left in this invocation (Lambda's `getRemainingTimeInMillis`); unlimited when absent. */
  readonly remainingTimeMs?: () => number;
  /** Transient failures of one call retried inside the invocation before giving the record back. */
  readonly maxRetries?: number;
}

export interface WriteBatchResult {
  /** Message ids to report as `batchItemFailures`: transient failures only. */
  readonly failedMessageIds: string[];
  readonly counters: Partial<RunCounters>;
}

/** Seconds SQS can delay a message at most; parked messages come back at this pace until the reset. */
const MAX_DELAY_SECONDS = 900;
/** Stop waiting on rate limits when less than this is left of the invocation. */
const DEADLINE_MARGIN_MS = 15_000;

interface Operation {
  readonly envelope: RecordEnvelope;
  readonly messageId: string;
  readonly object: string;
  readonly action: TargetAction;
  readonly item: TargetItem;
  readonly hash: string;
  readonly stateKey: string;
}

type Fate =
  | { readonly kind: 'done' }
  | { readonly kind: 'rejected'; readonly reason: string }
  | { readonly kind: 'transient'; readonly reason: string }
  | { readonly kind: 'parked'; readonly resetsAt: string };

/**
 * The writer's core: one SQS batch of envelopes into the target. Maps at write time, skips
 * payloads the target already has, writes the rest in calls of at most the target's batch
 * size, records state and audit per record, dead-letters what the target rejects (at once,
 * with the reason), parks everything when a quota is exhausted, and returns only transient
 * failures for SQS to redeliver.
 */
export async function writeBatch(messages: readonly WriterMessage[], deps: WriterDependencies): Promise<WriteBatchResult> {
  return withCallMeter((meter) => writeMetered(messages, deps, meter));
}

async function writeMetered(
  messages: readonly WriterMessage[],
  deps: WriterDependencies,
  meter: Readonly<CallMeter>,
): Promise<WriteBatchResult> {
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const remaining = deps.remainingTimeMs ?? (() => Number.POSITIVE_INFINITY);
  const maxRetries = deps.maxRetries ?? 3;
  const { flow, connector, store } = deps;
  const target = connector.declaration;
  const batchSize = Math.min(flow.batchSize ?? target.maxBatch, target.maxBatch);

  const audit: Array<Omit<AuditRow, 'at'> & { at?: string }> = [];
  const counters: Record<string, Partial<RunCounters>> = {};
  const count = (runId: string, name: keyof RunCounters, by = 1): void => {
    const bucket = (counters[runId] ??= {});
    bucket[name] = (bucket[name] ?? 0) + by;
  };

  // 1. Read the messages. An unreadable one can never succeed: straight to the dead-letter queue.
  const envelopes = new Map<string, RecordEnvelope>();
  const unreadable: OutgoingMessage[] = [];
  for (const message of messages) {
    const envelope = parseEnvelope(message.body, flow.name);
    if (typeof envelope === 'string') {
      unreadable.push({ body: message.body, attributes: { reason: envelope, flow: flow.name } });
      continue;
    }
    envelopes.set(message.messageId, envelope);
    audit.push(auditOf(envelope, AuditEvent.Received, { attempt: envelope.attempt }));
  }
  if (unreadable.length > 0) await deps.queue.deadLetter(unreadable);

  const fates = new Map<string, Fate>();
  const fail = (messageId: string, fate: Fate): void => {
    const current = fates.get(messageId);
    // A rejection outranks a transient failure: retrying a record the target refused is pointless.
    if (!current || current.kind === 'done' || (current.kind === 'transient' && fate.kind === 'rejected')) fates.set(messageId, fate);
  };

  // 2. A target whose daily quota is used up gets no calls until the reset.
  const parked = await store.getQuotaPark(target.name);
  if (parked) {
    for (const messageId of envelopes.keys()) fates.set(messageId, { kind: 'parked', resetsAt: parked.resetsAt });
  } else {
    // 3. Map every envelope to its writes, newest envelope first when one record came twice.
    const latest = latestPerRecord(envelopes);
    const operations: Operation[] = [];
    for (const [messageId, envelope] of envelopes) {
      if (latest.get(envelope.dedupeKey) !== messageId) {
        count(envelope.runId, 'skippedUnchanged');
        audit.push(auditOf(envelope, AuditEvent.SkippedUnchanged, { reason: 'superseded by a newer version in the same batch' }));
        fates.set(messageId, { kind: 'done' });
        continue;
      }
      const built = buildOperations(envelope, messageId, flow, connector);
      if (typeof built === 'string') {
        fail(messageId, { kind: 'rejected', reason: built });
        continue;
      }
      operations.push(...built);
    }

    // 4. Skip what the target already has; settle writes an earlier attempt left unconfirmed.
    const states = await store.getRecordStates(
      operations.map((op) => ({ flow: flow.name, sourceId: op.envelope.source.id, object: op.object })),
    );
    const toWrite: Operation[] = [];
    const unsettled: Operation[] = [];
    const newStates: RecordState[] = [];
    for (const op of operations) {
      const state = states.get(op.stateKey);
      if (state?.hash === op.hash) {
        count(op.envelope.runId, 'skippedUnchanged');
        audit.push(auditOf(op.envelope, AuditEvent.SkippedUnchanged, { object: op.object, targetId: state.targetId }));
      } else if (state?.pendingHash === op.hash) {
        unsettled.push(op);
      } else {
        toWrite.push(op);
      }
    }
    if (unsettled.length > 0) {
      const settled = await settleInterrupted(unsettled, connector, batchSize);
      for (const op of unsettled) {
        const found = settled.get(op.stateKey);
        if (found === undefined) {
          toWrite.push(op);
          continue;
        }
        count(op.envelope.runId, op.action === TargetAction.Delete ? 'deleted' : 'updated');
        newStates.push(stateOf(flow.name, op, found.targetId, now()));
        audit.push(auditOf(op.envelope, AuditEvent.Settled, { object: op.object, targetId: found.targetId, outcome: 'already in target' }));
      }
    }

    // 5. Say what is about to be written, so an interruption after the call can be settled.
    await store.putRecordStates(
      toWrite.map((op) => ({
        ...(states.get(op.stateKey) ?? { flow: flow.name, sourceId: op.envelope.source.id, object: op.object }),
        pendingHash: op.hash,
        pendingAt: now().toISOString(),
      })),
    );

    // 6. Write, object by object in config order (e.g. sales persons before the leads they own).
    let quotaResetsAt: string | undefined;
    for (const object of flow.objects.map((entry) => entry.object)) {
      for (const action of [TargetAction.Upsert, TargetAction.Delete]) {
        const group = toWrite.filter((op) => op.object === object && op.action === action && !isSettledFailure(fates.get(op.messageId)));
        const calls = chunkByUniqueKey(group, batchSize);
        await Promise.all(
          calls.map(async (chunk) => {
            if (quotaResetsAt) {
              for (const op of chunk) fail(op.messageId, { kind: 'parked', resetsAt: quotaResetsAt });
              return;
            }
            const outcome = await callWithRetries(() => connector.write(object, action, chunk.map((op) => op.item)), {
              sleep,
              remaining,
              maxRetries,
            });
            if (outcome.kind === 'quota') {
              quotaResetsAt = outcome.resetsAt;
              for (const op of chunk) fail(op.messageId, { kind: 'parked', resetsAt: outcome.resetsAt });
              return;
            }
            if (outcome.kind === 'failed') {
              for (const op of chunk) {
                fail(op.messageId, { kind: outcome.permanent ? 'rejected' : 'transient', reason: outcome.reason });
              }
              return;
            }
            const byRef = new Map(outcome.results.map((result) => [result.ref, result]));
            for (const op of chunk) {
              const result = byRef.get(op.item.ref);
              applyResult(op, result);
            }
          }),
        );
      }
    }
    if (quotaResetsAt && (await store.parkTarget(target.name, quotaResetsAt))) {
      await deps.alerts.raise(
        `${target.name} daily API quota exhausted`,
        `Flow ${flow.name}: ${target.name} reported its daily quota used up. Writes are parked until ${quotaResetsAt}; nothing is lost.`,
      );
    }
    await store.putRecordStates(newStates);

    function applyResult(op: Operation, result: ItemResult | undefined): void {
      const runId = op.envelope.runId;
      if (!result) {
        fail(op.messageId, { kind: 'transient', reason: `${target.name} returned no result for ${op.object} ${op.item.key}` });
        return;
      }
      switch (result.outcome) {
        case ItemOutcome.Created:
        case ItemOutcome.Updated:
        case ItemOutcome.Deleted:
        case ItemOutcome.NotFound: {
          const counter = { created: 'created', updated: 'updated', deleted: 'deleted', 'not-found': 'notFound' } as const;
          count(runId, counter[result.outcome]);
          newStates.push(stateOf(flow.name, op, result.targetId, now()));
          audit.push(auditOf(op.envelope, AuditEvent.Written, { object: op.object, outcome: result.outcome, targetId: result.targetId }));
          return;
        }
        case ItemOutcome.Rejected:
          fail(op.messageId, { kind: 'rejected', reason: reasonText(target.name, op, result) });
          return;
        case ItemOutcome.Retry:
          fail(op.messageId, { kind: 'transient', reason: reasonText(target.name, op, result) });
      }
    }
  }

  // 7. Settle each message: done, dead-lettered now, parked, or handed back to SQS.
  const failedMessageIds: string[] = [];
  const deadLetters: OutgoingMessage[] = [];
  const parkedMessages: OutgoingMessage[] = [];
  const receiveCounts = new Map(messages.map((message) => [message.messageId, message.receiveCount]));
  for (const [messageId, envelope] of envelopes) {
    const fate = fates.get(messageId) ?? { kind: 'done' };
    if (fate.kind === 'rejected') {
      count(envelope.runId, 'deadLettered');
      deadLetters.push({ envelope, attributes: { reason: fate.reason, flow: flow.name, sourceId: envelope.source.id, failedAt: now().toISOString() } });
      audit.push(auditOf(envelope, AuditEvent.DeadLettered, { reason: fate.reason, attempt: envelope.attempt }));
    } else if (fate.kind === 'parked') {
      count(envelope.runId, 'parked');
      const seconds = Math.ceil((Date.parse(fate.resetsAt) - now().getTime()) / 1000);
      parkedMessages.push({ envelope, delaySeconds: Math.max(1, Math.min(MAX_DELAY_SECONDS, seconds)) });
      audit.push(auditOf(envelope, AuditEvent.Parked, { reason: `${target.name} quota exhausted until ${fate.resetsAt}` }));
    } else if (fate.kind === 'transient') {
      failedMessageIds.push(messageId);
      count(envelope.runId, 'retried');
      const lastReceive = (receiveCounts.get(messageId) ?? 1) >= flow.maxReceiveCount;
      audit.push(
        auditOf(envelope, lastReceive ? AuditEvent.DeadLettered : AuditEvent.Retrying, {
          reason: lastReceive ? `${fate.reason} (after ${flow.maxReceiveCount} receives; SQS moves it to the dead-letter queue)` : fate.reason,
          attempt: envelope.attempt,
        }),
      );
      if (lastReceive) count(envelope.runId, 'deadLettered');
    }
  }
  if (deadLetters.length > 0) await deps.queue.deadLetter(deadLetters);
  // Re-sent with a delay instead of left to time out, so waiting for a quota burns no receives.
  if (parkedMessages.length > 0) await deps.queue.send(parkedMessages);

  await store.appendAudit(audit);
  const firstRun = envelopes.values().next().value?.runId;
  if (firstRun) {
    count(firstRun, 'apiCalls', meter.calls);
    count(firstRun, 'throttled', meter.throttled);
  }
  const total: Partial<RunCounters> = {};
  for (const [runId, bucket] of Object.entries(counters)) {
    await store.addRunCounters(flow.name, runId, bucket);
    for (const [name, value] of Object.entries(bucket)) {
      total[name as keyof RunCounters] = (total[name as keyof RunCounters] ?? 0) + (value ?? 0);
    }
  }
  return { failedMessageIds, counters: total };
}

function parseEnvelope(body: string, flowName: string): RecordEnvelope | string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return 'message body is not JSON';
  }
  const parsed = recordEnvelopeSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return `not a record envelope: ${issue.path.join('.') || '(root)'}: ${issue.message}`;
  }
  if (parsed.data.flow !== flowName) return `envelope of flow ${parsed.data.flow} on the queue of flow ${flowName}`;
  return parsed.data;
}

function latestPerRecord(envelopes: ReadonlyMap<string, RecordEnvelope>): Map<string, string> {
  const latest = new Map<string, string>();
  const stamp = (envelope: RecordEnvelope): string => `${envelope.sourceUpdatedAt ?? ''}|${envelope.observedAt}`;
  for (const [messageId, envelope] of envelopes) {
    const current = latest.get(envelope.dedupeKey);
    if (!current || stamp(envelopes.get(current)!) <= stamp(envelope)) latest.set(envelope.dedupeKey, messageId);
  }
  return latest;
}

function buildOperations(envelope: RecordEnvelope, messageId: string, flow: FlowConfig, connector: TargetConnector): Operation[] | string {
  const operations: Operation[] = [];
  for (const objectConfig of flow.objects) {
    const declaration = connector.declaration.objects[objectConfig.object]!;
    let action: TargetAction = TargetAction.Upsert;
    if (envelope.operation === 'deactivate') {
      if (objectConfig.onDeactivate === 'ignore') continue;
      if (objectConfig.onDeactivate === 'delete') action = TargetAction.Delete;
    }
    const mapped = applyMapping(envelope.record, objectConfig.mapping);
    const keyValue = mapped[declaration.keyField];
    if (keyValue === undefined || keyValue === null || String(keyValue).trim() === '') {
      const rule = objectConfig.mapping[declaration.keyField];
      const from = typeof rule === 'string' ? rule : rule && 'from' in rule ? rule.from : undefined;
      return `${objectConfig.object}.${declaration.keyField}${from ? ` (from ${from})` : ''} is empty`;
    }
    const key = String(keyValue);
    const payload = action === TargetAction.Delete ? { [declaration.keyField]: key } : mapped;
    operations.push({
      envelope,
      messageId,
      object: objectConfig.object,
      action,
      item: { ref: `${messageId}#${objectConfig.object}`, key, payload },
      hash: payloadHash(action, payload),
      stateKey: recordStateKey({ flow: flow.name, sourceId: envelope.source.id, object: objectConfig.object }),
    });
  }
  return operations;
}

/** Splits writes into calls of at most `size`, never putting one key twice into the same call. */
function chunkByUniqueKey(operations: readonly Operation[], size: number): Operation[][] {
  const chunks: Array<{ ops: Operation[]; keys: Set<string> }> = [];
  for (const op of operations) {
    const key = op.item.key.toLowerCase();
    let chunk = chunks.find((candidate) => candidate.ops.length < size && !candidate.keys.has(key));
    if (!chunk) {
      chunk = { ops: [], keys: new Set() };
      chunks.push(chunk);
    }
    chunk.ops.push(op);
    chunk.keys.add(key);
  }
  return chunks.map((chunk) => chunk.ops);
}

async function settleInterrupted(
  ops: readonly Operation[],
  connector: TargetConnector,
  batchSize: number,
): Promise<Map<string, { targetId?: string }>> {
  const settled = new Map<string, { targetId?: string }>();
  const byObject = new Map<string, Operation[]>();
  for (const op of ops) byObject.set(op.object, [...(byObject.get(op.object) ?? []), op]);
  for (const [object, group] of byObject) {
    for (let i = 0; i < group.length; i += batchSize) {
      const chunk = group.slice(i, i + batchSize);
      let stored;
      try {
        const fields = [...new Set(chunk.flatMap((op) => Object.keys(op.item.payload)))];
        stored = await connector.readBack(object, chunk.map((op) => op.item.key), fields);
      } catch {
        continue; // cannot tell: write again, which an upsert on a stable key makes harmless
      }
      const byKey = new Map(stored.map((record) => [record.key.toLowerCase(), record]));
      for (const op of chunk) {
        const found = byKey.get(op.item.key.toLowerCase());
        if (op.action === TargetAction.Delete) {
          if (!found) settled.set(op.stateKey, {});
        } else if (found && sameFields(op.item.payload, found.fields)) {
          settled.set(op.stateKey, { targetId: found.targetId });
        }
      }
    }
  }
  return settled;
}

function sameFields(sent: Readonly<Record<string, unknown>>, stored: Readonly<Record<string, unknown>>): boolean {
  return Object.entries(sent).every(([field, value]) => {
    const have = stored[field];
    return String(have ?? '').toLowerCase() === String(value ?? '').toLowerCase();
  });
}

type CallOutcome =
  | { readonly kind: 'ok'; readonly results: ItemResult[] }
  | { readonly kind: 'quota'; readonly resetsAt: string }
  | { readonly kind: 'failed'; readonly permanent: boolean; readonly reason: string };

async function callWithRetries(
  call: () => Promise<ItemResult[]>,
  options: { sleep: (ms: number) => Promise<void>; remaining: () => number; maxRetries: number },
): Promise<CallOutcome> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return { kind: 'ok', results: await call() };
    } catch (error) {
      if (!(error instanceof MlConnectorError)) throw error; // a programmer error: never retried
      const message = error.message;
      switch (error.kind) {
        case ErrorKind.QuotaExhausted: {
          const resetsAt = error instanceof ExternalSystemError && error.resetsAt ? error.resetsAt : new Date(Date.now() + 3_600_000);
          return { kind: 'quota', resetsAt: resetsAt.toISOString() };
        }
        case ErrorKind.Permanent:
          return { kind: 'failed', permanent: true, reason: message };
        case ErrorKind.RateLimited: {
          // Rate limits wait and retry for as long as the invocation allows; they never fail a record.
          const wait = (error instanceof ExternalSystemError ? error.retryAfterMs : undefined) ?? 2_000 * 2 ** Math.min(attempt, 4);
          if (options.remaining() - wait < DEADLINE_MARGIN_MS) return { kind: 'failed', permanent: false, reason: message };
          await options.sleep(wait);
          break;
        }
        default: {
          if (attempt >= options.maxRetries || error.kind === ErrorKind.Misconfigured) {
            return { kind: 'failed', permanent: false, reason: message };
          }
          const wait = 500 * 2 ** attempt;
          if (options.remaining() - wait < DEADLINE_MARGIN_MS) return { kind: 'failed', permanent: false, reason: message };
          await options.sleep(wait);
        }
      }
    }
  }
}

function isSettledFailure(fate: Fate | undefined): boolean {
  return fate?.kind === 'rejected';
}

function stateOf(flow: string, op: Operation, targetId: string | undefined, at: Date): RecordState {
  return {
    flow,
    sourceId: op.envelope.source.id,
    object: op.object,
    hash: op.hash,
    ...(targetId ? { targetId } : {}),
    writtenAt: at.toISOString(),
  };
}

function reasonText(target: string, op: Operation, result: ItemResult): string {
  const code = result.reason?.code ? ` ${result.reason.code}` : '';
  return `${target} ${op.object} ${op.item.key}:${code} ${result.reason?.message ?? result.outcome}`;
}

function auditOf(
  envelope: RecordEnvelope,
  event: AuditEvent,
  extra: Partial<Omit<AuditRow, 'sourceId' | 'flow' | 'event' | 'runId'>> = {},
): Omit<AuditRow, 'at'> {
  return {
    sourceId: envelope.source.id,
    flow: envelope.flow,
    event,
    runId: envelope.runId,
    ...(envelope.lifecycle ? { lifecycle: envelope.lifecycle } : {}),
    ...extra,
  };
}
