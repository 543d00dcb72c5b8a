import type { FieldRule, PeopleSoftEntityConfig } from '../config/schema';
import { RecordOperation } from '../envelope';
import { deriveLifecycle } from './deriveLifecycle';
import { isCalendarDate, parseSourceTimestamp } from './parseSourceTimestamp';
import type { SourceItem } from './SourceEvent';

// Pragmatic address check (RFC 5321 sizes, a dotted domain): what target systems accept.
const EMAIL =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const QUOTE_LIMIT = 80;

const TIMESTAMP_SHAPES = { iso: 'ISO-8601', peoplesoft: 'YYYY-MM-DD-HH.MM.SS.ffffff' } as const;

/** A value as it appears in a rejection reason: quoted, and cut when long. */
function quote(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > QUOTE_LIMIT ? `${value.slice(0, QUOTE_LIMIT - 1)}…` : value);
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** What is wrong with `value` under `rule`, or undefined when it passes. */
function fieldProblem(value: unknown, rule: FieldRule): string | undefined {
  if (isBlank(value)) return rule.required ? 'required but missing' : undefined;
  switch (rule.type) {
    case 'email':
      if (typeof value !== 'string' || value.trim().length > 254 || !EMAIL.test(value.trim())) return `invalid email ${quote(value)}`;
      break;
    case 'date':
      if (!isCalendarDate(value)) return `invalid date ${quote(value)} (expected YYYY-MM-DD)`;
      break;
    case 'datetime':
      if (!parseSourceTimestamp(value, 'iso', 'UTC') && !parseSourceTimestamp(value, 'peoplesoft', 'UTC')) {
        return `invalid date-time ${quote(value)} (expected ISO-8601 or YYYY-MM-DD-HH.MM.SS.ffffff)`;
      }
      break;
    case 'number':
      if (typeof value === 'number' ? !Number.isFinite(value) : typeof value !== 'string' || !NUMBER.test(value.trim())) {
        return `not a number: ${quote(value)}`;
      }
      break;
    case 'string':
      if (typeof value !== 'string') return `expected text, got ${quote(value)}`;
      break;
    case 'list':
      if (!Array.isArray(value)) return `expected a list, got ${quote(value)}`;
      if (rule.required && value.length === 0) return 'required but empty';
      return undefined;
  }
  if (rule.maxLength !== undefined) {
    const length = String(value).trim().length;
    if (length > rule.maxLength) return `longer than ${rule.maxLength} characters (${length})`;
  }
  return undefined;
}

function keyPart(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * Validates one source row against its entity declaration: key fields present and non-empty
 * (the id is their trimmed values joined with `|`), the timestamp field readable in the
 * configured format (`timeZone` applies to times without an offset), then each `fields` rule.
 * PeopleSoft pads CHAR fields with blanks, so values are checked trimmed; the record itself is
 * passed on unchanged. The first problem found rejects the row.
 */
export function validateRecord(raw: unknown, entity: PeopleSoftEntityConfig, timeZone: string): SourceItem {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { kind: 'rejected', field: '(record)', reason: `(record): expected a JSON object, got ${quote(raw)}`, record: raw };
  }
  const record = raw as Record<string, unknown>;
  const parts: string[] = [];
  for (const field of entity.keyFields) {
    const part = keyPart(record[field]);
    if (part === undefined) {
      const reason = isBlank(record[field]) ? 'key field is missing or empty' : `key field must be text or a number, got ${quote(record[field])}`;
      return { kind: 'rejected', field, reason: `${field}: ${reason}`, record };
    }
    parts.push(part);
  }
  const id = parts.join('|');

  const { field: timestampField, format } = entity.timestamp;
  const stamp = record[timestampField];
  const updatedAt = parseSourceTimestamp(stamp, format, timeZone);
  if (!updatedAt) {
    const reason = isBlank(stamp)
      ? 'timestamp is missing'
      : `unparseable timestamp ${quote(stamp)} (expected ${TIMESTAMP_SHAPES[format]})`;
    return { kind: 'rejected', id, field: timestampField, reason: `${timestampField}: ${reason}`, record };
  }

  for (const [field, rule] of Object.entries(entity.fields)) {
    const problem = fieldProblem(record[field], rule);
    if (problem) return { kind: 'rejected', id, field, reason: `${field}: ${problem}`, record };
  }

  const dating = entity.effectiveDated;
  if (dating && !isCalendarDate(typeof record[dating.dateField] === 'string' ? (record[dating.dateField] as string).slice(0, 10) : undefined)) {
    const value = record[dating.dateField];
    const reason = isBlank(value) ? 'effective date is missing' : `invalid effective date ${quote(value)} (expected YYYY-MM-DD)`;
    return { kind: 'rejected', id, field: dating.dateField, reason: `${dating.dateField}: ${reason}`, record };
  }

  const derived = deriveLifecycle(record, entity.lifecycle);
  const status = dating ? record[dating.statusField] : undefined;
  // An effective-dated row with an inactive status deactivates the key once it is current.
  const inactive = dating !== undefined && typeof status === 'string' && dating.inactiveValues.includes(status.trim());
  const operation = inactive ? RecordOperation.Deactivate : derived.operation;
  return {
    kind: 'record',
    id,
    record,
    updatedAt: updatedAt.toISOString(),
    operation,
    ...(derived.lifecycle ? { lifecycle: derived.lifecycle } : {}),
  };
}
