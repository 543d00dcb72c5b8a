import type { TargetObjectDeclaration } from './TargetConnector';

/** The fields that together identify a record of a target object (one, or several). */
export function keyFieldsOf(object: TargetObjectDeclaration): readonly string[] {
  return object.keyFields ?? [object.keyField];
}

/** The key of a mapped payload, or the first key field it leaves empty. */
export type TargetKey =
  | { readonly key: string; readonly fields: Readonly<Record<string, unknown>> }
  | { readonly missing: string };

/**
 * Reads an object's key from a mapped payload. A composite key's values are joined with `|` in
 * the order the declaration lists them (`BU01|PO000123`); `fields` holds each key field's value,
 * which is all a delete needs to send.
 */
export function targetKeyOf(object: TargetObjectDeclaration, payload: Readonly<Record<string, unknown>>): TargetKey {
  const fields: Record<string, unknown> = {};
  const parts: string[] = [];
  for (const field of keyFieldsOf(object)) {
    const value = payload[field];
    if (value === undefined || value === null || String(value).trim() === '') return { missing: field };
    fields[field] = value;
    parts.push(String(value));
  }
  return { key: parts.join('|'), fields };
}
