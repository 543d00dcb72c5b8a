import { z } from 'zod';

/** Version of the envelope format; a writer refuses envelopes of a version it does not know. */
export const ENVELOPE_SCHEMA_VERSION = 1;

export const RecordOperation = { Upsert: 'upsert', Deactivate: 'deactivate' } as const;
export type RecordOperation = (typeof RecordOperation)[keyof typeof RecordOperation];

export const Lifecycle = {
  Hire: 'hire',
  Rehire: 'rehire',
  Transfer: 'transfer',
  Termination: 'termination',
  Change: 'change',
} as const;
export type Lifecycle = (typeof Lifecycle)[keyof typeof Lifecycle];

/**
 * What travels on a flow's SQS queue: one validated source record. The writer maps it at write
 * time, so a mapping fix followed by a replay writes the corrected data.
 */
export const recordEnvelopeSchema = z.strictObject({
  schemaVersion: z.literal(ENVELOPE_SCHEMA_VERSION),
  flow: z.string(),
  source: z.strictObject({
    system: z.string(),
    entity: z.string(),
    /** Stable source id: the key fields joined with `|`. */
    id: z.string().min(1),
  }),
  operation: z.enum(['upsert', 'deactivate']),
  lifecycle: z.enum(['hire', 'rehire', 'transfer', 'termination', 'change']).optional(),
  record: z.record(z.string(), z.unknown()),
  /**
   * The record's source version (ISO-8601, UTC): its last-update stamp for a polled source, the
   * event time for a pushed one. The writer never writes a version older than the one the
   * target already holds. Envelopes without it (none are produced any more) are written as
   * before, unordered.
   */
  sourceUpdatedAt: z.string().optional(),
  /**
   * Set when the delivery named the record only by the pushing system's own id: the writer
   * fetches the record from `target` (its `fetchByIds`) before mapping, and `record` holds only
   * what the delivery said.
   */
  fetch: z
    .strictObject({
      target: z.string().min(1),
      object: z.string().min(1),
      id: z.string().min(1),
      scope: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  /** When the poller read it (ISO-8601). */
  observedAt: z.string(),
  /** `{flow}#{source id}`: the unit of dedupe, record state and audit. */
  dedupeKey: z.string(),
  /** 0 for the first delivery; replays increment it. */
  attempt: z.number().int().min(0),
  /** Id of the poller run (or replay) that put it on the queue. */
  runId: z.string(),
});

export type RecordEnvelope = z.infer<typeof recordEnvelopeSchema>;

export function dedupeKeyOf(flow: string, sourceId: string): string {
  return `${flow}#${sourceId}`;
}

export interface NewEnvelope {
  readonly flow: string;
  readonly system: string;
  readonly entity: string;
  readonly sourceId: string;
  readonly operation: RecordOperation;
  readonly lifecycle?: Lifecycle;
  readonly record: Record<string, unknown>;
  readonly sourceUpdatedAt?: string;
  /** For an id-only delivery: where the writer fetches the record. */
  readonly fetch?: RecordEnvelope['fetch'];
  readonly runId: string;
  readonly now?: Date;
}

export function makeEnvelope(input: NewEnvelope): RecordEnvelope {
  return {
    schemaVersion: ENVELOPE_SCHEMA_VERSION,
    flow: input.flow,
    source: { system: input.system, entity: input.entity, id: input.sourceId },
    operation: input.operation,
    ...(input.lifecycle ? { lifecycle: input.lifecycle } : {}),
    record: input.record,
    ...(input.sourceUpdatedAt ? { sourceUpdatedAt: input.sourceUpdatedAt } : {}),
    ...(input.fetch ? { fetch: input.fetch } : {}),
    observedAt: (input.now ?? new Date()).toISOString(),
    dedupeKey: dedupeKeyOf(input.flow, input.sourceId),
    attempt: 0,
    runId: input.runId,
  };
}
