import type { FieldValue, StoredRecord, StoredRow } from './MarketoSimulator';

/**
 * The lead database: rows by id plus per-field indexes (value → rows), so lookups by email,
 * by a custom lookup field or by owner stay O(1) at 100,000 leads. Several rows can share a
 * value because `createDuplicate` exists. Indexes other than the ones named at construction are
 * built on first use and maintained from then on.
 */
export class LeadStore {
  private readonly byId = new Map<number, StoredRow>();
  private readonly indexes = new Map<string, Map<string, StoredRow[]>>();
  private nextId = 1;

  public constructor(indexedFields: readonly string[]) {
    for (const field of indexedFields) this.indexes.set(field, new Map());
  }

  /** Index key of a value; emails compare case-insensitively and empty values match nothing. */
  public static keyOf(field: string, value: unknown): string | undefined {
    if (value === null || value === undefined || value === '' || typeof value === 'object') return undefined;
    const text = String(value);
    return field === 'email' ? text.toLowerCase() : text;
  }

  /** Rows whose `field` equals `value` (`id` included), oldest first. */
  public find(field: string, value: unknown): readonly StoredRecord[] {
    if (field === 'id') {
      const row = typeof value === 'number' || typeof value === 'string' ? this.byId.get(Number(value)) : undefined;
      return row === undefined ? [] : [row];
    }
    const key = LeadStore.keyOf(field, value);
    return key === undefined ? [] : (this.index(field).get(key) ?? []);
  }

  public create(fields: Readonly<Record<string, FieldValue>>, at: string): StoredRecord {
    const row: StoredRow = { id: this.nextId, fields: { ...fields }, createdAt: at, updatedAt: at };
    this.nextId += 1;
    this.byId.set(row.id, row);
    for (const [field, index] of this.indexes) add(index, LeadStore.keyOf(field, row.fields[field]), row);
    return row;
  }

  public update(id: number, changes: Readonly<Record<string, FieldValue>>, at: string): StoredRecord | undefined {
    const row = this.byId.get(id);
    if (row === undefined) return undefined;
    for (const [field, index] of this.indexes) {
      if (!(field in changes)) continue;
      const before = LeadStore.keyOf(field, row.fields[field]);
      const after = LeadStore.keyOf(field, changes[field]);
      if (before === after) continue;
      remove(index, before, row);
      add(index, after, row);
    }
    Object.assign(row.fields, changes);
    row.updatedAt = at;
    return row;
  }

  public delete(id: number): boolean {
    const row = this.byId.get(id);
    if (row === undefined) return false;
    this.byId.delete(id);
    for (const [field, index] of this.indexes) remove(index, LeadStore.keyOf(field, row.fields[field]), row);
    return true;
  }

  public all(): readonly StoredRecord[] {
    return [...this.byId.values()];
  }

  public clear(): void {
    this.byId.clear();
    for (const index of this.indexes.values()) index.clear();
    this.nextId = 1;
  }

  private index(field: string): Map<string, StoredRow[]> {
    let index = this.indexes.get(field);
    if (index === undefined) {
      index = new Map();
      for (const row of this.byId.values()) add(index, LeadStore.keyOf(field, row.fields[field]), row);
      this.indexes.set(field, index);
    }
    return index;
  }
}

function add(index: Map<string, StoredRow[]>, key: string | undefined, row: StoredRow): void {
  if (key === undefined) return;
  const rows = index.get(key);
  if (rows === undefined) index.set(key, [row]);
  else rows.push(row);
}

function remove(index: Map<string, StoredRow[]>, key: string | undefined, row: StoredRow): void {
  if (key === undefined) return;
  const rows = index.get(key);
  if (rows === undefined) return;
  const at = rows.indexOf(row);
  if (at >= 0) rows.splice(at, 1);
  if (rows.length === 0) index.delete(key);
}
