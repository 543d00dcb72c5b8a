import { createHash } from 'node:crypto';
import { ResponseLevelError } from './ResponseLevelError';

/** Marketo's page size ceiling for Lead Database reads. */
export const MAX_BATCH_SIZE = 300;

/** One page of a filtered read. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly moreResult: boolean;
  readonly nextPageToken?: string;
}

/**
 * Position paging with `batchSize` and an opaque `nextPageToken`. The token is bound to the
 * query it came from, so a token replayed against another filter is refused (1003) instead of
 * paging through the wrong result.
 */
export function paginate<T>(matches: readonly T[], params: URLSearchParams, query: string): Page<T> {
  const batchSize = readBatchSize(params.get('batchSize'));
  const token = params.get('nextPageToken');
  const fingerprint = createHash('sha1').update(query).digest('base64url').slice(0, 12);
  const offset = token === null || token === '' ? 0 : readToken(token, fingerprint);
  const end = offset + batchSize;
  const items = matches.slice(offset, end);
  return end < matches.length
    ? { items, moreResult: true, nextPageToken: Buffer.from(`${end}|${fingerprint}`).toString('base64url') }
    : { items, moreResult: false };
}

function readBatchSize(raw: string | null): number {
  if (raw === null || raw === '') return MAX_BATCH_SIZE;
  const size = Number(raw);
  if (!Number.isInteger(size) || size < 1 || size > MAX_BATCH_SIZE) {
    throw new ResponseLevelError('1003', `Invalid batchSize '${raw}', must be between 1 and ${MAX_BATCH_SIZE}`);
  }
  return size;
}

function readToken(token: string, fingerprint: string): number {
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  const separator = decoded.indexOf('|');
  const offset = Number(decoded.slice(0, separator));
  if (separator < 1 || decoded.slice(separator + 1) !== fingerprint || !Number.isInteger(offset) || offset < 0) {
    throw new ResponseLevelError('1003', 'Invalid nextPageToken');
  }
  return offset;
}
