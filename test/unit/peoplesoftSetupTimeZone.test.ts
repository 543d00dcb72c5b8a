import { describe, expect, it } from 'vitest';
import { loadConfig, validateConfig, type CustomerConfigInput } from '../../shared/config';
import { peoplesoftSetupReport } from '../../shared/cli/commands/peoplesoftSetup';

async function reportWith(timeZone: string, queryFormat?: 'iso' | 'local' | 'peoplesoft'): Promise<string> {
  const input = structuredClone(await loadConfig(new URL('../../customers/acme.yaml', import.meta.url).pathname)) as CustomerConfigInput;
  input.peoplesoft.systems!.hcm!.timeZone = timeZone;
  if (queryFormat) input.peoplesoft.entities.employees!.timestamp = { queryFormat };
  return peoplesoftSetupReport(validateConfig(input, 'test'));
}

describe('peoplesoft-setup on time zones', () => {
  it('tells the administrator that the default parameters are wall time in the database time zone, compared as they are', async () => {
    const report = await reportWith('America/Chicago');
    expect(report).toContain('updated_since / updated_before: wall time in America/Chicago, YYYY-MM-DDTHH:MM:SS without an offset (e.g. 2026-01-31T00:00:00), compared with LASTUPDDTTM as is.');
  });

  it("with ISO parameters, tells the administrator to convert the window's UTC instants to the database time zone", async () => {
    const report = await reportWith('America/Chicago', 'iso');
    expect(report).toContain('ISO-8601 UTC instants (e.g. 2026-01-31T06:00:00.000Z); convert them to America/Chicago if LASTUPDDTTM holds local time.');
  });

  it('writes the example in the zone of the database, UTC included', async () => {
    const report = await reportWith('UTC', 'peoplesoft');
    expect(report).toContain('wall time in UTC, YYYY-MM-DD-HH.MM.SS.ffffff (e.g. 2026-01-31-06.00.00.000000)');
  });
});
