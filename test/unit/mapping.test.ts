import { describe, expect, it } from 'vitest';
import { applyMapping, payloadHash } from '../../shared/mapping';

const employee = { EMPLID: '100001', FIRST_NAME: 'Ada', LAST_NAME: 'Byron', EMAIL_ADDR: ' Ada@Example.COM ', PHONE: null, FAX: '   ' };

describe('field mapping', () => {
  it.each([
    ['a source field', { firstName: 'FIRST_NAME' }, { firstName: 'Ada' }],
    ['a transform', { email: { from: 'EMAIL_ADDR', transform: 'lower' as const } }, { email: 'ada@example.com' }],
    ['a template', { name: { template: '{FIRST_NAME} {LAST_NAME}' } }, { name: 'Ada Byron' }],
    ['a constant', { leadSource: { value: 'PeopleSoft' } }, { leadSource: 'PeopleSoft' }],
    ['a default for a missing value', { phone: { from: 'PHONE', default: 'n/a' } }, { phone: 'n/a' }],
    ['a field the record does not carry, left out', { title: 'JOBTITLE', dept: { from: 'DEPT_DESCR' } }, {}],
    ['a field the record carries empty, sent as null to clear it', { phone: 'PHONE', fax: { from: 'FAX', transform: 'trim' as const } }, { phone: null, fax: null }],
    ['a template whose fields are all empty, as null', { name: { template: '{PHONE} {FAX}' } }, { name: null }],
    ['a template over fields the record does not carry, left out', { name: { template: '{MIDDLE_NAME}' } }, {}],
    ['an explicit null, kept to clear the field', { title: { value: null } }, { title: null }],
  ])('maps %s', (_case, mapping, expected) => {
    expect(applyMapping(employee, mapping)).toEqual(expected);
  });

  it('hashes payloads independently of key order, and differently per action', () => {
    expect(payloadHash('upsert', { a: 1, b: 'x' })).toBe(payloadHash('upsert', { b: 'x', a: 1 }));
    expect(payloadHash('upsert', { a: 1 })).not.toBe(payloadHash('delete', { a: 1 }));
    expect(payloadHash('upsert', { a: 1 })).not.toBe(payloadHash('upsert', { a: 2 }));
  });

  it('changes the hash when a value is cleared, and hashes a clear like a field never sent', () => {
    expect(payloadHash('upsert', { a: 1, title: null })).not.toBe(payloadHash('upsert', { a: 1, title: 'Analyst' }));
    expect(payloadHash('upsert', { a: 1, title: null })).toBe(payloadHash('upsert', { a: 1 }));
  });
});
