import { describe, expect, it } from 'vitest';
import { loadConfig, validateConfig, type CustomerConfigInput } from '../../shared/config';
import { peoplesoftSetupReport } from '../../shared/cli/commands/peoplesoftSetup';

async function reportWithZone(timeZone: string): Promise<string> {
  const input = structuredClone(await loadConfig(new URL('../../customers/acme.yaml', import.meta.url).pathname)) as CustomerConfigInput;
  input.peoplesoft.timeZone = timeZone;
  return peoplesoftSetupReport(validateConfig(input, 'test'));
}

describe('peoplesoft-setup on time zones', () => {
  it("tells the administrator to convert the window's UTC instants to the database time zone", async () => {
    const report = await reportWithZone('America/Chicago');
    expect(report).toContain('convert both to the database time zone America/Chicago (peoplesoft.timeZone) before comparing them with LASTUPDDTTM');
  });

  it('with a UTC database, says the instants compare as they are and where to set a local zone', async () => {
    const report = await reportWithZone('UTC');
    expect(report).toContain('compare them with LASTUPDDTTM as UTC; if the database stores local time, set peoplesoft.timeZone to its zone first');
    expect(report).not.toContain('convert both');
  });
});
