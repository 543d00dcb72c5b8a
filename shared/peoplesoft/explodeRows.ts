import type { PeopleSoftEntityConfig } from '../config/schema';
import type { SourceItem } from './SourceEvent';
import { validateRecord } from './validateRecord';

/**
 * Validates the rows of one page into items. An entity with `explode` yields one item per
 * element of the row's nested array (a customer's contacts): the row's fields with the
 * element's on top (the row's key fields stay the row's), without the array, keyed by the row's
 * key followed by the element's key fields. A row without the array is rejected naming it; an
 * empty array yields nothing.
 */
export function explodeRows(rows: readonly unknown[], entity: PeopleSoftEntityConfig, timeZone: string): SourceItem[] {
  const { explode } = entity;
  if (!explode) return rows.map((row) => validateRecord(row, entity, timeZone));
  const exploded = { ...entity, keyFields: [...entity.keyFields, ...explode.keyFields] };
  return rows.flatMap((row): SourceItem[] => {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) return [validateRecord(row, entity, timeZone)];
    const { [explode.field]: elements, ...parent } = row as Record<string, unknown>;
    if (!Array.isArray(elements)) {
      const checked = validateRecord(row, entity, timeZone);
      if (checked.kind === 'rejected') return [checked];
      return [{ kind: 'rejected', id: checked.id, field: explode.field, reason: `${explode.field}: expected a list, got ${elements === undefined ? 'nothing' : typeof elements}`, record: row }];
    }
    const keys = Object.fromEntries(entity.keyFields.map((field) => [field, parent[field]]));
    return elements.map((element) =>
      validateRecord(element !== null && typeof element === 'object' && !Array.isArray(element) ? { ...parent, ...element, ...keys } : element, exploded, timeZone),
    );
  });
}
