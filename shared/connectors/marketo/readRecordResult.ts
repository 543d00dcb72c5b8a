import { ItemOutcome, TargetAction, type ItemResult } from '../TargetConnector';
import { marketoRecordResultSchema } from './MarketoEnvelope';

/** An item result before it is tied to the pipeline's `ref`. */
export type RecordVerdict = Omit<ItemResult, 'ref'>;

/** Record-level codes that mean "the record is not there": the desired state of a delete holds. */
const notFoundOnDelete = new Set(['1004', '1013']);
/** Record-level codes that are transient: the rest of the call went through, this record may retry. */
const transientRecordCodes = new Set(['604', '608', '611', '713']);

/**
 * Reads one entry of a sync / delete `result[]` (or its absence) as an outcome:
 * created / updated / deleted (and added / removed) map directly; `skipped` is not-found on a
 * delete when the reason is 1004 / 1013, retry for transient codes such as 713, and otherwise
 * rejected with Marketo's code and message (1001, 1003, 1004-1007, 1018, 1022, 1036, ...).
 * https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes
 */
export function readRecordResult(raw: unknown, action: TargetAction): RecordVerdict {
  if (raw === undefined) {
    return { outcome: ItemOutcome.Retry, reason: { message: 'Marketo returned no result for this record' } };
  }
  const parsed = marketoRecordResultSchema.safeParse(raw);
  if (!parsed.success) {
    return { outcome: ItemOutcome.Retry, reason: { message: 'Marketo returned an unreadable result for this record' } };
  }
  const result = parsed.data;
  const targetId = result.id === undefined ? {} : { targetId: String(result.id) };
  switch (result.status) {
    case 'created':
    case 'added':
      return { outcome: ItemOutcome.Created, ...targetId };
    case 'updated':
      return { outcome: ItemOutcome.Updated, ...targetId };
    case 'deleted':
    case 'removed':
      return { outcome: ItemOutcome.Deleted, ...targetId };
    case 'skipped': {
      const first = result.reasons?.[0];
      const reason = {
        ...(first?.code === undefined ? {} : { code: first.code }),
        message: first?.message || 'skipped without a reason',
      };
      if (action === TargetAction.Delete && first?.code !== undefined && notFoundOnDelete.has(first.code)) {
        return { outcome: ItemOutcome.NotFound, ...targetId, reason };
      }
      if (first?.code !== undefined && transientRecordCodes.has(first.code)) {
        return { outcome: ItemOutcome.Retry, ...targetId, reason };
      }
      return { outcome: ItemOutcome.Rejected, ...targetId, reason };
    }
    default:
      return {
        outcome: ItemOutcome.Rejected,
        ...targetId,
        reason: { message: `unexpected record status ${JSON.stringify(result.status ?? null)}` },
      };
  }
}
