import { describe, expect, it } from 'vitest';
import { applyMapping, payloadHash } from '../../shared/mapping';

const employee = { EMPLID: '100001', FIRST_NAME: 'Ada', LAST_NAME: 'Byron', EMAIL_ADDR: ' Ada@Example.COM ', PHONE: null };

describe('field mapping', () => {
  it.each([
    ['a source field', { firstName: 'FIRST_NAME' }, { firstName: 'Ada' }],
    ['a transform', { email: { from: 'EMAIL_ADDR', transform: 'lower' as const } }, { email: 'ada@example.com' }],
    ['a template', { name: { template: '{FIRST_NAME} {LAST_NAME}' } }, { name: 'Ada Byron' }],
    ['a constant', { leadSource: { value: 'PeopleSoft' } }, { leadSource: 'PeopleSoft' }],
    ['a default for a missing value', { phone: { from: 'PHONE', default: 'n/a' } }, { phone: 'n/a' }],
    ['a missing value, left out', { phone: 'PHONE', title: 'JOBTITLE' }, {}],
    ['an explicit null, kept to clear the field', { title: { value: null } }, { title: null }],
  ])('maps %s', (_case, mapping, expected) => {
    expect(applyMapping(employee, mapping)).toEqual(expected);
  });

  it('hashes payloads independently of key order, and differently per action', () => {
    expect(payloadHash('upsert', { a: 1, b: 'x' })).toBe(payloadHash('upsert', { b: 'x', a: 1 }));
    expect(payloadHash('upsert', { a: 1 })).not.toBe(payloadHash('delete', { a: 1 }));
    expect(payloadHash('upsert', { a: 1 })).not.toBe(payloadHash('upsert', { a: 2 }));
  });
});
