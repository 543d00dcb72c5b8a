import { RecordOperation } from '../envelope';
import { valueAtPath } from '../peoplesoft/valueAtPath';

/** One record of a delivery: ready to queue, or rejected with a reason that names the field. */
export type PushedItem =
  | {
      readonly kind: 'record';
      readonly id: string;
      readonly record: Record<string, unknown>;
      /** The record's source version: its own time field, else the event's time (ISO-8601). */
      readonly updatedAt: string;
      readonly operation: RecordOperation;
      /** For an id-only delivery: where the writer fetches the record (see `readPushedRefs`). */
      readonly fetch?: { readonly target: string; readonly object: string; readonly id: string; readonly scope?: Readonly<Record<string, string>> };
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

/**
 * One pushed record as the queue takes it, whatever the body format: its id from its key fields
 * (trimmed, joined with `|`, as a poll of the same entity names it), its version from `version`
 * (a time, or the reason it has none), and its size checked against what one queue message holds.
 */
export function pushedItemOf(
  record: Record<string, unknown>,
  keyFields: readonly string[],
  version: (record: Record<string, unknown>) => Date | { readonly reason: string },
  operation: RecordOperation,
): PushedItem {
  const parts: string[] = [];
  for (const field of keyFields) {
    const part = keyPart(valueAtPath(record, field));
    if (part === undefined) return { kind: 'rejected', reason: `${field}: key field is missing, empty or not text or a number` };
    parts.push(part);
  }
  const id = parts.join('|');
  const updatedAt = version(record);
  if (!(updatedAt instanceof Date)) return { kind: 'rejected', id, reason: updatedAt.reason };
  if (Buffer.byteLength(JSON.stringify(record)) > MAX_RECORD_BYTES) {
    return { kind: 'rejected', id, reason: `(record): larger than ${MAX_RECORD_BYTES} bytes, too large for the queue` };
  }
  return { kind: 'record', id, record, updatedAt: updatedAt.toISOString(), operation };
}
