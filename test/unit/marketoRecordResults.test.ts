import { describe, expect, it } from 'vitest';
import { marketoEndpoints, readRecordResult, type MarketoEnvelope } from '../../shared/connectors/marketo';
import { ItemOutcome, TargetAction, type TargetItem } from '../../shared/connectors';

function item(key: string, payload: Record<string, unknown> = {}): TargetItem {
  return { ref: `ref-${key}`, key, payload };
}

function success(result: unknown[]): MarketoEnvelope {
  return { requestId: 'r', success: true, result, errors: [], warnings: [] };
}

const skipped = (code: string, message = `reason ${code}`) => ({ status: 'skipped', reasons: [{ code, message }] });

const endpoint = (object: string) => {
  const endpoints = marketoEndpoints[object];
  if (!endpoints) throw new Error(`no endpoints for ${object}`);
  return endpoints;
};

describe('readRecordResult', () => {
  it.each([
    [TargetAction.Upsert, { id: 5, status: 'created' }, ItemOutcome.Created],
    [TargetAction.Upsert, { id: 5, status: 'updated' }, ItemOutcome.Updated],
    [TargetAction.Upsert, { id: 5, status: 'added' }, ItemOutcome.Created],
    [TargetAction.Delete, { id: 5, status: 'deleted' }, ItemOutcome.Deleted],
    [TargetAction.Delete, { id: 5, status: 'removed' }, ItemOutcome.Deleted],
    [TargetAction.Delete, skipped('1013', 'Record not found'), ItemOutcome.NotFound],
    [TargetAction.Delete, skipped('1004', 'Lead not found'), ItemOutcome.NotFound],
    [TargetAction.Upsert, skipped('1004', 'Lead not found'), ItemOutcome.Rejected],
    [TargetAction.Upsert, skipped('1013'), ItemOutcome.Rejected],
    [TargetAction.Upsert, skipped('1001', "Invalid value '$$$' for field 'numberOfEmployees'"), ItemOutcome.Rejected],
    [TargetAction.Upsert, skipped('1003'), ItemOutcome.Rejected],
    [TargetAction.Upsert, skipped('1005'), ItemOutcome.Rejected],
    [TargetAction.Upsert, skipped('1006', "Field 'foo' not found"), ItemOutcome.Rejected],
    [TargetAction.Upsert, skipped('1007', 'Multiple lead match lookup criteria'), ItemOutcome.Rejected],
    [TargetAction.Upsert, skipped('1018', 'CRM enabled'), ItemOutcome.Rejected],
    [TargetAction.Delete, skipped('1022', 'Object in use'), ItemOutcome.Rejected],
    [TargetAction.Upsert, skipped('1036', 'Duplicate externalCompanyId in input'), ItemOutcome.Rejected],
    [TargetAction.Upsert, skipped('713', 'Transient error'), ItemOutcome.Retry],
    [TargetAction.Upsert, { status: 'skipped' }, ItemOutcome.Rejected],
    [TargetAction.Upsert, { id: 1, status: 'weird' }, ItemOutcome.Rejected],
    [TargetAction.Upsert, undefined, ItemOutcome.Retry],
    [TargetAction.Upsert, 'not an object', ItemOutcome.Retry],
  ])('%s with %j → %s', (action, raw, outcome) => {
    expect(readRecordResult(raw, action).outcome).toBe(outcome);
  });

  it('carries the vendor code and message of a rejection, and the target id of a write', () => {
    expect(readRecordResult(skipped('1036', 'Duplicate in input'), TargetAction.Upsert)).toEqual({
      outcome: ItemOutcome.Rejected,
      reason: { code: '1036', message: 'Duplicate in input' },
    });
    expect(readRecordResult({ id: 42, status: 'updated' }, TargetAction.Upsert)).toEqual({
      outcome: ItemOutcome.Updated,
      targetId: '42',
    });
  });
});

describe('lead endpoints', () => {
  it('upserts by email with createOrUpdate and the item key as email', () => {
    const body = endpoint('leads').upsert.toRequest([item('a@x.com', { firstName: 'A', email: 'A@X.COM' })], { ids: new Map() });
    expect(body).toEqual({ action: 'createOrUpdate', lookupField: 'email', input: [{ firstName: 'A', email: 'a@x.com' }] });
  });

  it('reads upsert results in input order (no seq)', () => {
    const items = [item('a@x.com'), item('b@x.com'), item('c@x.com')];
    const results = endpoint('leads').upsert.readResults(
      success([{ id: 50, status: 'created' }, { id: 51, status: 'updated' }, skipped('1006')]),
      items,
      { ids: new Map() },
    );
    expect(results).toEqual([
      { ref: 'ref-a@x.com', outcome: 'created', targetId: '50' },
      { ref: 'ref-b@x.com', outcome: 'updated', targetId: '51' },
      { ref: 'ref-c@x.com', outcome: 'rejected', reason: { code: '1006', message: 'reason 1006' } },
    ]);
  });

  it('marks items without a result as retry', () => {
    const results = endpoint('leads').upsert.readResults(success([{ id: 1, status: 'created' }]), [item('a@x.com'), item('b@x.com')], {
      ids: new Map(),
    });
    expect(results.map((result) => result.outcome)).toEqual(['created', 'retry']);
  });

  it('deletes by id, one entry per lead found, and combines duplicates per item', () => {
    const ids = new Map([
      ['a@x.com', ['10']],
      ['b@x.com', ['11', '12']],
    ]);
    const items = [item('A@x.com'), item('b@x.com')];
    const lead = endpoint('leads').delete;
    expect(lead.resolveIds).toBe(true);
    expect(lead.toRequest(items, { ids })).toEqual({ input: [{ id: 10 }, { id: 11 }, { id: 12 }] });
    const results = lead.readResults(
      success([{ id: 10, status: 'deleted' }, { id: 11, status: 'deleted' }, { id: 12, ...skipped('1004') }]),
      items,
      { ids },
    );
    expect(results).toEqual([
      { ref: 'ref-A@x.com', outcome: 'deleted', targetId: '10' },
      { ref: 'ref-b@x.com', outcome: 'deleted', targetId: '11' },
    ]);
  });
});

describe.each([
  ['companies', 'externalCompanyId'],
  ['salespersons', 'externalSalesPersonId'],
])('%s endpoints', (object, keyField) => {
  it('upserts with createOrUpdate by dedupe fields', () => {
    const body = endpoint(object).upsert.toRequest([item('K1', { name: 'One' })], { ids: new Map() });
    expect(endpoint(object).upsert.path).toBe(`/rest/v1/${object}.json`);
    expect(body).toEqual({ action: 'createOrUpdate', dedupeBy: 'dedupeFields', input: [{ name: 'One', [keyField]: 'K1' }] });
  });

  it('deletes by dedupe fields with only the key', () => {
    const body = endpoint(object).delete.toRequest([item('K1', { name: 'One' })], { ids: new Map() });
    expect(endpoint(object).delete.path).toBe(`/rest/v1/${object}/delete.json`);
    expect(body).toEqual({ deleteBy: 'dedupeFields', input: [{ [keyField]: 'K1' }] });
  });

  it('matches results by seq, whatever order they come in', () => {
    const items = [item('K0'), item('K1'), item('K2')];
    const results = endpoint(object).upsert.readResults(
      success([
        { seq: 2, id: 7, status: 'created' },
        { seq: 0, ...skipped('1036', 'Duplicate in input') },
        { seq: 1, id: 6, status: 'updated' },
      ]),
      items,
      { ids: new Map() },
    );
    expect(results).toEqual([
      { ref: 'ref-K0', outcome: 'rejected', reason: { code: '1036', message: 'Duplicate in input' } },
      { ref: 'ref-K1', outcome: 'updated', targetId: '6' },
      { ref: 'ref-K2', outcome: 'created', targetId: '7' },
    ]);
  });

  it('reads a delete of a missing record as not-found', () => {
    const results = endpoint(object).delete.readResults(
      success([{ seq: 0, ...skipped('1013', 'Record not found') }, { seq: 1, id: 3, status: 'deleted' }]),
      [item('gone'), item('here')],
      { ids: new Map() },
    );
    expect(results.map((result) => result.outcome)).toEqual(['not-found', 'deleted']);
  });
});
