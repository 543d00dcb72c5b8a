import { checkFieldValue } from './checkFieldValue';
import { isoSeconds } from './isoSeconds';
import { LeadStore } from './LeadStore';
import type { FieldValue, StoredRecord } from './MarketoSimulator';
import { paginate } from './paginate';
import { project } from './project';
import { isRecord, readChoice, readFieldList, readFilter, readInput, skipped } from './requestParts';
import type { Skipped } from './requestParts';
import { ResponseLevelError } from './ResponseLevelError';
import type { RestCall, RestResult, RouteTable } from './Route';
import { STANDARD_LEAD_FIELDS, SYSTEM_FIELDS } from './standardFields';

export interface LeadRouteDeps {
  readonly store: LeadStore;
  /** Custom lead fields accepted besides the standard ones. */
  readonly customFields: readonly string[];
  readonly now: () => Date;
}

const SYNC_ACTIONS = ['createOrUpdate', 'createOnly', 'updateOnly', 'createDuplicate'] as const;
type SyncAction = (typeof SYNC_ACTIONS)[number];

// Get Leads by Filter Type without `fields`:
// https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/lead-database/leads
const DEFAULT_READ_FIELDS = ['id', 'email', 'updatedAt', 'createdAt', 'firstName', 'lastName'];
const MAX_FILTER_MATCHES = 1000;

type LeadResult =
  | { readonly id: number; readonly status: 'created' | 'updated' | 'deleted' }
  | Skipped
  | (Skipped & { readonly id: number });

/**
 * Sync Leads, Get Leads by Filter Type, Delete Leads and Describe Lead: per-record outcomes in
 * input order and without `seq`, as Marketo answers for leads.
 */
export function leadRoutes(deps: LeadRouteDeps): RouteTable {
  const { store } = deps;
  const writable = new Set<string>([...STANDARD_LEAD_FIELDS, ...deps.customFields]);
  const readable = new Set<string>([...SYSTEM_FIELDS, ...writable]);

  function syncOne(raw: unknown, action: SyncAction, lookupField: string, at: string): LeadResult {
    if (!isRecord(raw)) return skipped('1003', 'Invalid data: a lead must be a JSON object');
    const changes: Record<string, FieldValue> = {};
    for (const field in raw) {
      if (field === 'id') {
        if (action !== 'updateOnly') return skipped('1003', "Field 'id' is only allowed with action updateOnly");
        continue;
      }
      if (!writable.has(field)) return skipped('1006', `Field '${field}' not found`);
      const check = checkFieldValue(field, raw[field], field === 'email');
      if (!check.ok) return skipped('1001', check.message);
      changes[field] = check.value;
    }
    const matches = action === 'createDuplicate' ? [] : store.find(lookupField, raw[lookupField]);
    if (matches.length > 1 && action !== 'createOnly') return skipped('1007', 'Multiple lead match lookup criteria');
    const match = matches[0];
    if (match !== undefined) {
      if (action === 'createOnly') return skipped('1005', 'Lead already exists');
      store.update(match.id, changes, at);
      return { id: match.id, status: 'updated' };
    }
    if (action === 'updateOnly') return skipped('1004', 'Lead not found');
    return { id: store.create(changes, at).id, status: 'created' };
  }

  function syncLeads({ body }: RestCall): RestResult {
    const action = readChoice(body, 'action', SYNC_ACTIONS, 'createOrUpdate');
    const lookupField = body['lookupField'] ?? 'email';
    if (typeof lookupField !== 'string' || (lookupField === 'id' ? action !== 'updateOnly' : !writable.has(lookupField))) {
      const message = `Field '${String(lookupField)}' not supported as lookupField with action ${action}`;
      throw new ResponseLevelError('1011', message);
    }
    const input = readInput(body);
    const at = isoSeconds(deps.now());
    return { result: input.map((raw) => syncOne(raw, action, lookupField, at)) };
  }

  function getLeads({ params }: RestCall): RestResult {
    const { filterType, values } = readFilter(params);
    if (filterType !== 'id' && !writable.has(filterType)) {
      throw new ResponseLevelError('1003', `Invalid filterType '${filterType}'`);
    }
    const fields = readFieldList(params, readable, DEFAULT_READ_FIELDS);
    const seen = new Set<number>();
    const matches: StoredRecord[] = [];
    for (const value of values) {
      for (const row of store.find(filterType, value)) {
        if (seen.has(row.id)) continue;
        seen.add(row.id);
        matches.push(row);
      }
    }
    if (matches.length > MAX_FILTER_MATCHES) {
      throw new ResponseLevelError('1003', `Too many results match the filter (more than ${MAX_FILTER_MATCHES})`);
    }
    const page = paginate(matches, params, `leads|${filterType}|${values.join(',')}|${fields.join(',')}`);
    return {
      result: page.items.map((row) => project(row, fields)),
      moreResult: page.moreResult,
      ...(page.nextPageToken === undefined ? {} : { nextPageToken: page.nextPageToken }),
    };
  }

  function deleteLeads({ body }: RestCall): RestResult {
    return {
      result: readInput(body).map((raw): LeadResult => {
        const id = isRecord(raw) ? raw['id'] : undefined;
        if (typeof id !== 'number' || !Number.isInteger(id)) {
          return skipped('1002', "Value for required field 'id' not specified");
        }
        return store.delete(id) ? { id, status: 'deleted' } : { id, ...skipped('1004', 'Lead not found') };
      }),
    };
  }

  function describeLeads(): RestResult {
    return {
      result: [...readable].map((name, index) => ({
        id: index + 1,
        displayName: name,
        dataType: describeType(name),
        ...(describeType(name) === 'string' || name === 'email' ? { length: 255 } : {}),
        rest: { name, readOnly: !writable.has(name) },
      })),
    };
  }

  return new Map([
    ['/rest/v1/leads.json', { GET: getLeads, POST: syncLeads }],
    ['/rest/v1/leads/delete.json', { POST: deleteLeads }],
    ['/rest/v1/leads/describe.json', { GET: describeLeads }],
  ]);
}

function describeType(field: string): string {
  if (field === 'id') return 'integer';
  if (field === 'createdAt' || field === 'updatedAt') return 'datetime';
  return field === 'email' ? 'email' : 'string';
}
