import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../shared/config';
import { ConfigError } from '../../shared/errors';
import { demoConfig } from '../support/factories';

/** The demo config with its zoho-changes source edited, validated again; the issues it raises. */
function issuesOf(edit: (source: Record<string, unknown>, input: Record<string, any>) => void): Array<{ field: string; message: string }> {
  const input = structuredClone(demoConfig()) as unknown as Record<string, any>;
  edit(input.pushed['zoho-changes'], input);
  try {
    validateConfig(input, 'test config');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(({ field, message }) => ({ field, message }));
    throw error;
  }
  return [];
}

describe('pushed sources that fetch, subscribe and reconcile through a target', () => {
  it('accepts the demo source', () => {
    expect(issuesOf(() => undefined)).toEqual([]);
  });

  it('names the field of an unknown or unconfigured target', () => {
    expect(issuesOf((source) => ((source.fetch as Record<string, unknown>).from = 'zohoo'))).toContainEqual({
      field: 'pushed.zoho-changes.fetch.from',
      message: expect.stringMatching(/^unknown target "zohoo" \(known: audit, /),
    });
    expect(
      issuesOf((source, input) => {
        delete input.targets.zoho;
        input.flows = input.flows.filter((flow: { target: string }) => flow.target !== 'zoho');
      }),
    ).toContainEqual({ field: 'pushed.zoho-changes.subscribe.via', message: 'targets.zoho is not configured' });
  });

  it('names the field of a target whose connector lacks the hook', () => {
    const issues = issuesOf((source) => {
      (source.fetch as Record<string, unknown>).from = 'marketo';
      (source.subscribe as Record<string, unknown>).via = 'mailchimp';
    });
    expect(issues).toContainEqual({ field: 'pushed.zoho-changes.fetch.from', message: 'marketo cannot fetch records by id (its connector has no fetchByIds)' });
    expect(issues).toContainEqual({ field: 'pushed.zoho-changes.subscribe.via', message: 'mailchimp cannot subscribe to events (its connector has no subscribe)' });
  });

  it('refuses a subscription that would expire before its renewal, or a secret the sender cannot echo', () => {
    expect(issuesOf((source) => ((source.subscribe as Record<string, unknown>).lifetimeMinutes = 30))).toEqual([
      { field: 'pushed.zoho-changes.subscribe.lifetimeMinutes', message: 'must be longer than renewEveryMinutes (30), so the subscription is renewed before it expires' },
    ]);
    expect(issuesOf((source) => (source.verify = { kind: 'basic', secret: 'zoho-notifications' }))).toContainEqual({
      field: 'pushed.zoho-changes.verify.kind',
      message: 'the subscription hands the sender the token it must send back: use channel-token or header, not basic',
    });
  });

  it('names records either by key fields or by the fetched ids, and checks the reconciliation cron', () => {
    expect(issuesOf((source) => ((source.records as Record<string, unknown>).keyFields = ['id']))).toContainEqual({
      field: 'pushed.zoho-changes.records.keyFields',
      message: 'a fetching source names its records <object>|<id> by the fetched ids: remove keyFields',
    });
    expect(issuesOf((source) => delete source.fetch)).toContainEqual({
      field: 'pushed.zoho-changes.records.keyFields',
      message: 'required: the fields that name a record (or fetch the records by id with fetch)',
    });
    expect(issuesOf((source) => ((source.reconcile as { schedule: { cron: string } }).schedule.cron = '0 5 * * *'))).toContainEqual({
      field: 'pushed.zoho-changes.reconcile.schedule.cron',
      message: expect.any(String),
    });
  });
});
