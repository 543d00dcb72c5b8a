import { ItemOutcome, type ItemResult } from '../TargetConnector';

/** An item result before it is tied to the pipeline's `ref`. */
export type ZohoRecordVerdict = Omit<ItemResult, 'ref'>;

/** Per-record codes worth another try: the rest of the call went through. */
const transientCodes = new Set(['INTERNAL_ERROR', 'TOO_MANY_REQUESTS', 'LOCKED']);

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Reads one entry of an upsert's `data[]` as an outcome: SUCCESS with `action` insert / update
 * is created / updated with the record id; INVALID_DATA names the field (`details.api_name`) and
 * the type it expected; DUPLICATE_DATA names the field and the record already holding the
 * value; MANDATORY_NOT_FOUND names the missing field; each of them is rejected with the reason.
 */
export function readZohoRecordResult(raw: unknown): ZohoRecordVerdict {
  if (!raw || typeof raw !== 'object') {
    return { outcome: ItemOutcome.Retry, reason: { message: 'Zoho returned no result for this record' } };
  }
  const entry = raw as Record<string, unknown>;
  const code = text(entry['code']) ?? 'UNKNOWN';
  const details = (entry['details'] && typeof entry['details'] === 'object' ? entry['details'] : {}) as Record<string, unknown>;
  const id = text(details['id']);
  if (code === 'SUCCESS') {
    return { outcome: entry['action'] === 'update' ? ItemOutcome.Updated : ItemOutcome.Created, ...(id ? { targetId: id } : {}) };
  }
  const field = text(details['api_name']);
  const vendor = text(entry['message']) ?? code.toLowerCase();
  let message: string;
  switch (code) {
    case 'INVALID_DATA': {
      const expected = text(details['expected_data_type']);
      message = field ? `${field}: ${vendor}${expected ? ` (expected ${expected})` : ''}` : vendor;
      break;
    }
    case 'DUPLICATE_DATA': {
      const holder = text((details['duplicate_record'] as Record<string, unknown> | undefined)?.['id']) ?? id;
      message = `${field ?? 'a unique field'}: the value is already used by record ${holder ?? '(unknown)'}`;
      break;
    }
    case 'MANDATORY_NOT_FOUND':
      message = `${field ?? 'a mandatory field'}: required, but missing`;
      break;
    default:
      message = field ? `${field}: ${vendor}` : vendor;
  }
  return { outcome: transientCodes.has(code) ? ItemOutcome.Retry : ItemOutcome.Rejected, reason: { code, message } };
}
