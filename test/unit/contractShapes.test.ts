import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateConfig } from '../../shared/config';
import { targetCatalog, targetKeyOf, type TargetCatalog } from '../../shared/connectors';
import { ConfigError } from '../../shared/errors';
import { applyMapping, payloadHash } from '../../shared/mapping';
import { toyTarget } from '../support/toyTarget';

const order = {
  BUSINESS_UNIT: 'US001',
  PO_ID: 'PO000123',
  VENDOR_ID: 'V100',
  LINES: [
    { LINE_NBR: 1, DESCR: 'Rebar', QTY: 40, PRICE: 12.5 },
    { LINE_NBR: 2, DESCR: '  ', QTY: 1, PRICE: 900 },
  ],
};

describe('nested payloads', () => {
  const mapping = {
    po: 'PO_ID',
    lines: { each: 'LINES', mapping: { number: 'LINE_NBR', description: 'DESCR', amount: { template: '{QTY} x {PRICE}' } } },
  };

  it('maps a list of child rows into a list of mapped children', () => {
    expect(applyMapping(order, mapping)).toEqual({
      po: 'PO000123',
      lines: [
        { number: 1, description: 'Rebar', amount: '40 x 12.5' },
        { number: 2, description: null, amount: '1 x 900' },
      ],
    });
  });

  it('clears the list when the source clears it, and leaves it alone when the record does not carry it', () => {
    expect(applyMapping({ ...order, LINES: null }, mapping).lines).toEqual([]);
    expect(applyMapping({ PO_ID: 'PO9' }, mapping)).toEqual({ po: 'PO9' });
  });

  it('changes the hash when one line changes', () => {
    const changed = { ...order, LINES: [order.LINES[0]!, { ...order.LINES[1]!, QTY: 2 }] };
    expect(payloadHash('upsert', applyMapping(changed, mapping))).not.toBe(payloadHash('upsert', applyMapping(order, mapping)));
  });
});

const composite = {
  name: 'orders',
  keyField: 'businessUnit',
  keyFields: ['businessUnit', 'poId'],
  actions: ['upsert', 'delete'] as const,
};

describe('composite keys', () => {
  it('joins the key fields in declared order and names the first empty one', () => {
    expect(targetKeyOf(composite, { poId: 'PO000123', businessUnit: 'US001', total: 1 })).toEqual({
      key: 'US001|PO000123',
      fields: { businessUnit: 'US001', poId: 'PO000123' },
    });
    expect(targetKeyOf(composite, { businessUnit: 'US001', poId: ' ' })).toEqual({ missing: 'poId' });
  });

  it('makes the config map every key field, naming the one left out', () => {
    const catalog: TargetCatalog = {
      ...targetCatalog,
      ledger: { ...toyTarget, declaration: { ...toyTarget.declaration, objects: { orders: composite } } },
    };
    const config = (mapping: string): unknown =>
      parse(`
customer: keys
alertEmail: ops@keys.example
peoplesoft:
  simulator: true
  baseUrl: https://fin.keys.example
  node: PSFT_EP
  auth: { kind: basic, secret: peoplesoft }
  entities:
    orders: { operation: ML_PO_GET, keyFields: [BUSINESS_UNIT, PO_ID] }
targets:
  ledger: { secret: ledger, workspace: keys }
flows:
  - name: orders-to-ledger
    source: orders
    target: ledger
    schedule: { cron: "0 6 * * ? *" }
    objects:
      - object: orders
        mapping: ${mapping}
`);
    expect(validateConfig(config('{ businessUnit: BUSINESS_UNIT, poId: PO_ID }'), 'keys.yaml', catalog).flows).toHaveLength(1);
    let issues: unknown;
    try {
      validateConfig(config('{ businessUnit: BUSINESS_UNIT }'), 'keys.yaml', catalog);
    } catch (error) {
      issues = (error as ConfigError).issues;
    }
    expect(issues).toEqual([{ field: 'flows[0].objects[0].mapping', message: 'must map the key field "poId" of ledger orders' }]);
  });
});
