import { ItemOutcome, type ItemResult } from '../TargetConnector';

/** An item result before it is tied to the pipeline's `ref`. */
export type JobVerdict = Omit<ItemResult, 'ref'>;

/** What a job's results say, by request position, and the successes no position could be found for. */
export interface ReadJobResults {
  /** Verdicts by position in the request. */
  readonly byPosition: Map<number, JobVerdict>;
  /** Successful results that carry only a Zendesk id, by that id (to be looked up). */
  readonly byId: Map<string, JobVerdict>;
}

/** What a request entry is known by, to recognise its result. */
export interface JobEntry {
  readonly externalId?: string;
  readonly email?: string;
  /** The Zendesk id the entry was sent with (updates by id). */
  readonly id?: string;
}

function record(raw: unknown): Record<string, unknown> | undefined {
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
}

function idOf(value: unknown): string | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' && value !== '' ? value : undefined;
}

function failed(result: Record<string, unknown>): boolean {
  return result['status'] === 'Failed' || result['success'] === false || typeof result['error'] === 'string';
}

function verdictOf(result: Record<string, unknown>): JobVerdict {
  const targetId = idOf(result['id']);
  if (failed(result)) {
    const details = result['details'];
    const message = typeof details === 'string' ? details : details === undefined ? String(result['error'] ?? 'failed without details') : JSON.stringify(details);
    return {
      outcome: ItemOutcome.Rejected,
      reason: { ...(typeof result['error'] === 'string' ? { code: result['error'] } : {}), message },
    };
  }
  const created = result['status'] === 'Created' || (result['status'] === undefined && result['action'] === undefined && typeof result['index'] === 'number');
  return { outcome: created ? ItemOutcome.Created : ItemOutcome.Updated, ...(targetId ? { targetId } : {}) };
}

/**
 * Reads the `results` of a completed Zendesk job (bulk create, bulk update, create-or-update
 * many) against the entries of its request. Results come in any order and name their entry in
 * different ways: `index` (the request position), `external_id` or `email`, the id an update
 * was sent with, or, for a failure, a position in `id` (as create-or-update-many has been seen
 * to answer). A success that carries only a new id is returned in `byId` for the caller to look
 * up. https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/#results
 */
export function readJobResults(results: unknown, entries: readonly JobEntry[]): ReadJobResults {
  const byPosition = new Map<number, JobVerdict>();
  const byId = new Map<string, JobVerdict>();
  const positionsBy = (field: 'externalId' | 'email' | 'id'): Map<string, number> => {
    const positions = new Map<string, number>();
    const seen = new Set<string>();
    entries.forEach((entry, position) => {
      const value = entry[field]?.toLowerCase();
      if (value === undefined) return;
      // A value two entries share names neither of them.
      if (seen.has(value)) positions.delete(value);
      else positions.set(value, position);
      seen.add(value);
    });
    return positions;
  };
  const byExternalId = positionsBy('externalId');
  const byEmail = positionsBy('email');
  const bySentId = positionsBy('id');
  for (const raw of Array.isArray(results) ? results : []) {
    const result = record(raw);
    if (!result) continue;
    const verdict = verdictOf(result);
    const index = result['index'];
    const id = idOf(result['id']);
    let position: number | undefined;
    if (typeof index === 'number' && Number.isInteger(index) && index >= 0 && index < entries.length) position = index;
    else if (id !== undefined && bySentId.has(id.toLowerCase())) position = bySentId.get(id.toLowerCase());
    else if (typeof result['external_id'] === 'string' && byExternalId.has(result['external_id'].toLowerCase())) position = byExternalId.get(result['external_id'].toLowerCase());
    else if (typeof result['email'] === 'string' && byEmail.has(result['email'].toLowerCase())) position = byEmail.get(result['email'].toLowerCase());
    else if (failed(result) && typeof result['id'] === 'number' && Number.isInteger(result['id']) && result['id'] >= 0 && result['id'] < entries.length) {
      position = result['id'];
    }
    if (position !== undefined) {
      if (!byPosition.has(position)) byPosition.set(position, verdict);
    } else if (id !== undefined && !failed(result)) {
      byId.set(id, verdict);
    }
  }
  return { byPosition, byId };
}
