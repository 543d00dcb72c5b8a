import type { FieldValue, StoredRecord, StoredRow } from './MarketoSimulator';

/** Companies or sales persons: rows by id and by their dedupe field (one row per key). */
export class KeyedObjectStore {
  private readonly byId = new Map<number, StoredRow>();
  private readonly byKey = new Map<string, StoredRow>();
  private nextId = 1;

  public constructor(public readonly keyField: string) {}

  public findByKey(key: string): StoredRecord | undefined {
    return this.byKey.get(key);
  }

  public findById(id: number): StoredRecord | undefined {
    return this.byId.get(id);
  }

  /** Creates a row; `fields[keyField]` must be set and unused. */
  public create(fields: Readonly<Record<string, FieldValue>>, at: string): StoredRecord {
    const row: StoredRow = { id: this.nextId, fields: { ...fields }, createdAt: at, updatedAt: at };
    this.nextId += 1;
    this.byId.set(row.id, row);
    this.byKey.set(String(row.fields[this.keyField]), row);
    return row;
  }

  /** Merges `changes` into a row; the dedupe field never changes. */
  public update(id: number, changes: Readonly<Record<string, FieldValue>>, at: string): StoredRecord | undefined {
    const row = this.byId.get(id);
    if (row === undefined) return undefined;
    const key = row.fields[this.keyField];
    Object.assign(row.fields, changes, { [this.keyField]: key });
    row.updatedAt = at;
    return row;
  }

  public delete(id: number): boolean {
    const row = this.byId.get(id);
    if (row === undefined) return false;
    this.byId.delete(id);
    this.byKey.delete(String(row.fields[this.keyField]));
    return true;
  }

  public all(): readonly StoredRecord[] {
    return [...this.byId.values()];
  }

  public clear(): void {
    this.byId.clear();
    this.byKey.clear();
    this.nextId = 1;
  }
}
