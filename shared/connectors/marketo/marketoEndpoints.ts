import { ItemOutcome, TargetAction, type ItemResult, type TargetItem } from '../TargetConnector';
import type { MarketoEnvelope } from './MarketoEnvelope';
import { readRecordResult, type RecordVerdict } from './readRecordResult';

/** What a write hook knows besides its items. */
export interface MarketoWriteContext {
  /**
   * For endpoints that address records by id (`resolveIds`): the ids read by key, keyed by
   * `normalizeKey` of the item key. Items without an entry never reach `toRequest`.
   */
  readonly ids: ReadonlyMap<string, readonly string[]>;
}

/** One sync or delete call: where it goes, how a batch becomes its body, how results come back. */
export interface MarketoWriteEndpoint {
  /** Path under the base URL, e.g. `/rest/v1/leads.json`. Always POST with a JSON body. */
  readonly path: string;
  /**
   * Marketo addresses these records by id, not by key: the connector first reads ids by key with
   * the object's read endpoint; keys without a record are reported `not-found` without a call.
   */
  readonly resolveIds: boolean;
  /** How many `input` entries the item takes (one, or one per id found). */
  inputCount(item: TargetItem, context: MarketoWriteContext): number;
  toRequest(items: readonly TargetItem[], context: MarketoWriteContext): Readonly<Record<string, unknown>>;
  /** One result per item, read from a `success:true` envelope. */
  readResults(envelope: MarketoEnvelope, items: readonly TargetItem[], context: MarketoWriteContext): ItemResult[];
}

/** A filter read: `GET {path}?filterType=...&filterValues=...` with paging. */
export interface MarketoReadEndpoint {
  readonly path: string;
  readonly filterType: string;
  /** Field of a returned record holding the key. */
  readonly keyField: string;
  /** Keys compare case-insensitively (Marketo matches e-mail addresses that way). */
  readonly caseInsensitiveKeys: boolean;
  /** Fields to ask for; omitted: Marketo's default set, which includes `id` and the key. */
  readonly fields?: readonly string[];
}

/** Everything the connector calls for one object: its filter read, its describe, its writes. */
export interface MarketoObjectEndpoints {
  readonly read: MarketoReadEndpoint;
  /** A cheap read that proves access to the object (`ping`). */
  readonly describePath: string;
  readonly upsert: MarketoWriteEndpoint;
  readonly delete: MarketoWriteEndpoint;
}

/** The key as compared with keys Marketo returns. */
export function normalizeKey(read: MarketoReadEndpoint, key: string): string {
  return read.caseInsensitiveKeys ? key.toLowerCase() : key;
}

function withRef(item: TargetItem, verdict: RecordVerdict): ItemResult {
  return { ref: item.ref, ...verdict };
}

/** Results that come back in input order, without `seq` (Sync Leads). */
function resultsInOrder(action: TargetAction) {
  return (envelope: MarketoEnvelope, items: readonly TargetItem[]): ItemResult[] =>
    items.map((item, index) => withRef(item, readRecordResult(envelope.result[index], action)));
}

/** Results that carry `seq`, the index of their input entry (companies, sales persons). */
function resultsBySeq(action: TargetAction) {
  return (envelope: MarketoEnvelope, items: readonly TargetItem[]): ItemResult[] => {
    const bySeq = new Map<number, unknown>();
    for (const raw of envelope.result) {
      const seq = typeof raw === 'object' && raw !== null ? (raw as { seq?: unknown }).seq : undefined;
      if (typeof seq === 'number' && !bySeq.has(seq)) bySeq.set(seq, raw);
    }
    return items.map((item, index) => withRef(item, readRecordResult(bySeq.get(index), action)));
  };
}

const one = (): number => 1;

/** Payload with the key field set from the item key (the key is authoritative). */
function keyed(keyField: string, item: TargetItem): Record<string, unknown> {
  return { ...item.payload, [keyField]: item.key };
}

/** Companies and sales persons: sync and delete by dedupe field, results matched by `seq`. */
function dedupeFieldObject(collection: string, keyField: string): MarketoObjectEndpoints {
  return {
    read: { path: `/rest/v1/${collection}.json`, filterType: keyField, keyField, caseInsensitiveKeys: false },
    describePath: `/rest/v1/${collection}/describe.json`,
    upsert: {
      path: `/rest/v1/${collection}.json`,
      resolveIds: false,
      inputCount: one,
      toRequest: (items) => ({
        action: 'createOrUpdate',
        dedupeBy: 'dedupeFields',
        input: items.map((item) => keyed(keyField, item)),
      }),
      readResults: resultsBySeq(TargetAction.Upsert),
    },
    delete: {
      path: `/rest/v1/${collection}/delete.json`,
      resolveIds: false,
      inputCount: one,
      toRequest: (items) => ({ deleteBy: 'dedupeFields', input: items.map((item) => ({ [keyField]: item.key })) }),
      readResults: resultsBySeq(TargetAction.Delete),
    },
  };
}

const leadRead: MarketoReadEndpoint = {
  path: '/rest/v1/leads.json',
  filterType: 'email',
  keyField: 'email',
  caseInsensitiveKeys: true,
};

function leadIds(item: TargetItem, context: MarketoWriteContext): readonly string[] {
  return context.ids.get(normalizeKey(leadRead, item.key)) ?? [];
}

/**
 * Delete Leads takes ids, in input order. An e-mail can match several leads (Marketo allows
 * duplicates), so one item may own several entries; its outcome is the combination of theirs.
 */
function readLeadDeleteResults(envelope: MarketoEnvelope, items: readonly TargetItem[], context: MarketoWriteContext): ItemResult[] {
  let cursor = 0;
  return items.map((item) => {
    const ids = leadIds(item, context);
    const verdicts = ids.map((id) => {
      const verdict = readRecordResult(envelope.result[cursor], TargetAction.Delete);
      cursor += 1;
      return { ...verdict, targetId: verdict.targetId ?? id };
    });
    return withRef(item, combine(verdicts));
  });
}

function combine(verdicts: readonly RecordVerdict[]): RecordVerdict {
  const retry = verdicts.find((verdict) => verdict.outcome === ItemOutcome.Retry);
  if (retry) return retry;
  const rejected = verdicts.find((verdict) => verdict.outcome === ItemOutcome.Rejected);
  if (rejected) return rejected;
  const deleted = verdicts.find((verdict) => verdict.outcome === ItemOutcome.Deleted);
  return deleted ?? verdicts[0] ?? { outcome: ItemOutcome.NotFound };
}

/**
 * Marketo's objects as data plus hooks: per object its filter read and, per action, the call
 * that writes a batch. https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/lead-database
 */
export const marketoEndpoints: Readonly<Record<string, MarketoObjectEndpoints>> = {
  leads: {
    read: leadRead,
    describePath: '/rest/v1/leads/describe.json',
    upsert: {
      path: '/rest/v1/leads.json',
      resolveIds: false,
      inputCount: one,
      toRequest: (items) => ({
        action: 'createOrUpdate',
        lookupField: 'email',
        input: items.map((item) => keyed('email', item)),
      }),
      readResults: resultsInOrder(TargetAction.Upsert),
    },
    delete: {
      path: '/rest/v1/leads/delete.json',
      resolveIds: true,
      inputCount: (item, context) => leadIds(item, context).length,
      toRequest: (items, context) => ({
        input: items.flatMap((item) => leadIds(item, context).map((id) => ({ id: /^\d+$/.test(id) ? Number(id) : id }))),
      }),
      readResults: readLeadDeleteResults,
    },
  },
  companies: dedupeFieldObject('companies', 'externalCompanyId'),
  salespersons: dedupeFieldObject('salespersons', 'externalSalesPersonId'),
};
