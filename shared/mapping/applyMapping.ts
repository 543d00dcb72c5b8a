import { createHash } from 'node:crypto';
import type { FieldMapping } from '../config';

function readField(record: Readonly<Record<string, unknown>>, field: string): unknown {
  return record[field];
}

function mapOne(record: Readonly<Record<string, unknown>>, rule: FieldMapping): unknown {
  if (typeof rule === 'string') return readField(record, rule);
  if ('value' in rule) return rule.value;
  if ('template' in rule) {
    const text = rule.template.replace(/\{([A-Za-z0-9_]+)\}/g, (_, field: string) => {
      const value = readField(record, field);
      return value === undefined || value === null ? '' : String(value);
    });
    return text.trim() === '' ? undefined : text.replace(/\s+/g, ' ').trim();
  }
  let value = readField(record, rule.from);
  if (value === undefined || value === null || value === '') value = rule.default;
  if (typeof value === 'string') {
    const text: string = value;
    if (rule.transform === 'trim') return text.trim();
    if (rule.transform === 'lower') return text.trim().toLowerCase();
    if (rule.transform === 'upper') return text.trim().toUpperCase();
  }
  return value;
}

/**
 * Maps a source record to a target payload with the config's field mapping. Missing source
 * values are left out rather than sent as blanks, so a sparse source record never erases data
 * in the target; an explicit `{ value: null }` clears a field on purpose.
 */
export function applyMapping(
  record: Readonly<Record<string, unknown>>,
  mapping: Readonly<Record<string, FieldMapping>>,
): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const [targetField, rule] of Object.entries(mapping)) {
    const value = mapOne(record, rule);
    const explicitNull = typeof rule === 'object' && 'value' in rule && rule.value === null;
    if (value === undefined || (value === null && !explicitNull)) continue;
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

/** Hash of what one write sends, independent of key order: equal hashes mean an unchanged write. */
export function payloadHash(action: string, payload: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(`${action}\n${stable(payload)}`).digest('base64url').slice(0, 32);
}
