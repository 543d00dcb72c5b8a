import { describe, expect, it } from 'vitest';
import { parseMarketoEnvelope, readDescribedFields } from '../../shared/connectors/marketo';

// Answers as Marketo documents them (Describe Lead, Describe Companies), shortened.
const describeLead = {
  requestId: '37ca#1475b74e276',
  success: true,
  result: [
    { id: 2, displayName: 'Company Name', dataType: 'string', length: 255, rest: { name: 'company', readOnly: false }, soap: { name: 'Company', readOnly: false } },
    { id: 3, displayName: 'Site', dataType: 'string', length: 255, rest: { name: 'site', readOnly: false }, soap: { name: 'Site', readOnly: false } },
    { id: 77, displayName: 'Email Address', dataType: 'email', length: 255, rest: { name: 'email', readOnly: false } },
    { id: 51, displayName: 'Id', dataType: 'integer', rest: { name: 'id', readOnly: true } },
  ],
};
const describeCompanies = {
  requestId: '5847#14d44113ad7',
  success: true,
  result: [
    {
      name: 'Company',
      description: 'Company object',
      createdAt: '2015-02-03T22:36:23Z',
      updatedAt: '2015-02-03T22:36:24Z',
      idField: 'id',
      dedupeFields: ['externalCompanyId'],
      searchableFields: [['externalCompanyId'], ['id'], ['company']],
      fields: [
        { name: 'externalCompanyId', displayName: 'External Company Id', dataType: 'string', length: 100, updateable: false },
        { name: 'id', displayName: 'Id', dataType: 'integer', updateable: false },
        { name: 'company', displayName: 'Company Name', dataType: 'string', length: 255, updateable: true },
      ],
    },
  ],
};

describe('readDescribedFields', () => {
  it.each([
    ['Describe Lead (one entry per field, REST name under rest.name)', describeLead, ['company', 'site', 'email', 'id']],
    ['Describe Companies (one object description with fields)', describeCompanies, ['externalCompanyId', 'id', 'company']],
  ])('reads the field API names of %s', (_, answer, fields) => {
    const parsed = parseMarketoEnvelope(JSON.stringify(answer));
    expect([...readDescribedFields(parsed!)]).toEqual(fields);
  });
});
