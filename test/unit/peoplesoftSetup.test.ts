import { describe, expect, it } from 'vitest';
import { loadConfig, validateConfig, type CustomerConfig, type CustomerConfigInput } from '../../shared/config';
import { peoplesoftSetupReport, serviceOperationRequirements } from '../../shared/cli/commands/peoplesoftSetup';

const acme = (): Promise<CustomerConfig> => loadConfig(new URL('../../customers/acme.yaml', import.meta.url).pathname);

async function acmeWith(change: (input: CustomerConfigInput) => void): Promise<CustomerConfig> {
  const input = structuredClone(await acme()) as CustomerConfigInput;
  change(input);
  return validateConfig(input, 'test');
}

describe('peoplesoft-setup', () => {
  it('lists one REST GET service operation per entity the flows read, with name.version and the URI template', async () => {
    const operations = serviceOperationRequirements(await acme());
    expect(operations.map((op) => [op.operation, op.method, op.flows])).toEqual([
      ['ML_EMPLOYEES_GET.v1', 'GET', ['employees-to-marketo']],
      ['ML_COMPANIES_GET.v1', 'GET', ['companies-to-marketo']],
    ]);
    expect(operations[0]!.uriTemplate).toBe('?updated_since={updated_since}&updated_before={updated_before}&page={page}&rows={rows}');
    expect(operations[0]!.exampleUrl).toMatch(
      /^https:\/\/hr\.acme\.example:8443\/PSIGW\/RESTListeningConnector\/PSFT_HR\/ML_EMPLOYEES_GET\.v1\?updated_since=.*&rows=1000$/,
    );
  });

  it('uses the query parameter names, version and node the config declares', async () => {
    const config = await acmeWith((input) => {
      input.peoplesoft.node = 'PSFT_EP';
      const employees = input.peoplesoft.entities.employees!;
      employees.version = 3;
      employees.params = { since: 'from_dttm', until: 'to_dttm', page: 'pg', pageSize: 'size' };
    });
    const [employees] = serviceOperationRequirements(config);
    expect(employees!.operation).toBe('ML_EMPLOYEES_GET.v3');
    expect(employees!.uriTemplate).toBe('?from_dttm={from_dttm}&to_dttm={to_dttm}&pg={pg}&size={size}');
    expect(employees!.exampleUrl).toContain('/RESTListeningConnector/PSFT_EP/ML_EMPLOYEES_GET.v3?from_dttm=');
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
  });

  it('prints the node, the permission list entries and the web-service access for basic auth', async () => {
    const report = peoplesoftSetupReport(await acme());
    expect(report).toContain('node PSFT_HR');
    expect(report).toContain('Allow HTTPS to hr.acme.example:8443 from the Elastic IP(s) in the stack output EgressIps');
    expect(report).toMatch(/Permission list .*Web Services tab, Full Access to:\n\s+ML_EMPLOYEES_GET\.v1\n\s+ML_COMPANIES_GET\.v1\n/);
    expect(report).toContain('Req Verification: Basic Authentication and SSL');
    expect(report).toContain('ml-connector secrets set --system peoplesoft');
  });

  it('explains the OAuth 2.0 mapping instead when PeopleSoft uses bearer tokens', async () => {
    const config = await acmeWith((input) => {
      input.peoplesoft.auth = { kind: 'oauth2', secret: 'peoplesoft-oauth', tokenUrl: 'https://idp.acme.example/oauth2/token', scope: 'psft' };
    });
    const report = peoplesoftSetupReport(config);
    expect(report).toContain('OAuth2 Administration');
    expect(report).toContain('OAuth 2.0 bearer tokens from https://idp.acme.example/oauth2/token (scope psft)');
    expect(report).not.toContain('Basic Authentication');
  });
});
