import { describe, expect, it } from 'vitest';
import type { CustomerConfigInput } from '../../shared/config';
import { ConfigError } from '../../shared/errors';
import { exampleConfigWith, synthesize } from './support/synthesize';

/** The issues synth refuses the example config with after `change`, or fails the test when it synthesizes. */
async function synthIssues(change: (input: CustomerConfigInput) => void): Promise<ConfigError['issues']> {
  const config = await exampleConfigWith(change);
  try {
    synthesize(config).cleanup();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('the stack synthesized');
}

describe('synth refuses what the deployed runtime would refuse', () => {
  it.each([
    ['a loopback PeopleSoft address', (input: CustomerConfigInput) => (input.peoplesoft.systems!.hcm!.baseUrl = 'https://127.0.0.1:8443'), 'peoplesoft.systems.hcm.baseUrl', /127\.0\.0\.1 is refused: loopback addresses are only allowed in local runs/],
    ['localhost as a target', (input: CustomerConfigInput) => (input.targets.marketo!.baseUrl = 'https://localhost:9443'), 'targets.marketo.baseUrl', /localhost is refused: loopback/],
    [
      'network: private, for which the stack builds no route',
      (input: CustomerConfigInput) => {
        input.peoplesoft.systems!.hcm!.baseUrl = 'https://10.1.2.3:8443';
        input.peoplesoft.systems!.hcm!.network = 'private';
      },
      'peoplesoft.systems.hcm.network',
      /needs a route from the stack's VPC into your network .* which this stack does not build.*EgressIps/,
    ],
  ])('%s', async (_case, change, field, message) => {
    const issues = await synthIssues(change);
    const issue = issues.find((candidate) => candidate.field === field);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue!.message).toMatch(message);
  });
});
