import type { FieldValue, StoredRecord } from './MarketoSimulator';

/** A stored record as a flat result row with exactly `fields` (missing values as null). */
export function project(row: StoredRecord, fields: readonly string[]): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const field of fields) {
    if (field === 'id') out[field] = row.id;
    else if (field === 'createdAt') out[field] = row.createdAt;
    else if (field === 'updatedAt') out[field] = row.updatedAt;
    else out[field] = row.fields[field] ?? null;
  }
  return out;
}
