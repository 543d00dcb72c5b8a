import { describe, expect, it } from 'vitest';
import { LocalScheduler } from '../../shared/local';
import { demoConfig } from '../support/factories';

describe('local scheduler', () => {
  it('fires each flow at its cron time in its time zone, once per firing', async () => {
    const config = demoConfig();
    let now = new Date('2026-11-23T11:00:00Z'); // Monday 05:00 in Chicago
    const fired: string[] = [];
    const scheduler = new LocalScheduler(config.flows, async (flow) => void fired.push(`${flow.name}@${now.toISOString()}`), () => now);
    scheduler.start(5);
    expect(scheduler.upcoming().map((u) => [u.flow, u.at.toISOString()])).toEqual([
      ['companies-to-marketo', '2026-11-24T11:00:00.000Z'], // 05:00 daily; the current minute has begun
      ['employees-to-marketo', '2026-11-23T11:30:00.000Z'], // 05:30 on weekdays
      ['vendors-to-marketo', '2026-11-24T10:15:00.000Z'], // 05:15 daily in New York
      ['companies-to-zoho', '2026-11-23T12:00:00.000Z'], // 06:00 daily
      ['employees-to-zoho', '2026-11-23T12:30:00.000Z'], // 06:30 on weekdays
      ['vendors-to-zoho', '2026-11-24T10:45:00.000Z'], // 05:45 daily in New York
      ['employees-to-mailchimp', '2026-11-23T11:45:00.000Z'], // 05:45 on weekdays
      ['contacts-to-mailchimp', '2026-11-23T11:50:00.000Z'], // 05:50 daily
      ['employees-to-zendesk', '2026-11-23T11:45:00.000Z'], // 05:45 on weekdays
      ['vendors-to-zendesk', '2026-11-24T10:15:00.000Z'], // 05:15 daily in New York
      ['vendors-to-procore', '2026-11-24T09:00:00.000Z'], // 04:00 daily in New York
      ['gl-accounts-to-procore', '2026-11-24T09:05:00.000Z'], // 04:05 daily in New York
      ['purchase-orders-to-procore', '2026-11-24T09:10:00.000Z'], // 04:10 daily in New York
    ]);
    now = new Date('2026-11-23T11:30:00Z');
    await new Promise((resolve) => setTimeout(resolve, 30));
    now = new Date('2026-11-23T11:30:30Z');
    await new Promise((resolve) => setTimeout(resolve, 30));
    scheduler.stop();
    expect(fired).toEqual(['employees-to-marketo@2026-11-23T11:30:00.000Z']);
  });
});
