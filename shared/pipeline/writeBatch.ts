import type { FlowConfig } from '../config';
import {
  withCallMeter,
  ItemOutcome,
  type CallMeter,
  TargetAction,
  targetKeyOf,
  type ItemResult,
  type TargetConnector,
  type TargetItem,
} from '../connectors';
import { compareSourceVersions, recordEnvelopeSchema, type RecordEnvelope } from '../envelope';
import { CredentialsRefusedError, ErrorKind, ExternalSystemError, MlConnectorError } from '../errors';
import { applyMapping, MappingRejectedError, payloadHash } from '../mapping';
import type { FlowQueue, OutgoingMessage } from '../aws';
import { AuditEvent, recordStateKey, type AuditRow, type RecordState, type RunCounters, type StateStore } from '../state';
import type { Alerter } from './Alerter';
import { skipRuleMatching } from './skipRuleMatching';
import { fetchPushedRecords, type FetchConnectorOf } from './fetchPushedRecords';

/** One SQS message as the writer sees it (from a Lambda event or the local event-source loop). */
export interface WriterMessage {
  readonly messageId: string;
  readonly body: string;
  /** ApproximateReceiveCount: 1 on the first delivery. */
  readonly receiveCount: number;
  /** The receipt handle of this delivery: lets the writer keep the message while its target is parked. */
  readonly receiptHandle: string;
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
  /** After refused credentials, how long the work waits before the next batch tries again (default 300 s). */
  readonly credentialsProbeSeconds?: number;
  /** How long a record waiting for a dependency (`ItemOutcome.Waiting`) waits before the next try (default 120 s). */
  readonly waitingSeconds?: number;
  /** Connectors of the systems id-only envelopes are fetched from (a flow fed by a fetching pushed source). */
  readonly fetchConnector?: FetchConnectorOf;
}

export interface WriteBatchResult {
  /** Message ids to report as `batchItemFailures`: transient failures and held messages. */
  readonly failedMessageIds: string[];
  /**
   * Messages kept on the queue, out of sight until their target's park ends (a subset of
   * `failedMessageIds`). The writer set their visibility; an event source must leave it alone.
   */
  readonly heldMessageIds: string[];
  readonly counters: Partial<RunCounters>;
  /**
   * Name of the secret whose credentials the target refused (in this batch or an earlier one
   * whose park goes on). A runtime that keeps a connector or the secret's value between batches
   * should drop them, so the next batch reads the secret again and picks up a fix.
   */
  readonly refusedSecret?: string;
}

/** Seconds SQS can delay a message at most (for a fresh copy of a message it would not hold). */
const MAX_DELAY_SECONDS = 900;
/**
 * Longest hold of a received message. SQS refuses a visibility beyond 12 hours from the receive,
 * and the hold is set up to 20 minutes after it (batching window plus invocation): one hour spare.
 */
const MAX_HOLD_SECONDS = 11 * 3600;
const DEFAULT_CREDENTIALS_PROBE_SECONDS = 300;
/** How long a record waiting for a dependency stays out of sight before it is tried again. */
const DEFAULT_WAITING_SECONDS = 120;
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

type ParkKind = 'quota' | 'credentials';

type Fate =
  | { readonly kind: 'done' }
  | { readonly kind: 'rejected'; readonly reason: string }
  | { readonly kind: 'transient'; readonly reason: string }
  | { readonly kind: 'waiting'; readonly reason: string }
  | { readonly kind: 'parked'; readonly park: ParkKind };

/** One park of the target: messages wait until `until`; records are audited once per `id`. */
interface ParkPeriod {
  readonly id: string;
  readonly until: string;
  readonly reason: string;
  /** How the hold is audited: `parked` (the default) or `waiting` for a dependency. */
  readonly event?: AuditEvent;
}

/**
 * The writer's core: one SQS batch of envelopes into the target. Maps at write time, never
 * writes a source version older than the one the target holds, makes no call for deactivations
 * of records it never wrote, skips payloads the target already has, writes the rest in calls of
 * at most the target's batch size, records state and audit per record, and dead-letters what
 * the target rejects (at once, with the reason). When the target's daily quota is used up or it
 * refuses our credentials, the target is parked: the messages stay on the queue, held out of
 * sight until the park ends, audited once per park, never dead-lettered for it, and one alert
 * is raised. Transient failures go back to SQS for redelivery.
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
  const probeMs = (deps.credentialsProbeSeconds ?? DEFAULT_CREDENTIALS_PROBE_SECONDS) * 1000;
  const { flow, connector, store } = deps;
  const target = connector.declaration;
  const batchSize = Math.min(flow.batchSize ?? target.maxBatch, target.maxBatch);
  const nextProbeAt = (): string => new Date(now().getTime() + probeMs).toISOString();

  const audit: Array<Omit<AuditRow, 'at'> & { at?: string }> = [];
  const counters: Record<string, Partial<RunCounters>> = {};
  const count = (runId: string, name: keyof RunCounters, by = 1): void => {
    const bucket = (counters[runId] ??= {});
    bucket[name] = (bucket[name] ?? 0) + by;
  };

  // 1. Read the messages. An unreadable one can never succeed: straight to the dead-letter queue.
  const envelopes = new Map<string, RecordEnvelope>();
  const receivedRows = new Map<string, Omit<AuditRow, 'at'>>();
  const unreadable: OutgoingMessage[] = [];
  for (const message of messages) {
    const envelope = parseEnvelope(message.body, flow.name);
    if (typeof envelope === 'string') {
      unreadable.push({ body: message.body, attributes: { reason: envelope, flow: flow.name } });
      continue;
    }
    envelopes.set(message.messageId, envelope);
    const row = auditOf(envelope, AuditEvent.Received, { attempt: envelope.attempt });
    receivedRows.set(message.messageId, row);
    audit.push(row);
  }
  if (unreadable.length > 0) await deps.queue.deadLetter(unreadable);

  const fates = new Map<string, Fate>();
  const fail = (messageId: string, fate: Fate): void => {
    const current = fates.get(messageId);
    // A rejection outranks a transient failure: retrying a record the target refused is pointless.
    if (!current || current.kind === 'done' || ((current.kind === 'transient' || current.kind === 'waiting') && fate.kind === 'rejected')) {
      fates.set(messageId, fate);
    }
  };

  // 2. A parked target gets no calls until its park ends: the daily quota's reset, or the next
  //    probe of refused credentials (one batch at a time claims it and tries the target).
  const periods: Partial<Record<ParkKind, ParkPeriod>> = {};
  const quotaPark = envelopes.size > 0 ? await store.getQuotaPark(target.name) : undefined;
  const credentialsPark = envelopes.size > 0 && !quotaPark ? await store.getCredentialsPark(target.name) : undefined;
  let probing = false;
  if (credentialsPark) {
    const due = Date.parse(credentialsPark.probeAt) <= now().getTime();
    probing = due && (await store.claimCredentialsProbe(target.name, now().toISOString(), nextProbeAt()));
    if (!probing) {
      // When the probe was due but another batch claimed it, that batch moved it a full interval on.
      const until = due ? nextProbeAt() : credentialsPark.probeAt;
      periods.credentials = credentialsPeriod(target.name, credentialsPark.secretName, credentialsPark.since, until);
    }
  }
  if (quotaPark) periods.quota = quotaPeriod(target.name, quotaPark.resetsAt);
  let refused: { secretName?: string; reason: string } | undefined;
  let refusedSecret = periods.credentials ? credentialsPark?.secretName : undefined;

  const parkedAtStart: ParkKind | undefined = periods.quota ? 'quota' : periods.credentials ? 'credentials' : undefined;
  if (parkedAtStart) {
    for (const messageId of envelopes.keys()) fates.set(messageId, { kind: 'parked', park: parkedAtStart });
  } else {
    // 3. Fetch the records that deliveries named by id only, then map every envelope to its
    //    writes, newest envelope first when one record came twice.
    const fetched = await fetchPushedRecords(envelopes, deps.fetchConnector);
    audit.push(...fetched.audit);
    for (const [messageId, reason] of fetched.failed) fail(messageId, { kind: 'transient', reason });
    const latest = latestPerRecord(envelopes);
    const operations: Operation[] = [];
    for (const [messageId, envelope] of envelopes) {
      if (fetched.failed.has(messageId)) continue;
      if (latest.get(envelope.dedupeKey) !== messageId) {
        count(envelope.runId, 'superseded');
        audit.push(auditOf(envelope, AuditEvent.Superseded, { reason: 'a newer version of the record came in the same batch' }));
        fates.set(messageId, { kind: 'done' });
        continue;
      }
      const rule = skipRuleMatching(envelope.record, flow.skipWhen);
      if (rule) {
        count(envelope.runId, 'skipped');
        audit.push(auditOf(envelope, AuditEvent.Skipped, { reason: `${rule.field}: ${rule.because}` }));
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

    // 4. Skip older versions, deactivations of records never written, and what the target
    //    already has; settle writes an earlier attempt left unconfirmed.
    const states = await store.getRecordStates(
      operations.map((op) => ({ flow: flow.name, sourceId: op.envelope.source.id, object: op.object })),
    );
    const toWrite: Operation[] = [];
    const unsettled: Operation[] = [];
    const newStates: RecordState[] = [];
    for (const op of operations) {
      const state = states.get(op.stateKey);
      const version = op.envelope.sourceUpdatedAt;
      if (version !== undefined && state?.sourceVersion !== undefined && compareSourceVersions(version, state.sourceVersion) < 0) {
        // A replay or a late redelivery: writing it would put old data over newer data for good.
        count(op.envelope.runId, 'superseded');
        audit.push(
          auditOf(op.envelope, AuditEvent.Superseded, {
            object: op.object,
            reason: `source version ${version} is older than ${state.sourceVersion}, already written`,
            ...(state.targetId ? { targetId: state.targetId } : {}),
          }),
        );
      } else if (op.envelope.operation === 'deactivate' && state?.hash === undefined && state?.pendingHash === undefined) {
        // Nothing of this record was ever written to this object: deleting costs a call that
        // finds nothing, and upserting would create a record for someone already gone.
        count(op.envelope.runId, 'inactiveNeverSynced');
        audit.push(auditOf(op.envelope, AuditEvent.InactiveNeverSynced, { object: op.object }));
      } else if (state?.hash === op.hash) {
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
        newStates.push(stateOf(flow.name, op, found.targetId, now(), states.get(op.stateKey)));
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
            if (quotaResetsAt || refused) {
              for (const op of chunk) fail(op.messageId, { kind: 'parked', park: quotaResetsAt ? 'quota' : 'credentials' });
              return;
            }
            const outcome = await callWithRetries(() => connector.write(object, action, chunk.map((op) => op.item)), {
              sleep,
              remaining,
              maxRetries,
            });
            if (outcome.kind === 'quota') {
              quotaResetsAt = outcome.resetsAt;
              for (const op of chunk) fail(op.messageId, { kind: 'parked', park: 'quota' });
              return;
            }
            if (outcome.kind === 'credentials') {
              refused ??= { reason: outcome.reason, ...(outcome.secretName ? { secretName: outcome.secretName } : {}) };
              for (const op of chunk) fail(op.messageId, { kind: 'parked', park: 'credentials' });
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
    if (quotaResetsAt) {
      periods.quota = quotaPeriod(target.name, quotaResetsAt);
      if (await store.parkTarget(target.name, quotaResetsAt)) {
        await deps.alerts.raise(
          `${target.name} daily API quota exhausted`,
          `Flow ${flow.name}: ${target.name} reported its daily quota used up. Writes are parked until ${quotaResetsAt}; nothing is lost.`,
        );
      }
    }
    if (refused) {
      const secretName = refused.secretName ?? `(the ${target.name} secret)`;
      refusedSecret = secretName;
      const { park, started } = await store.parkForCredentials(target.name, secretName, nextProbeAt());
      periods.credentials = credentialsPeriod(target.name, park.secretName, park.since, park.probeAt);
      if (started) {
        await deps.alerts.raise(
          `${target.name} refused the credentials in secret ${secretName}`,
          [
            `Flow ${flow.name}: ${target.name} refused the credentials stored in secret ${secretName} (${refused.reason}).`,
            `Nothing is dead-lettered for it: the records wait on the queue and a write is tried again every ${Math.round(probeMs / 60_000)} minute(s).`,
            `Fix the secret with: ml-connector secrets set --config <customer config> --system ${target.name}`,
            `The flow resumes on its own once ${target.name} accepts the credentials.`,
          ].join('\n'),
        );
      }
    } else if (probing) {
      if (meter.calls > 0) {
        // A call got through, so a token was issued: the credentials work again.
        const ended = await store.clearCredentialsPark(target.name);
        if (ended) {
          await deps.alerts.raise(
            `${target.name} accepts the credentials in secret ${ended.secretName} again`,
            `Flow ${flow.name}: ${target.name} accepted the credentials in secret ${ended.secretName}. Writes waiting since ${ended.since} resume on their own.`,
          );
        }
      } else {
        // Nothing in this batch needed the target, so nothing was proved: the next batch probes.
        await store.releaseCredentialsProbe(target.name, now().toISOString());
      }
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
          newStates.push(stateOf(flow.name, op, result.targetId, now(), states.get(op.stateKey)));
          audit.push(
            auditOf(op.envelope, AuditEvent.Written, {
              object: op.object,
              outcome: result.outcome,
              targetId: result.targetId,
              ...(result.note ? { note: result.note } : {}),
            }),
          );
          return;
        }
        case ItemOutcome.Rejected:
          fail(op.messageId, { kind: 'rejected', reason: reasonText(target.name, op, result) });
          return;
        case ItemOutcome.Retry:
          fail(op.messageId, { kind: 'transient', reason: reasonText(target.name, op, result) });
          return;
        case ItemOutcome.Waiting:
          fail(op.messageId, { kind: 'waiting', reason: reasonText(target.name, op, result) });
      }
    }
  }

  // 7. Settle each message: done, dead-lettered now, held while parked, or handed back to SQS.
  const failedMessageIds: string[] = [];
  const heldMessageIds: string[] = [];
  const deadLetters: OutgoingMessage[] = [];
  const parked: Array<{ message: WriterMessage; envelope: RecordEnvelope; period: ParkPeriod }> = [];
  const waitUntil = new Date(now().getTime() + (deps.waitingSeconds ?? DEFAULT_WAITING_SECONDS) * 1000).toISOString();
  const byId = new Map(messages.map((message) => [message.messageId, message]));
  for (const [messageId, envelope] of envelopes) {
    const fate = fates.get(messageId) ?? { kind: 'done' };
    if (fate.kind === 'rejected') {
      count(envelope.runId, 'deadLettered');
      deadLetters.push({ envelope, attributes: { reason: fate.reason, flow: flow.name, sourceId: envelope.source.id, failedAt: now().toISOString() } });
      audit.push(auditOf(envelope, AuditEvent.DeadLettered, { reason: fate.reason, attempt: envelope.attempt }));
    } else if (fate.kind === 'parked') {
      parked.push({ message: byId.get(messageId)!, envelope, period: periods[fate.park]! });
    } else if (fate.kind === 'waiting') {
      // Held like a park, one audit row per reason: the wait never burns its receives.
      parked.push({ message: byId.get(messageId)!, envelope, period: { id: `waiting#${fate.reason}`, until: waitUntil, reason: fate.reason, event: AuditEvent.Waiting } });
    } else if (fate.kind === 'transient') {
      failedMessageIds.push(messageId);
      count(envelope.runId, 'retried');
      const lastReceive = (byId.get(messageId)?.receiveCount ?? 1) >= flow.maxReceiveCount;
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
  if (parked.length > 0) {
    const { held, quiet } = await holdParked(parked, { deps, now, audit, count });
    failedMessageIds.push(...held);
    heldMessageIds.push(...held);
    // A message back from a hold while its park goes on is no news: no second "received" row.
    for (const messageId of quiet) {
      const row = receivedRows.get(messageId);
      const index = row ? audit.indexOf(row) : -1;
      if (index >= 0) audit.splice(index, 1);
    }
  }

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
  return {
    failedMessageIds,
    heldMessageIds,
    counters: total,
    ...(refusedSecret ? { refusedSecret } : {}),
  };
}

/**
 * Keeps parked messages on the queue without churn: each is held out of sight until its park
 * ends (ChangeMessageVisibility, reported as a batch item failure so it is not deleted), and
 * only a message close to maxReceiveCount is replaced by a fresh copy, so waiting never
 * dead-letters it. Each record is audited "parked" once per park period. Returns the held
 * message ids, and in `quiet` the messages whose record was already audited in this period.
 */
async function holdParked(
  parked: ReadonlyArray<{ message: WriterMessage; envelope: RecordEnvelope; period: ParkPeriod }>,
  context: {
    deps: WriterDependencies;
    now: () => Date;
    audit: Array<Omit<AuditRow, 'at'>>;
    count: (runId: string, name: keyof RunCounters, by?: number) => void;
  },
): Promise<{ held: string[]; quiet: string[] }> {
  const { deps, now, audit, count } = context;
  const { flow, store, queue } = deps;
  const held: string[] = [];
  const quiet: string[] = [];

  const byPeriod = new Map<string, { period: ParkPeriod; entries: typeof parked[number][] }>();
  for (const entry of parked) {
    const group = byPeriod.get(entry.period.id) ?? { period: entry.period, entries: [] };
    group.entries.push(entry);
    byPeriod.set(entry.period.id, group);
  }

  const copies: OutgoingMessage[] = [];
  const holds: Array<{ entry: typeof parked[number]; seconds: number }> = [];
  for (const { period, entries } of byPeriod.values()) {
    const noticed = await store.parkNoticesOf(flow.name, period.id, entries.map((entry) => entry.envelope.source.id));
    const fresh = new Set<string>();
    for (const entry of entries) {
      const sourceId = entry.envelope.source.id;
      if (noticed.has(sourceId)) {
        quiet.push(entry.message.messageId);
      } else if (!fresh.has(sourceId)) {
        fresh.add(sourceId);
        const event = period.event ?? AuditEvent.Parked;
        count(entry.envelope.runId, event === AuditEvent.Waiting ? 'waiting' : 'parked');
        audit.push(auditOf(entry.envelope, event, { reason: period.reason }));
      }
      const seconds = Math.max(1, Math.ceil((Date.parse(period.until) - now().getTime()) / 1000));
      if (entry.message.receiveCount >= Math.max(1, flow.maxReceiveCount - 1)) {
        // One more return could be its last before SQS dead-letters it: swap it for a fresh copy
        // (receive count 0), which the next batch holds like this one.
        copies.push({ envelope: entry.envelope });
      } else {
        holds.push({ entry, seconds: Math.min(MAX_HOLD_SECONDS, seconds) });
      }
    }
    if (fresh.size > 0) await store.noteParked(flow.name, period.id, [...fresh]);
  }

  const refusedHandles = new Set(
    await queue.hold(holds.map(({ entry, seconds }) => ({ receiptHandle: entry.message.receiptHandle, seconds }))),
  );
  for (const { entry, seconds } of holds) {
    if (refusedHandles.has(entry.message.receiptHandle)) {
      // SQS no longer knows this delivery (its handle expired): keep the record with a fresh copy,
      // delayed so it does not come straight back.
      copies.push({ envelope: entry.envelope, delaySeconds: Math.min(MAX_DELAY_SECONDS, seconds) });
    } else {
      held.push(entry.message.messageId);
    }
  }
  // Sent before the originals are deleted (they are reported done), so a crash in between
  // leaves a duplicate, which the unchanged-payload check absorbs, never a loss.
  if (copies.length > 0) await queue.send(copies);
  return { held, quiet };
}

function quotaPeriod(target: string, resetsAt: string): ParkPeriod {
  return { id: `quota#${resetsAt}`, until: resetsAt, reason: `${target} quota exhausted until ${resetsAt}` };
}

function credentialsPeriod(target: string, secretName: string, since: string, probeAt: string): ParkPeriod {
  return {
    id: `credentials#${since}`,
    until: probeAt,
    reason: `${target} refused the credentials in secret ${secretName}; waiting until they are fixed`,
  };
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
  const newer = (a: RecordEnvelope, b: RecordEnvelope): boolean => {
    const byVersion = a.sourceUpdatedAt && b.sourceUpdatedAt ? compareSourceVersions(a.sourceUpdatedAt, b.sourceUpdatedAt) : 0;
    return byVersion !== 0 ? byVersion > 0 : a.observedAt >= b.observedAt;
  };
  for (const [messageId, envelope] of envelopes) {
    const current = latest.get(envelope.dedupeKey);
    if (!current || newer(envelope, envelopes.get(current)!)) latest.set(envelope.dedupeKey, messageId);
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
    let mapped: Record<string, unknown>;
    try {
      mapped = applyMapping(envelope.record, objectConfig.mapping);
    } catch (error) {
      // A lookup without an entry for this record's value: only this record is refused.
      if (error instanceof MappingRejectedError) return `${objectConfig.object}.${error.message}`;
      throw error;
    }
    const targetKey = targetKeyOf(declaration, mapped);
    if ('missing' in targetKey) {
      const rule = objectConfig.mapping[targetKey.missing];
      const from = typeof rule === 'string' ? rule : rule && 'from' in rule ? rule.from : undefined;
      return `${objectConfig.object}.${targetKey.missing}${from ? ` (from ${from})` : ''} is empty`;
    }
    const { key } = targetKey;
    const payload = action === TargetAction.Delete ? { ...targetKey.fields } : mapped;
    const deactivated = action === TargetAction.Upsert && envelope.operation === 'deactivate';
    operations.push({
      envelope,
      messageId,
      object: objectConfig.object,
      action,
      item: { ref: `${messageId}#${objectConfig.object}`, key, payload, ...(deactivated ? { deactivated } : {}) },
      // A termination that maps to the same fields is still a change: the target marks it.
      hash: payloadHash(action, deactivated ? { ...payload, '(deactivated)': true } : payload),
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
  | { readonly kind: 'credentials'; readonly secretName?: string; readonly reason: string }
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
        case ErrorKind.CredentialsRefused:
          // Not the records' fault and not retryable here: the caller parks the target.
          return { kind: 'credentials', reason: message, ...(error instanceof CredentialsRefusedError ? { secretName: error.secretName } : {}) };
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

function stateOf(flow: string, op: Operation, targetId: string | undefined, at: Date, previous: RecordState | undefined): RecordState {
  // An envelope without a version (written before versions existed) keeps the version on record.
  const sourceVersion = op.envelope.sourceUpdatedAt ?? previous?.sourceVersion;
  return {
    flow,
    sourceId: op.envelope.source.id,
    object: op.object,
    hash: op.hash,
    ...(targetId ? { targetId } : {}),
    writtenAt: at.toISOString(),
    ...(sourceVersion ? { sourceVersion } : {}),
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
