import { describe, expect, it } from 'vitest';
import { loadConfig, validateConfig, type CustomerConfig, type CustomerConfigInput } from '../../shared/config';
import { peoplesoftSetupReport, serviceOperationRequirements } from '../../shared/cli/commands/peoplesoftSetup';

const acmeOnly = (): Promise<CustomerConfig> => loadConfig(new URL('../../customers/acme.yaml', import.meta.url).pathname);

/** Acme with a flow from its Financials system too (vendors → Marketo companies). */
async function acme(): Promise<CustomerConfig> {
  const input = structuredClone(await acmeOnly()) as CustomerConfigInput;
  input.flows.push({
    name: 'vendors-to-marketo',
    source: 'vendors',
    target: 'marketo',
    schedule: { cron: '15 5 * * ? *' },
    objects: [{ object: 'companies', mapping: { externalCompanyId: { template: 'VENDOR-{SETID}-{VENDOR_ID}' }, company: 'NAME1' } }],
  });
  return validateConfig(input, 'test');
}

async function acmeWith(change: (input: CustomerConfigInput) => void): Promise<CustomerConfig> {
  const input = structuredClone(await acme()) as CustomerConfigInput;
  change(input);
  return validateConfig(input, 'test');
}

describe('peoplesoft-setup', () => {
  it('lists one REST GET service operation per entity the flows read, with name.version and the URI template', async () => {
    const operations = serviceOperationRequirements(await acme());
    expect(operations.map((op) => [op.system, op.operation, op.method, op.flows])).toEqual([
      ['hcm', 'ML_EMPLOYEES_GET.v1', 'GET', ['employees-to-marketo']],
      ['hcm', 'ML_COMPANIES_GET.v1', 'GET', ['companies-to-marketo']],
      ['financials', 'ML_VENDORS_GET.v1', 'GET', ['vendors-to-marketo']],
    ]);
    expect(operations[0]!.uriTemplate).toBe('?updated_since={updated_since}&updated_before={updated_before}&page={page}&rows={rows}');
    expect(operations[0]!.exampleUrl).toMatch(
      /^https:\/\/hr\.acme\.example:8443\/PSIGW\/RESTListeningConnector\/PSFT_HR\/ML_EMPLOYEES_GET\.v1\?updated_since=.*&rows=1000$/,
    );
    // Each operation's example asks in its configured form, in its system's time zone.
    expect(operations[0]!.exampleUrl).toContain('updated_since=2026-01-31T00:00:00&updated_before=2026-02-01T00:00:00');
    expect(operations[2]!.exampleUrl).toContain('fscm.acme.example:443/PSIGW/RESTListeningConnector/PSFT_EP/ML_VENDORS_GET.v1?updated_since=2026-01-31-01.00.00.000000');
  });

  it('uses the query parameter names, version and node the config declares', async () => {
    const config = await acmeWith((input) => {
      input.peoplesoft.systems!.hcm!.node = 'PSFT_HX';
      const employees = input.peoplesoft.entities.employees!;
      employees.version = 3;
      employees.params = { since: 'from_dttm', until: 'to_dttm', page: 'pg', pageSize: 'size' };
    });
    const [employees] = serviceOperationRequirements(config);
    expect(employees!.operation).toBe('ML_EMPLOYEES_GET.v3');
    expect(employees!.uriTemplate).toBe('?from_dttm={from_dttm}&to_dttm={to_dttm}&pg={pg}&size={size}');
    expect(employees!.exampleUrl).toContain('/RESTListeningConnector/PSFT_HX/ML_EMPLOYEES_GET.v3?from_dttm=');
  });

  it('names every source field the flows read, including templates, keys, timestamp and lifecycle fields', async () => {
    const config = await acmeWith((input) => {
      input.flows[0]!.objects[1]!.mapping.fullName = { template: '{FIRST_NAME} {MIDDLE_NAME} {LAST_NAME}' };
    });
    const [employees] = serviceOperationRequirements(config);
    expect(employees!.fields).toEqual(expect.arrayContaining(['EMPLID', 'LASTUPDDTTM', 'EMAIL_ADDR', 'MIDDLE_NAME', 'EMPL_STATUS', 'ACTION']));
    expect(new Set(employees!.fields).size).toBe(employees!.fields.length);
  });

  it('only lists entities a flow reads', async () => {
    const config = await acmeWith((input) => {
      input.flows = input.flows.filter((flow) => flow.source === 'employees');
    });
    expect(serviceOperationRequirements(config).map((op) => op.entity)).toEqual(['employees']);
    expect(peoplesoftSetupReport(config)).not.toContain('ML_COMPANIES_GET');
    // A system no flow reads needs nothing from its administrator.
    expect(peoplesoftSetupReport(config)).not.toContain('PSFT_EP');
  });

  it('prints the node, the permission list entries and the web-service access for basic auth', async () => {
    const report = peoplesoftSetupReport(await acme());
    const [hcm, financials] = report.split('== PeopleSoft financials');
    expect(hcm).toContain('== PeopleSoft hcm: https://hr.acme.example:8443, node PSFT_HR');
    expect(hcm).toContain('Allow HTTPS to hr.acme.example:8443 from the Elastic IP(s) in the stack output EgressIps');
    expect(hcm).toMatch(/Permission list .*Web Services tab, Full Access to:\n\s+ML_EMPLOYEES_GET\.v1\n\s+ML_COMPANIES_GET\.v1\n/);
    expect(hcm).toContain('Req Verification: Basic Authentication and SSL');
    expect(hcm).toContain('ml-connector secrets set --system peoplesoft.hcm');
    expect(hcm).toContain('wall time in America/Chicago, YYYY-MM-DDTHH:MM:SS');
    // The Financials administrator gets their own list: other host, node, operations and secret.
    expect(financials).toContain('Allow HTTPS to fscm.acme.example:443');
    expect(financials).toContain('PSFT_EP: the default local node');
    expect(financials).toMatch(/Full Access to:\n\s+ML_VENDORS_GET\.v1\n\s+- A role/);
    expect(financials).toContain('ml-connector secrets set --system peoplesoft.financials');
    expect(financials).toContain('YYYY-MM-DD-HH.MM.SS.ffffff (e.g. 2026-01-31-01.00.00.000000)');
    expect(financials).not.toContain('ML_EMPLOYEES_GET');
  });

  it('explains the OAuth 2.0 mapping instead when PeopleSoft uses bearer tokens', async () => {
    const config = await acmeWith((input) => {
      input.peoplesoft.systems!.hcm!.auth = { kind: 'oauth2', secret: 'peoplesoft-oauth', tokenUrl: 'https://idp.acme.example/oauth2/token', scope: 'psft' };
      input.flows = input.flows.filter((flow) => flow.source !== 'vendors');
    });
    const report = peoplesoftSetupReport(config);
    expect(report).toContain('OAuth2 Administration');
    expect(report).toContain('OAuth 2.0 bearer tokens from https://idp.acme.example/oauth2/token (scope psft)');
    expect(report).not.toContain('Basic Authentication');
  });
});
