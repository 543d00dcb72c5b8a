import { createHash } from 'node:crypto';
import type { FieldMapping } from '../config';
import { MappingRejectedError } from './MappingRejectedError';

/** The source record does not carry the field at all: the target field is left alone. */
const ABSENT = Symbol('absent');
type Mapped = unknown | typeof ABSENT;

function carries(record: Readonly<Record<string, unknown>>, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, field) && record[field] !== undefined;
}

/** Empty as PeopleSoft sends it: null, or text that is blank (CHAR fields come padded with spaces). */
function isBlank(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

function mapOne(record: Readonly<Record<string, unknown>>, targetField: string, rule: FieldMapping): Mapped {
  if (typeof rule === 'string') {
    if (!carries(record, rule)) return ABSENT;
    const value = record[rule];
    return isBlank(value) ? null : value;
  }
  if ('value' in rule) return rule.value;
  if ('each' in rule) {
    // A nested list (a purchase order's lines) becomes a list of mapped children; a cleared
    // list clears the target's.
    if (!carries(record, rule.each)) return ABSENT;
    const rows = record[rule.each];
    if (!Array.isArray(rows)) return isBlank(rows) ? [] : null;
    return rows
      .filter((row): row is Record<string, unknown> => typeof row === 'object' && row !== null && !Array.isArray(row))
      .map((row) => applyMapping(row, rule.mapping));
  }
  if ('template' in rule) {
    const fields = [...rule.template.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1]!);
    if (fields.length > 0 && !fields.some((field) => carries(record, field))) return ABSENT;
    const text = rule.template.replace(/\{([A-Za-z0-9_]+)\}/g, (_, field: string) => {
      const value = record[field];
      return value === undefined || value === null ? '' : String(value);
    });
    return text.trim() === '' ? null : text.replace(/\s+/g, ' ').trim();
  }
  const present = carries(record, rule.from);
  const value = record[rule.from];
  if (isBlank(value)) {
    if (rule.default !== undefined) return rule.default;
    return present ? null : ABSENT;
  }
  if ('lookup' in rule) {
    // A code translated through a table (a cost code to a GL account): a code the table lacks
    // is a gap in the config, never a value to guess, so the record is refused naming both.
    const code = String(value).trim();
    if (Object.prototype.hasOwnProperty.call(rule.lookup, code)) return rule.lookup[code];
    if (rule.default !== undefined) return rule.default;
    throw new MappingRejectedError(targetField, rule.from, code);
  }
  if (typeof value === 'string') {
    if (rule.transform === 'trim') return value.trim();
    if (rule.transform === 'lower') return value.trim().toLowerCase();
    if (rule.transform === 'upper') return value.trim().toUpperCase();
  }
  return value;
}

/**
 * Maps a source record to a target payload with the config's field mapping.
 *
 * A source field the record carries but leaves empty (null or blank) maps to `null`, which
 * clears the target field: a value cleared in the source is cleared in the target. A source
 * field the record does not carry at all is left out, so a sparse record (a push that sends
 * only what changed) never erases data. A `default` replaces an empty value; an explicit
 * `{ value: null }` always clears. A `lookup` translates a value through a table; a value the
 * table lacks takes the rule's `default`, or without one throws `MappingRejectedError` (the
 * record is refused, naming the field and the value).
 */
export function applyMapping(
  record: Readonly<Record<string, unknown>>,
  mapping: Readonly<Record<string, FieldMapping>>,
): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const [targetField, rule] of Object.entries(mapping)) {
    const value = mapOne(record, targetField, rule);
    if (value === ABSENT || value === undefined) continue;
    payload[targetField] = value;
  }
  return payload;
}

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Hash of what one write sends, independent of key order: equal hashes mean an unchanged write.
 *
 * A cleared field (`null`) hashes like an absent one. Clearing a value still changes the hash
 * (the value is gone from it), while a record whose source field was always null keeps the
 * hash it had when nulls were left out of payloads: sending clears costs no one-off rewrite.
 */
export function payloadHash(action: string, payload: Readonly<Record<string, unknown>>): string {
  const present = Object.fromEntries(Object.entries(payload).filter(([, value]) => value !== null));
  return createHash('sha256').update(`${action}\n${stable(present)}`).digest('base64url').slice(0, 32);
}
