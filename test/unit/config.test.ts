import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig, peopleSoftSystemOf } from '../../shared/config';
import { ConfigError } from '../../shared/errors';

const demo = readFileSync(new URL('../../customers/demo.yaml', import.meta.url), 'utf8');

function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, 'test.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('config was accepted');
}

describe('customer config', () => {
  it('accepts the demo config and fills in the defaults', () => {
    const config = parseConfig(demo, 'demo.yaml');
    expect(peopleSoftSystemOf(config, 'employees').overlapSeconds).toBe(300);
    expect(config.peoplesoft.entities.employees!.params.since).toBe('updated_since');
    expect(config.targets.marketo!.pacing).toEqual({ callsPer20s: 100, concurrency: 10 });
    expect(config.flows.map((flow) => flow.maxReceiveCount)).toEqual(config.flows.map(() => 5));
  });

  it.each([
    ['an unknown key', demo.replace('lagSeconds: 0', 'lagSecond: 0'), 'peoplesoft.systems.hcm.lagSecond'],
    ['a flow source that is not an entity', demo.replace('source: companies', 'source: suppliers'), 'flows[0].source'],
    ['an entity without its system when there are several', demo.replace('    vendors: { system: financials }', '    vendors: {}'), 'peoplesoft.entities.vendors.system'],
    ['an entity served by an unknown system', demo.replace('    vendors: { system: financials }', '    vendors: { system: fscm }'), 'peoplesoft.entities.vendors.system'],
    ['an unknown query timestamp form', demo.replace('      pageSize: 1000', '      pageSize: 1000\n      timestamp: { queryFormat: utc }'), 'peoplesoft.entities.employees.timestamp.queryFormat'],
    ['a system setting next to peoplesoft.systems', demo.replace('  systems:\n', '  node: PSFT_HR\n  systems:\n'), 'peoplesoft.node'],
    ['an object the target does not have', demo.replace('object: companies', 'object: opportunities'), 'flows[0].objects[0].object'],
    ['a mapping without the key field', demo.replace('externalCompanyId: COMPANY', 'companyId: COMPANY'), 'flows[0].objects[0].mapping'],
    ['a bad cron expression', demo.replace('"0 5 * * ? *"', '"0 5 * * *"'), 'flows[0].schedule.cron'],
    ['an unknown time zone', demo.replace('timeZone: America/Chicago }\n    objects:\n      - object: companies', 'timeZone: Mars/Olympus }\n    objects:\n      - object: companies'), 'flows[0].schedule.timeZone'],
    ['a batch size above the target limit', demo.replace('source: companies', 'source: companies\n    batchSize: 500'), 'flows[0].batchSize'],
    ['credentials in a URL', demo.replace('https://hr.demo.example:8443', 'https://ps:secret@hr.demo.example:8443'), 'peoplesoft.systems.hcm.baseUrl'],
    ['a polled flow without a source entity', demo.replace('    source: companies\n', ''), 'flows[0].source'],
    ['a skip rule with two tests', demo.replace('source: companies', 'source: companies\n    skipWhen: [{ field: ORIGIN, present: true, startsWith: X, because: echo }]'), 'flows[0].skipWhen[0]'],
    ['a malformed Munchkin id', demo.replace('123-ABC-456', 'acme'), 'targets.marketo.munchkinId'],
  ])('rejects %s, naming the field', (_case, text, field) => {
    const error = errorOf(text);
    expect(error.issues.map((issue) => issue.field)).toContain(field);
    expect(error.message).toContain(field);
  });

  it('names each PeopleSoft system once and tells per entity which one serves it, with the known entities\' defaults', () => {
    const config = parseConfig(demo, 'demo.yaml');
    expect(Object.keys(config.peoplesoft.systems)).toEqual(['hcm', 'financials']);
    expect(peopleSoftSystemOf(config, 'employees')).toMatchObject({ name: 'hcm', node: 'PSFT_HR', timeZone: 'America/Chicago', field: 'peoplesoft.systems.hcm' });
    expect(peopleSoftSystemOf(config, 'vendors')).toMatchObject({ name: 'financials', node: 'PSFT_EP', timeZone: 'America/New_York' });
    const { entities } = config.peoplesoft;
    expect(entities.vendors).toMatchObject({ operation: 'ML_VENDORS_GET', keyFields: ['SETID', 'VENDOR_ID'], timestamp: { queryFormat: 'local' } });
    expect(entities['purchase-orders']).toMatchObject({ keyFields: ['BUSINESS_UNIT', 'PO_ID'] });
    expect(entities['gl-accounts']!.effectiveDated).toEqual({ dateField: 'EFFDT', statusField: 'EFF_STATUS', inactiveValues: ['I'] });
    expect(entities['customer-contacts']!.explode).toEqual({ field: 'CONTACTS', keyFields: ['CNTCT_SEQ_NUM'] });
  });

  it('still reads the single-system shape as one system named peoplesoft, with messages naming its fields', () => {
    const single = [
      'customer: solo',
      'alertEmail: ops@solo.example',
      'peoplesoft:',
      '  baseUrl: https://hr.solo.example',
      '  node: PSFT_HR',
      '  auth: { kind: basic, secret: peoplesoft }',
      '  timeZone: Europe/Berlin',
      '  entities:',
      '    employees: {}',
      'targets:',
      '  marketo: { munchkinId: 123-ABC-456, secret: marketo }',
      'flows:',
      '  - name: employees-to-marketo',
      '    source: employees',
      '    target: marketo',
      '    schedule: { cron: "0 5 * * ? *" }',
      '    objects: [{ object: leads, mapping: { email: EMAIL_ADDR } }]',
      '',
    ].join('\n');
    const config = parseConfig(single, 'solo.yaml');
    expect(peopleSoftSystemOf(config, 'employees')).toMatchObject({ name: 'peoplesoft', field: 'peoplesoft', timeZone: 'Europe/Berlin' });
    expect(errorOf(single.replace('https://hr.solo.example', 'ftp://hr.solo.example')).issues.map((issue) => issue.field)).toContain('peoplesoft.baseUrl');
  });

  it('never repeats a credential embedded in a URL', () => {
    const error = errorOf(demo.replace('https://hr.demo.example:8443', 'https://ps:hunter2@hr.demo.example:8443'));
    expect(error.message).not.toContain('hunter2');
  });
});
