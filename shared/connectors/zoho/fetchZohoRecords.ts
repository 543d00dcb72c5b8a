import type { FetchedRecord } from '../TargetConnector';
import type { ZohoPushApi } from './ZohoPushApi';
import { zohoTime } from './zohoTime';

/** Ids per read (Zoho: at most 100). */
const IDS_PER_CALL = 100;

/**
 * Reads records of a module by their Zoho ids (`GET /{module}?ids=…&fields=…`, at most 100 ids
 * and 50 fields a call, one credit each), with `fields` (the module's fields, `Modified_Time`
 * first); ids Zoho no longer has are absent. Each record's `Modified_Time` is its version.
 */
export async function fetchZohoRecords(api: ZohoPushApi, module: string, ids: readonly string[], fields: readonly string[]): Promise<FetchedRecord[]> {
  const found: FetchedRecord[] = [];
  const unique = [...new Set(ids)];
  for (let index = 0; index < unique.length; index += IDS_PER_CALL) {
    const query = new URLSearchParams({ ids: unique.slice(index, index + IDS_PER_CALL).join(','), fields: fields.join(',') });
    const answer = await api.call(`${module}:fetch`, { method: 'GET', path: `/${encodeURIComponent(module)}`, query, cost: 1, heavy: false });
    found.push(...zohoRecordsOf(answer));
  }
  return found;
}

/** The records of a Zoho list answer (`data[]`), each with its id and version. */
export function zohoRecordsOf(answer: Record<string, unknown> | undefined): FetchedRecord[] {
  const data = Array.isArray(answer?.['data']) ? (answer['data'] as unknown[]) : [];
  return data.flatMap((entry) => {
    if (!entry || typeof entry !== 'object') return [];
    const fields = entry as Record<string, unknown>;
    const id = fields['id'];
    if (typeof id !== 'string' && typeof id !== 'number') return [];
    const version = zohoTime(fields['Modified_Time']);
    return [{ id: String(id), fields, ...(version ? { version } : {}) }];
  });
}
