import type { PushedSourceConfig } from '../config/schema';
import { RecordOperation } from '../envelope';
import { valueAtPath } from '../peoplesoft/valueAtPath';
import { DeliveryRefusedError } from './DeliveryRefusedError';
import { parseEventTime } from './parseEventTime';
import { pushedItemOf, type PushedItem } from './pushedItemOf';

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
    const deactivates =
      rules.deactivateWhen?.in === 'record'
        ? rules.deactivateWhen.values.includes(text(valueAtPath(record, rules.deactivateWhen.field)) ?? '\u0000')
        : bodyDeactivates;
    const { timeField } = rules;
    const version = (row: Record<string, unknown>): Date | { reason: string } => {
      if (!timeField) return eventTime;
      return parseEventTime(valueAtPath(row, timeField)) ?? { reason: `${timeField}: missing or unreadable time (expected ISO-8601 or Unix seconds)` };
    };
    // Present unless the source fetches (validateConfig), and a fetching source is not read here.
    return pushedItemOf(record, rules.keyFields ?? [], version, deactivates ? RecordOperation.Deactivate : RecordOperation.Upsert);
  });
}
