import type { FetchedRecord } from '../TargetConnector';
import type { ZohoPushApi } from './ZohoPushApi';
import { zohoRecordsOf } from './fetchZohoRecords';

const PER_PAGE = 200;
/** A paginator that never ends is a vendor bug; stop rather than loop (2,000 pages = 400,000 records). */
const MAX_PAGES = 2_000;

/**
 * Pages through a module's records changed in `[since, until)`: `GET /{module}` sorted by
 * `Modified_Time`, newest first, 200 a page (one credit each), until a page reaches records
 * older than `since` or Zoho has no more (`info.more_records`; `next_page_token` beyond the
 * first 2,000 records). Yields the records of each page that fall in the range.
 */
export async function* listZohoChanges(
  api: ZohoPushApi,
  module: string,
  range: { readonly since: string; readonly until: string },
  fields: readonly string[],
): AsyncGenerator<FetchedRecord[]> {
  const since = Date.parse(range.since);
  const until = Date.parse(range.until);
  let page = 1;
  let pageToken: string | undefined;
  for (let pages = 0; pages < MAX_PAGES; pages += 1) {
    const query = new URLSearchParams({ fields: fields.join(','), sort_by: 'Modified_Time', sort_order: 'desc', per_page: String(PER_PAGE) });
    if (pageToken) query.set('page_token', pageToken);
    else query.set('page', String(page));
    const answer = await api.call(`${module}:changes`, { method: 'GET', path: `/${encodeURIComponent(module)}`, query, cost: 1, heavy: false });
    const records = zohoRecordsOf(answer);
    const stamped = records.map((record) => ({ record, at: record.version ? Date.parse(record.version) : Number.NaN }));
    const inRange = stamped.filter(({ at }) => at >= since && at < until).map(({ record }) => record);
    if (inRange.length > 0) yield inRange;
    const info = (answer?.['info'] ?? {}) as Record<string, unknown>;
    const reachedOlder = stamped.some(({ at }) => at < since);
    if (records.length === 0 || reachedOlder || info['more_records'] !== true) return;
    const next = info['next_page_token'];
    if (typeof next === 'string' && next !== '') pageToken = next;
    else page += 1;
  }
}
