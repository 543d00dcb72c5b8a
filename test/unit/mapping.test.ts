import { describe, expect, it } from 'vitest';
import { customerConfigSchema } from '../../shared/config';
import { applyMapping, MappingRejectedError, payloadHash } from '../../shared/mapping';

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

describe('lookup mapping', () => {
  const directCost = { project_id: '42', cost_code: '01-100', amount: '250.00', lines: [{ cost_code: '02-200' }, { cost_code: '03-300' }] };
  const accounts = { '01-100': '610000', '02-200': '620000' };

  it('translates a value through the table and keeps a matched value whatever the default', () => {
    expect(applyMapping(directCost, { ACCOUNT: { from: 'cost_code', lookup: accounts, default: '699999' }, DEPTID: { from: 'project_id', lookup: { '42': 'CC-NORTH' } } })).toEqual({
      ACCOUNT: '610000',
      DEPTID: 'CC-NORTH',
    });
  });

  it('gives an unmatched value the default when there is one', () => {
    expect(applyMapping({ cost_code: '09-999' }, { ACCOUNT: { from: 'cost_code', lookup: accounts, default: '699999' } })).toEqual({ ACCOUNT: '699999' });
  });

  it('rejects a record whose value has no entry and no default, naming the field and the value', () => {
    const attempt = (): unknown => applyMapping({ cost_code: '09-999' }, { ACCOUNT: { from: 'cost_code', lookup: accounts } });
    expect(attempt).toThrow(MappingRejectedError);
    expect(attempt).toThrow('ACCOUNT: cost_code "09-999" has no entry in the lookup');
  });

  it('rejects the whole record when one nested line has an unmapped value', () => {
    const mapping = { JRNL_LN: { each: 'lines', mapping: { ACCOUNT: { from: 'cost_code', lookup: accounts } } } };
    expect(() => applyMapping(directCost, mapping)).toThrow('ACCOUNT: cost_code "03-300" has no entry in the lookup');
    expect(applyMapping({ lines: [{ cost_code: '02-200' }] }, mapping)).toEqual({ JRNL_LN: [{ ACCOUNT: '620000' }] });
  });

  it('leaves a field the record does not carry alone, and clears one it carries empty', () => {
    expect(applyMapping({}, { ACCOUNT: { from: 'cost_code', lookup: accounts } })).toEqual({});
    expect(applyMapping({ cost_code: ' ' }, { ACCOUNT: { from: 'cost_code', lookup: accounts } })).toEqual({ ACCOUNT: null });
  });

  it('is accepted by the config schema, and a lookup with a stray key is refused', () => {
    const rules = customerConfigSchema.shape.flows.element.shape.objects.element.shape.mapping;
    expect(rules.safeParse({ ACCOUNT: { from: 'cost_code', lookup: { '01-100': '610000' }, default: '699999' } }).success).toBe(true);
    expect(rules.safeParse({ ACCOUNT: { from: 'cost_code', lookup: { '01-100': '610000' }, transform: 'trim' } }).success).toBe(false);
    expect(rules.safeParse({ ACCOUNT: { from: 'cost_code', lookup: { '01-100': ['610000'] } } }).success).toBe(false);
  });
});
