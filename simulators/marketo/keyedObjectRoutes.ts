import { checkFieldValue } from './checkFieldValue';
import { isoSeconds } from './isoSeconds';
import type { KeyedObjectStore } from './KeyedObjectStore';
import type { FieldValue, StoredRecord } from './MarketoSimulator';
import { paginate } from './paginate';
import { project } from './project';
import { isRecord, readChoice, readFieldList, readFilter, readInput, skipped } from './requestParts';
import type { Skipped } from './requestParts';
import { ResponseLevelError } from './ResponseLevelError';
import type { RestCall, RestResult, RouteTable } from './Route';
import { SYSTEM_FIELDS } from './standardFields';

/** What differs between companies and sales persons. */
export interface KeyedObjectKind {
  /** Path segment: `companies` or `salespersons`. */
  readonly resource: string;
  /** For messages: `Company`, `Sales person`. */
  readonly label: string;
  /** Writable field API names, the dedupe field included. */
  readonly fields: readonly string[];
  /** Fields holding an email address (validated as such). */
  readonly emailFields: readonly string[];
  /** Says why a record may not be deleted (1022), or undefined when it may. */
  readonly inUse?: (record: StoredRecord) => string | undefined;
}

export interface KeyedObjectRouteDeps {
  readonly store: KeyedObjectStore;
  readonly kind: KeyedObjectKind;
  /** Native CRM sync on: every write is skipped with 1018. */
  readonly crmSyncEnabled: boolean;
  readonly now: () => Date;
}

const SYNC_ACTIONS = ['createOrUpdate', 'createOnly', 'updateOnly'] as const;
const DEDUPE_BY = ['dedupeFields', 'idField'] as const;
type DedupeBy = (typeof DEDUPE_BY)[number];

type ObjectResult = { readonly id: number; readonly status: 'created' | 'updated' | 'deleted' } | Skipped;

/**
 * Sync, Delete, Get-by-filter and Describe for an object keyed by an external id (companies,
 * sales persons): results carry `seq`, a key repeated within one call is skipped with 1036 (the
 * first occurrence is processed), a missing record is 1013.
 * https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/lead-database/companies
 */
export function keyedObjectRoutes(deps: KeyedObjectRouteDeps): RouteTable {
  const { store, kind } = deps;
  const keyField = store.keyField;
  const writable = new Set<string>(kind.fields);
  const emailFields = new Set<string>(kind.emailFields);
  const readable = new Set<string>([...SYSTEM_FIELDS, ...writable]);
  const crmBlocked = skipped('1018', 'CRM sync is enabled: this object is read-only');

  /** The call's key for one input record under `dedupeBy`, or a skip when it has none. */
  function keyOf(item: Readonly<Record<string, unknown>>, dedupeBy: DedupeBy): string | Skipped {
    const field = dedupeBy === 'idField' ? 'id' : keyField;
    const value = item[field];
    if ((typeof value !== 'string' || value === '') && typeof value !== 'number') {
      return skipped('1002', `Value for required field '${field}' not specified`);
    }
    return String(value);
  }

  function find(key: string, dedupeBy: DedupeBy): StoredRecord | undefined {
    return dedupeBy === 'idField' ? store.findById(Number(key)) : store.findByKey(key);
  }

  function readFields(
    item: Readonly<Record<string, unknown>>,
    dedupeBy: DedupeBy,
  ): { readonly fields: Record<string, FieldValue> } | Skipped {
    const fields: Record<string, FieldValue> = {};
    for (const field in item) {
      if (field === 'id') {
        if (dedupeBy !== 'idField') return skipped('1003', "Field 'id' is only allowed with dedupeBy idField");
        continue;
      }
      if (!writable.has(field)) return skipped('1006', `Field '${field}' not found`);
      const check = checkFieldValue(field, item[field], emailFields.has(field));
      if (!check.ok) return skipped('1001', check.message);
      fields[field] = check.value;
    }
    return { fields };
  }

  function syncOne(
    raw: unknown,
    action: (typeof SYNC_ACTIONS)[number],
    dedupeBy: DedupeBy,
    seen: Set<string>,
    at: string,
  ): ObjectResult {
    if (deps.crmSyncEnabled) return crmBlocked;
    if (!isRecord(raw)) return skipped('1003', `Invalid data: a ${kind.label.toLowerCase()} must be a JSON object`);
    const key = keyOf(raw, dedupeBy);
    if (typeof key !== 'string') return key;
    if (seen.has(key)) {
      return skipped('1036', `Duplicate ${dedupeBy === 'idField' ? 'id' : keyField} '${key}' in input`);
    }
    seen.add(key);
    const read = readFields(raw, dedupeBy);
    if ('reasons' in read) return read;
    const { fields } = read;
    const existing = find(key, dedupeBy);
    if (existing !== undefined) {
      if (action === 'createOnly') return skipped('1017', `${kind.label} already exists`);
      const newKey = fields[keyField];
      if (newKey !== undefined && String(newKey) !== String(existing.fields[keyField])) {
        return skipped('1003', `Field '${keyField}' cannot be changed`);
      }
      store.update(existing.id, fields, at);
      return { id: existing.id, status: 'updated' };
    }
    if (action === 'updateOnly' || dedupeBy === 'idField') return skipped('1013', `${kind.label} not found`);
    return { id: store.create(fields, at).id, status: 'created' };
  }

  function deleteOne(raw: unknown, dedupeBy: DedupeBy): ObjectResult {
    if (deps.crmSyncEnabled) return crmBlocked;
    if (!isRecord(raw)) return skipped('1003', `Invalid data: a ${kind.label.toLowerCase()} must be a JSON object`);
    const key = keyOf(raw, dedupeBy);
    if (typeof key !== 'string') return key;
    const existing = find(key, dedupeBy);
    if (existing === undefined) return skipped('1013', 'Record not found');
    const inUse = kind.inUse?.(existing);
    if (inUse !== undefined) return skipped('1022', inUse);
    store.delete(existing.id);
    return { id: existing.id, status: 'deleted' };
  }

  function sync({ body }: RestCall): RestResult {
    const action = readChoice(body, 'action', SYNC_ACTIONS, 'createOrUpdate');
    const dedupeBy = readChoice(body, 'dedupeBy', DEDUPE_BY, 'dedupeFields');
    if (action === 'createOnly' && dedupeBy === 'idField') {
      throw new ResponseLevelError('1003', "dedupeBy 'idField' is not allowed with action createOnly");
    }
    const input = readInput(body);
    const at = isoSeconds(deps.now());
    const seen = new Set<string>();
    return { result: input.map((raw, seq) => ({ seq, ...syncOne(raw, action, dedupeBy, seen, at) })) };
  }

  function remove({ body }: RestCall): RestResult {
    const dedupeBy = readChoice(body, 'deleteBy', DEDUPE_BY, 'dedupeFields');
    return { result: readInput(body).map((raw, seq) => ({ seq, ...deleteOne(raw, dedupeBy) })) };
  }

  function query({ params }: RestCall): RestResult {
    const { filterType, values } = readFilter(params);
    const byId = filterType === 'id' || filterType === 'idField';
    if (!byId && filterType !== keyField && filterType !== 'dedupeFields') {
      throw new ResponseLevelError('1003', `Invalid filterType '${filterType}'`);
    }
    const requested = params.get('fields') === null ? undefined : readFieldList(params, readable, []);
    const matches: StoredRecord[] = [];
    for (const value of values) {
      const found = byId ? store.findById(Number(value)) : store.findByKey(value);
      if (found !== undefined && !matches.includes(found)) matches.push(found);
    }
    const queryKey = `${kind.resource}|${filterType}|${values.join(',')}|${requested?.join(',') ?? '*'}`;
    const page = paginate(matches, params, queryKey);
    return {
      result: page.items.map((row, seq) => ({
        seq,
        ...(requested === undefined
          ? { id: row.id, ...row.fields, createdAt: row.createdAt, updatedAt: row.updatedAt }
          : project(row, ['id', ...requested.filter((field) => field !== 'id')])),
      })),
      moreResult: page.moreResult,
      ...(page.nextPageToken === undefined ? {} : { nextPageToken: page.nextPageToken }),
    };
  }

  function describeType(name: string): string {
    if (name === 'id') return 'integer';
    if (name === 'createdAt' || name === 'updatedAt') return 'datetime';
    return emailFields.has(name) ? 'email' : 'string';
  }

  function describe(): RestResult {
    return {
      result: [
        {
          name: kind.label,
          idField: 'id',
          dedupeFields: [keyField],
          searchableFields: [[keyField], ['id']],
          fields: [...readable].map((name) => ({
            name,
            displayName: name,
            dataType: describeType(name),
            updateable: writable.has(name) && name !== keyField,
          })),
        },
      ],
    };
  }

  return new Map([
    [`/rest/v1/${kind.resource}.json`, { GET: query, POST: sync }],
    [`/rest/v1/${kind.resource}/delete.json`, { POST: remove }],
    [`/rest/v1/${kind.resource}/describe.json`, { GET: describe }],
  ]);
}
