import { ItemOutcome, type ItemResult } from '../TargetConnector';

/** One synced item's verdict before it is tied to the pipeline's `ref`. */
export type ProcoreSyncVerdict = Omit<ItemResult, 'ref'> & {
  /** The entity as Procore answered it (successes only). */
  readonly entity?: Readonly<Record<string, unknown>>;
};

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** `{ field: [messages] }` (or a string) as one line naming each field. */
function reasonOf(errors: unknown): string {
  if (typeof errors === 'string') return errors;
  if (!isObject(errors)) return 'refused without a reason';
  return Object.entries(errors)
    .map(([field, messages]) => `${field} ${Array.isArray(messages) ? messages.join(', ') : String(messages)}`)
    .join('; ');
}

/**
 * Reads a sync action's answer (always HTTP 200, `{ entities, errors }`) by `origin_id`: an
 * entity is created when its `created_at` equals its `updated_at` (Procore says nothing else;
 * an update within the second of the create reads as created), else updated; an error entry
 * (the attributes sent plus `errors: { field: [messages] }`) is rejected with those messages.
 * An origin id in neither list comes back as retry.
 * https://developers.procore.com/documentation/using-sync-actions
 */
export function readSyncResults(body: unknown, originIds: readonly string[]): Map<string, ProcoreSyncVerdict> {
  const verdicts = new Map<string, ProcoreSyncVerdict>();
  const entities = isObject(body) && Array.isArray(body['entities']) ? body['entities'] : [];
  const errors = isObject(body) && Array.isArray(body['errors']) ? body['errors'] : [];
  for (const entity of entities) {
    if (!isObject(entity) || typeof entity['origin_id'] !== 'string') continue;
    const created = entity['created_at'] !== undefined && entity['created_at'] === entity['updated_at'];
    verdicts.set(entity['origin_id'], {
      outcome: created ? ItemOutcome.Created : ItemOutcome.Updated,
      ...(entity['id'] !== undefined && entity['id'] !== null ? { targetId: String(entity['id']) } : {}),
      entity,
    });
  }
  for (const error of errors) {
    if (!isObject(error) || typeof error['origin_id'] !== 'string') continue;
    verdicts.set(error['origin_id'], { outcome: ItemOutcome.Rejected, reason: { code: 'SYNC_ERROR', message: reasonOf(error['errors']) } });
  }
  for (const originId of originIds) {
    if (!verdicts.has(originId)) verdicts.set(originId, { outcome: ItemOutcome.Retry, reason: { message: 'Procore returned no result for this record' } });
  }
  return verdicts;
}
