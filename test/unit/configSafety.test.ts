import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config';
import { ConfigError } from '../../shared/errors';
import { demoYamlHcmOnly } from '../support/factories';

const demo = readFileSync(new URL('../../customers/demo.yaml', import.meta.url), 'utf8');
// The demo with its HCM system alone (secret `peoplesoft`, UTC): one PeopleSoft to point elsewhere.
const hcmOnly = demoYamlHcmOnly();

/** The demo config with PeopleSoft and Marketo as real systems (simulators off) at these URLs. */
function realSystems(peoplesoft: string, marketo = 'https://123-ABC-456.mktorest.com', extra: (yaml: string) => string = (y) => y): string {
  return extra(
    hcmOnly
      .replace(/simulator: true\n/g, 'simulator: false\n')
      .replace('https://hr.demo.example:8443', peoplesoft)
      .replace('secret: marketo', `secret: marketo\n    baseUrl: ${marketo}`),
  );
}

function issuesOf(text: string): ConfigError {
  try {
    parseConfig(text, 'test.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('config was accepted');
}

const companiesSchedule = 'timeZone: America/Chicago }\n    objects:\n      - object: companies';
const withScheduleZone = (zone: string): string => demo.replace(companiesSchedule, companiesSchedule.replace('America/Chicago', zone));

describe('configs the runtime would refuse, or that are unsafe', () => {
  it.each([
    ['PeopleSoft basic auth over http://', realSystems('http://hr.acme.example:8000'), 'peoplesoft.systems.hcm.baseUrl', /http:\/\/ would send the PeopleSoft credentials in cleartext.*peoplesoft\.systems\.hcm\.allowCleartextCredentials: true/],
    ['a target over http://', realSystems('https://hr.acme.example', 'http://mkto.acme.example'), 'targets.marketo.baseUrl', /marketo credentials in cleartext.*targets\.marketo\.allowCleartextCredentials/],
    [
      'an OAuth token URL over http://',
      realSystems('https://hr.acme.example', undefined, (y) => y.replace('auth: { kind: basic, secret: peoplesoft }', 'auth: { kind: oauth2, secret: peoplesoft, tokenUrl: "http://login.acme.example/token" }')),
      'peoplesoft.systems.hcm.auth.tokenUrl',
      /cleartext/,
    ],
    ['a private address without network: private', realSystems('https://10.1.2.3:8443'), 'peoplesoft.systems.hcm.baseUrl', /10\.1\.2\.3 is refused: private addresses need `network: private`/],
    ['a private IPv6 address without network: private', realSystems('https://[fd12::5]:8443'), 'peoplesoft.systems.hcm.baseUrl', /private addresses need `network: private`/],
    ['the metadata address, even on a private network', realSystems('https://169.254.169.254', undefined, (y) => y.replace('node: PSFT_HR', 'node: PSFT_HR\n      network: private')), 'peoplesoft.systems.hcm.baseUrl', /link-local and metadata addresses are never called/],
    ['the metadata host name', realSystems('https://hr.acme.example', 'https://instance-data'), 'targets.marketo.baseUrl', /metadata/],
    ['a lower-case zone alias', withScheduleZone('us/central'), 'flows[0].schedule.timeZone', /"us\/central" is not a canonical IANA time zone name; use "America\/Chicago"/],
    ['EST, which has no daylight saving', withScheduleZone('EST'), 'flows[0].schedule.timeZone', /"EST" is a fixed offset without daylight saving.*use "America\/New_York"/],
    ['a deprecated link as the database zone', hcmOnly.replace('lagSeconds: 0', 'lagSeconds: 0\n      timeZone: US/Pacific'), 'peoplesoft.systems.hcm.timeZone', /use "America\/Los_Angeles"/],
    ['a misspelt zone', withScheduleZone('America/Chicgo'), 'flows[0].schedule.timeZone', /use "America\/Chicago"/],
    ['a bad transform', demo.replace('transform: lower }\n          email', 'transform: title }\n          email'), 'flows[1].objects[0].mapping.externalSalesPersonId.transform', /must be one of "trim", "lower", "upper"/],
    ['a mapping of the wrong shape', demo.replace('company: DESCR', 'company: { form: DESCR }'), 'flows[0].objects[0].mapping.company', /must be a source field name, \{ from: FIELD, transform: trim \| lower \| upper/],
    ['a bad onDeactivate', demo.replace('onDeactivate: delete', 'onDeactivate: remove'), 'flows[1].objects[0].onDeactivate', /must be one of "delete", "upsert", "ignore"/],
  ])('refuses %s, naming the field and what to do', (_case, text, field, message) => {
    const error = issuesOf(text);
    const issue = error.issues.find((candidate) => candidate.field === field);
    expect(issue, error.message).toBeDefined();
    expect(issue!.message).toMatch(message);
  });

  it.each([
    ['http:// to a simulator on this machine', realSystems('http://127.0.0.1:8000', 'http://localhost:9000')],
    ['http:// with the explicit opt-in', realSystems('http://hr.acme.example:8000', undefined, (y) => y.replace('node: PSFT_HR', 'node: PSFT_HR\n      allowCleartextCredentials: true'))],
    ['a private address with network: private', realSystems('https://10.1.2.3:8443', undefined, (y) => y.replace('node: PSFT_HR', 'node: PSFT_HR\n      network: private'))],
    ['a canonical zone ICU spells differently', withScheduleZone('Asia/Kolkata')],
    ['UTC', withScheduleZone('UTC')],
    ['an Etc offset zone', withScheduleZone('Etc/GMT+5')],
  ])('accepts %s', (_case, text) => {
    expect(() => parseConfig(text, 'test.yaml')).not.toThrow();
  });

  it.each([
    ['a nested mapping in a compact one', demo.replace('node: PSFT_HR', 'node: PSFT_HR: x'), 'line 14, column 13', 'Nested mappings are not allowed in compact mappings'],
    ['a misindented key', demo.replace('      node: PSFT_HR', '     node: PSFT_HR'), 'line 14, column 1', 'All mapping items must start at the same column'],
  ])('reports YAML syntax (%s) as one line with line and column', (_case, text, field, message) => {
    const error = issuesOf(text);
    expect(error.issues).toEqual([{ field, message }]);
    expect(error.message).toBe(`Invalid config test.yaml:\n  - ${field}: ${message}`);
  });
});
