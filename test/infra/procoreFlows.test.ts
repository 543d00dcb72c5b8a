import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';
import { logicalId, repoRoot, resourcesOfType, synthesize, type Synthesized } from './support/synthesize';

// The Procore ↔ PeopleSoft flows (F12–F16) of the example customer initech, as deployed.
let synth: Synthesized;
beforeAll(async () => {
  const config = await loadConfig(join(repoRoot, 'customers', 'initech.yaml'));
  expect(config.flows.filter((flow) => flow.target === 'procore' || flow.target === 'peoplesoft-ci')).toHaveLength(6);
  synth = synthesize(config);
});
afterAll(() => synth?.cleanup());

const writerOf = (flow: string): Record<string, unknown> => {
  const pipeline = synth.stack.flows.find((candidate) => candidate.deployment.flow.name === flow)!;
  const id = logicalId(synth.stack, pipeline.writer.function);
  return resourcesOfType(synth.template, 'AWS::Lambda::Function').find(([logical]) => logical === id)![1].Properties!;
};

describe('the Procore flows in the stack', () => {
  it('runs the writers into PeopleSoft in the private subnets, behind the static egress IP, and the Procore writers outside', () => {
    const privateSubnets = synth.stack.network.vpc.privateSubnets.map((subnet) => ({ Ref: logicalId(synth.stack, subnet) }));
    for (const flow of ['procore-commitments-to-peoplesoft', 'procore-direct-costs-to-gl', 'procore-change-orders-to-gl']) {
      expect(writerOf(flow).VpcConfig).toMatchObject({ SubnetIds: privateSubnets });
    }
    for (const flow of ['vendors-to-procore', 'gl-accounts-to-procore', 'purchase-orders-to-procore']) expect(writerOf(flow).VpcConfig).toBeUndefined();
  });

  it('routes POST /webhooks/procore-events to the front door', () => {
    const routes = resourcesOfType(synth.template, 'AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties!.RouteKey);
    expect(routes).toContain('POST /webhooks/procore-events');
  });

  it('keeps the hook subscribed daily and reconciles by updated_at hourly', () => {
    synth.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1440 minutes)',
      Target: Match.objectLike({ Input: JSON.stringify({ action: 'subscribe', source: 'procore-events' }) }),
    });
    synth.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(20 * * * ? *)',
      ScheduleExpressionTimezone: 'America/New_York',
      Target: Match.objectLike({ Input: JSON.stringify({ action: 'reconcile', source: 'procore-events' }) }),
    });
  });
});
