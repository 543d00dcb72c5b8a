import { describe, expect, it } from 'vitest';
import { customerConfigSchema } from '../../shared/config/schema';
import type { PeopleSoftEntityConfig } from '../../shared/config/schema';
import { validateRecord } from '../../shared/peoplesoft';

/** An entity declaration as the config schema completes it. */
function entity(input: Record<string, unknown> = {}): PeopleSoftEntityConfig {
  return customerConfigSchema.shape.peoplesoft.parse({
    baseUrl: 'https://hr.example.com',
    node: 'PSFT_HR',
    auth: { kind: 'basic', secret: 'peoplesoft' },
    entities: {
      employees: {
        operation: 'ML_EMPLOYEES_GET',
        keyFields: ['EMPLID'],
        lifecycle: {},
        fields: {
          EMAIL_ADDR: { type: 'email', required: true, maxLength: 70 },
          FIRST_NAME: { type: 'string', required: true, maxLength: 30 },
          HIRE_DT: { type: 'date' },
          ACTION_DTTM: { type: 'datetime' },
          STD_HOURS: { type: 'number' },
        },
        ...input,
      },
    },
  }).entities.employees!;
}

function row(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    EMPLID: '100001',
    FIRST_NAME: 'Ada',
    LAST_NAME: 'Lovelace',
    EMAIL_ADDR: 'ada.lovelace@example.com',
    EMPL_STATUS: 'A',
    ACTION: 'HIR',
    HIRE_DT: '2024-05-01',
    LASTUPDDTTM: '2024-05-01T10:20:30Z',
    ...overrides,
  };
}

describe('validateRecord accepts', () => {
  it('a complete row, with its id, UTC timestamp and lifecycle', () => {
    const record = row();
    expect(validateRecord(record, entity(), 'UTC')).toEqual({
      kind: 'record',
      id: '100001',
      record,
      updatedAt: '2024-05-01T10:20:30.000Z',
      operation: 'upsert',
      lifecycle: 'hire',
    });
  });

  it('a terminated employee as a deactivation', () => {
    expect(validateRecord(row({ EMPL_STATUS: 'T', ACTION: 'TER' }), entity(), 'UTC')).toMatchObject({
      kind: 'record',
      operation: 'deactivate',
      lifecycle: 'termination',
    });
  });

  it('rows of an entity without lifecycle rules as plain upserts', () => {
    const item = validateRecord(row({ EMPL_STATUS: 'T' }), entity({ lifecycle: undefined }), 'UTC');
    expect(item).toMatchObject({ kind: 'record', operation: 'upsert' });
    expect(item).not.toHaveProperty('lifecycle');
  });

  it('composite keys joined with | and trimmed of CHAR padding', () => {
    const item = validateRecord(row({ SETID: 'SHARE ', VENDOR_ID: 123 }), entity({ keyFields: ['SETID', 'VENDOR_ID'] }), 'UTC');
    expect(item).toMatchObject({ kind: 'record', id: 'SHARE|123' });
  });

  it('PeopleSoft timestamps read in the database time zone', () => {
    const item = validateRecord(
      row({ LASTUPDDTTM: '2024-07-01-09.15.00.250000' }),
      entity({ timestamp: { field: 'LASTUPDDTTM', format: 'peoplesoft' } }),
      'America/Chicago',
    );
    expect(item).toMatchObject({ kind: 'record', updatedAt: '2024-07-01T14:15:00.250Z' });
  });

  it.each([
    ['an optional date left empty', { HIRE_DT: '' }],
    ['an optional date left null', { HIRE_DT: null }],
    ['a datetime in ISO form', { ACTION_DTTM: '2024-05-01T10:00:00-05:00' }],
    ['a datetime in PeopleSoft form', { ACTION_DTTM: '2024-05-01-10.00.00.000000' }],
    ['a number', { STD_HOURS: 40 }],
    ['a number written as text', { STD_HOURS: ' 37.5 ' }],
    ['an e-mail padded with blanks', { EMAIL_ADDR: 'ada@example.com   ' }],
    ['an e-mail with plus and subdomain', { EMAIL_ADDR: 'ada+hr@mail.example.co.uk' }],
  ])('%s', (_, overrides) => {
    expect(validateRecord(row(overrides), entity(), 'UTC').kind).toBe('record');
  });
});

describe('validateRecord rejects, naming the field and the reason', () => {
  const cases: ReadonlyArray<[string, Record<string, unknown>, string, string, string | undefined]> = [
    // [case, overrides, field, reason, id]
    ['a missing key', { EMPLID: undefined }, 'EMPLID', 'EMPLID: key field is missing or empty', undefined],
    ['a blank key', { EMPLID: '   ' }, 'EMPLID', 'EMPLID: key field is missing or empty', undefined],
    ['a key that is an object', { EMPLID: { id: 1 } }, 'EMPLID', 'EMPLID: key field must be text or a number, got an object', undefined],
    ['a missing timestamp', { LASTUPDDTTM: null }, 'LASTUPDDTTM', 'LASTUPDDTTM: timestamp is missing', '100001'],
    [
      'an unparseable timestamp',
      { LASTUPDDTTM: 'last tuesday' },
      'LASTUPDDTTM',
      'LASTUPDDTTM: unparseable timestamp "last tuesday" (expected ISO-8601)',
      '100001',
    ],
    ['an invalid e-mail', { EMAIL_ADDR: 'bob@@x' }, 'EMAIL_ADDR', 'EMAIL_ADDR: invalid email "bob@@x"', '100001'],
    ['an e-mail without a domain', { EMAIL_ADDR: 'bob@localhost' }, 'EMAIL_ADDR', 'EMAIL_ADDR: invalid email "bob@localhost"', '100001'],
    ['an e-mail with a space', { EMAIL_ADDR: 'bob smith@x.com' }, 'EMAIL_ADDR', 'EMAIL_ADDR: invalid email "bob smith@x.com"', '100001'],
    ['a required field left empty', { EMAIL_ADDR: '' }, 'EMAIL_ADDR', 'EMAIL_ADDR: required but missing', '100001'],
    ['a required field absent', { FIRST_NAME: undefined }, 'FIRST_NAME', 'FIRST_NAME: required but missing', '100001'],
    ['text that is too long', { FIRST_NAME: 'A'.repeat(31) }, 'FIRST_NAME', 'FIRST_NAME: longer than 30 characters (31)', '100001'],
    ['a number where text belongs', { FIRST_NAME: 42 }, 'FIRST_NAME', 'FIRST_NAME: expected text, got number 42', '100001'],
    ['an impossible date', { HIRE_DT: '2023-02-29' }, 'HIRE_DT', 'HIRE_DT: invalid date "2023-02-29" (expected YYYY-MM-DD)', '100001'],
    [
      'an unreadable datetime',
      { ACTION_DTTM: '05/01/2024' },
      'ACTION_DTTM',
      'ACTION_DTTM: invalid date-time "05/01/2024" (expected ISO-8601 or YYYY-MM-DD-HH.MM.SS.ffffff)',
      '100001',
    ],
    ['text where a number belongs', { STD_HOURS: 'forty' }, 'STD_HOURS', 'STD_HOURS: not a number: "forty"', '100001'],
  ];

  it.each(cases)('%s', (_, overrides, field, reason, id) => {
    const record = row(overrides);
    const item = validateRecord(record, entity(), 'UTC');
    expect(item).toEqual({ kind: 'rejected', field, reason, record, ...(id === undefined ? {} : { id }) });
  });

  it('a row that is not an object', () => {
    expect(validateRecord('100001', entity(), 'UTC')).toEqual({
      kind: 'rejected',
      field: '(record)',
      reason: '(record): expected a JSON object, got "100001"',
      record: '100001',
    });
  });

  it('a timestamp in the other format than the configured one', () => {
    const item = validateRecord(row({ LASTUPDDTTM: '2024-05-01T10:20:30Z' }), entity({ timestamp: { format: 'peoplesoft' } }), 'UTC');
    expect(item).toMatchObject({
      kind: 'rejected',
      reason: 'LASTUPDDTTM: unparseable timestamp "2024-05-01T10:20:30Z" (expected YYYY-MM-DD-HH.MM.SS.ffffff)',
    });
  });

  it('quoting at most 80 characters of a long value', () => {
    const item = validateRecord(row({ EMAIL_ADDR: `${'x'.repeat(200)}@@example.com` }), entity(), 'UTC');
    expect(item.kind === 'rejected' && item.reason.length).toBeLessThan(120);
  });
});
