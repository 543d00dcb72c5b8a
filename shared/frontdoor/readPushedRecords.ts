import type { PushedSourceConfig } from '../config/schema';
import { RecordOperation } from '../envelope';
import { valueAtPath } from '../peoplesoft/valueAtPath';
import { DeliveryRefusedError } from './DeliveryRefusedError';
import { parseEventTime } from './parseEventTime';

/** One record of a delivery: ready to queue, or rejected with a reason that names the field. */
export type PushedItem =
  | {
      readonly kind: 'record';
      readonly id: string;
      readonly record: Record<string, unknown>;
      /** The record's source version: its own time field, else the event's time (ISO-8601). */
      readonly updatedAt: string;
      readonly operation: RecordOperation;
    }
  | { readonly kind: 'rejected'; readonly id?: string; readonly reason: string };

/**
 * A record larger than this cannot travel as one SQS message (256 KiB) once wrapped in its
 * envelope; it is rejected on its own instead of failing the whole delivery.
 */
const MAX_RECORD_BYTES = 240 * 1024;

function keyPart(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * Reads the records of a verified, parsed delivery as the source declares them: the array (or
 * single object) at `records.path`, each one's id from its key fields (trimmed, joined with `|`,
 * as a poll of the same entity names it), its version from `timeField` or the event time, and
 * whether it is a deactivation. A body without records where declared is refused (400); a bad
 * record is rejected on its own.
 */
export function readPushedRecords(source: string, declaration: PushedSourceConfig, body: unknown, eventTime: Date): PushedItem[] {
  const { records: rules } = declaration;
  const found = valueAtPath(body, rules.path);
  const where = rules.path === '' ? 'the body' : `"${rules.path}"`;
  if (found === undefined || found === null || typeof found !== 'object') {
    throw new DeliveryRefusedError(source, 400, `no records at ${where} (expected an array of objects or one object)`);
  }
  const list: unknown[] = Array.isArray(found) ? found : [found];
  const bodyDeactivates =
    rules.deactivateWhen?.in === 'body' && rules.deactivateWhen.values.includes(text(valueAtPath(body, rules.deactivateWhen.field)) ?? '\u0000');

  return list.map((raw): PushedItem => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { kind: 'rejected', reason: '(record): expected a JSON object' };
    const record = raw as Record<string, unknown>;
    const parts: string[] = [];
    for (const field of rules.keyFields) {
      const part = keyPart(valueAtPath(record, field));
      if (part === undefined) return { kind: 'rejected', reason: `${field}: key field is missing, empty or not text or a number` };
      parts.push(part);
    }
    const id = parts.join('|');
    let updatedAt = eventTime;
    if (rules.timeField) {
      const stamp = parseEventTime(valueAtPath(record, rules.timeField));
      if (!stamp) return { kind: 'rejected', id, reason: `${rules.timeField}: missing or unreadable time (expected ISO-8601 or Unix seconds)` };
      updatedAt = stamp;
    }
    if (Buffer.byteLength(JSON.stringify(record)) > MAX_RECORD_BYTES) {
      return { kind: 'rejected', id, reason: `(record): larger than ${MAX_RECORD_BYTES} bytes, too large for the queue` };
    }
    const deactivates =
      rules.deactivateWhen?.in === 'record'
        ? rules.deactivateWhen.values.includes(text(valueAtPath(record, rules.deactivateWhen.field)) ?? '\u0000')
        : bodyDeactivates;
    return {
      kind: 'record',
      id,
      record,
      updatedAt: updatedAt.toISOString(),
      operation: deactivates ? RecordOperation.Deactivate : RecordOperation.Upsert,
    };
  });
}
