import type { PushedSourceConfig } from '../config/schema';
import { RecordOperation } from '../envelope';
import { valueAtPath } from '../peoplesoft/valueAtPath';
import { DeliveryRefusedError } from './DeliveryRefusedError';
import type { PushedItem } from './pushedItemOf';

/** Most ids one delivery may name: each becomes a queue message. */
const MAX_IDS_PER_DELIVERY = 10_000;

function idText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  // Ids above 2^53 arrive as text from careful senders; a bigint never comes out of JSON.parse.
  return undefined;
}

/**
 * Reads a verified, parsed delivery of a source that fetches (`fetch`): each record at
 * `records.path` names one id or an array of ids (`fetch.idField`) of an object (fixed, or named
 * by a field of the record, else of the body) and optional scope fields. One item per id, named
 * `<object>|<id>`, versioned by the event time and marked for the writer to fetch; the record
 * queued is what the delivery said of it (object, id, scope). A record without a readable id or
 * object is rejected on its own.
 */
export function readPushedRefs(source: string, declaration: PushedSourceConfig, body: unknown, eventTime: Date): PushedItem[] {
  const { records: rules } = declaration;
  const fetch = declaration.fetch!;
  const found = valueAtPath(body, rules.path);
  const where = rules.path === '' ? 'the body' : `"${rules.path}"`;
  if (found === undefined || found === null || typeof found !== 'object') {
    throw new DeliveryRefusedError(source, 400, `no records at ${where} (expected an array of objects or one object)`);
  }
  const list: unknown[] = Array.isArray(found) ? found : [found];
  const items: PushedItem[] = [];
  for (const raw of list) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      items.push({ kind: 'rejected', reason: '(record): expected a JSON object' });
      continue;
    }
    const record = raw as Record<string, unknown>;
    const objectField = typeof fetch.object === 'string' ? undefined : fetch.object.field;
    const object = objectField === undefined ? (fetch.object as string) : idText(valueAtPath(record, objectField) ?? valueAtPath(body, objectField));
    if (object === undefined) {
      items.push({ kind: 'rejected', reason: `${objectField}: missing or empty; it names the object the ids belong to` });
      continue;
    }
    const scope: Record<string, string> = {};
    const missingScope = (fetch.scopeFields ?? []).find((field) => {
      const value = idText(valueAtPath(record, field) ?? valueAtPath(body, field));
      if (value !== undefined) scope[field] = value;
      return value === undefined;
    });
    if (missingScope !== undefined) {
      items.push({ kind: 'rejected', reason: `${missingScope}: scope field is missing or empty` });
      continue;
    }
    const given = valueAtPath(record, fetch.idField);
    const ids = (Array.isArray(given) ? given : [given]).map(idText);
    if (ids.length === 0 || ids.some((id) => id === undefined)) {
      items.push({ kind: 'rejected', reason: `${fetch.idField}: expected an id or an array of ids (text or numbers)` });
      continue;
    }
    for (const id of new Set(ids as string[])) {
      items.push({
        kind: 'record',
        id: `${object}|${id}`,
        record: { id, object, ...scope },
        updatedAt: eventTime.toISOString(),
        operation: RecordOperation.Upsert,
        fetch: { target: fetch.from, object, id, ...(fetch.scopeFields ? { scope } : {}) },
      });
    }
  }
  if (items.length > MAX_IDS_PER_DELIVERY) {
    throw new DeliveryRefusedError(source, 413, `the delivery names ${items.length} ids; at most ${MAX_IDS_PER_DELIVERY} are accepted`);
  }
  return items;
}
