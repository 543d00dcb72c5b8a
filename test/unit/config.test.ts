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
    expect(config.flows.map((flow) => flow.maxReceiveCount)).toEqual([5, 5]);
  });

  it.each([
    ['an unknown key', demo.replace('lagSeconds: 0', 'lagSecond: 0'), 'peoplesoft.lagSecond'],
    ['a flow source that is not an entity', demo.replace('source: companies', 'source: vendors'), 'flows[0].source'],
    ['an object the target does not have', demo.replace('object: companies', 'object: opportunities'), 'flows[0].objects[0].object'],
    ['a mapping without the key field', demo.replace('externalCompanyId: COMPANY', 'companyId: COMPANY'), 'flows[0].objects[0].mapping'],
    ['a bad cron expression', demo.replace('"0 5 * * ? *"', '"0 5 * * *"'), 'flows[0].schedule.cron'],
    ['an unknown time zone', demo.replace('timeZone: America/Chicago }\n    objects:\n      - object: companies', 'timeZone: Mars/Olympus }\n    objects:\n      - object: companies'), 'flows[0].schedule.timeZone'],
    ['a batch size above the target limit', demo.replace('source: companies', 'source: companies\n    batchSize: 500'), 'flows[0].batchSize'],
    ['credentials in a URL', demo.replace('https://hr.demo.example:8443', 'https://ps:secret@hr.demo.example:8443'), 'peoplesoft.baseUrl'],
    ['a malformed Munchkin id', demo.replace('123-ABC-456', 'acme'), 'targets.marketo.munchkinId'],
  ])('rejects %s, naming the field', (_case, text, field) => {
    const error = errorOf(text);
    expect(error.issues.map((issue) => issue.field)).toContain(field);
    expect(error.message).toContain(field);
  });

  it('never repeats a credential embedded in a URL', () => {
    const error = errorOf(demo.replace('https://hr.demo.example:8443', 'https://ps:hunter2@hr.demo.example:8443'));
    expect(error.message).not.toContain('hunter2');
  });
});
