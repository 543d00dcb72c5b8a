import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleConfigWith, logicalId, resourcesOfType, synthesize, type Synthesized } from './support/synthesize';

let synth: Synthesized;

beforeAll(async () => {
  // The example customer with Zoho and F7: notifications whose records are fetched from Zoho into the audit log.
  const config = await exampleConfigWith((input) => {
    const targets = input.targets as Record<string, unknown>;
    targets.zoho = { secret: 'zoho', dataCenter: 'eu' };
    targets.audit = {};
    input.pushed = {
      'zoho-changes': {
        verify: { kind: 'channel-token', secret: 'zoho-notifications', path: 'token' },
        eventTime: { path: 'server_time' },
        records: { path: '' },
        fetch: { from: 'zoho', object: { field: 'module' }, idField: 'ids' },
        subscribe: { via: 'zoho', objects: ['Contacts'], events: ['create', 'edit', 'delete'], renewEveryMinutes: 45 },
        reconcile: { schedule: { cron: '0 */2 * * ? *', timeZone: 'Europe/Berlin' }, objects: ['Contacts'] },
      },
    };
    input.flows.push({
      name: 'zoho-changes-to-audit',
      source: 'employees',
      target: 'audit',
      push: 'zoho-changes',
      objects: [{ object: 'events', mapping: { id: 'id', email: 'Email' } }],
    });
  });
  synth = synthesize(config);
});
afterAll(() => synth?.cleanup());

function statementsOf(role: { node: { defaultChild?: unknown } }): Array<{ Action: unknown; Resource: unknown }> {
  const id = logicalId(synth.stack, role);
  return resourcesOfType(synth.template, 'AWS::IAM::Policy')
    .filter(([, policy]) => JSON.stringify(policy.Properties!.Roles).includes(id))
    .flatMap(([, policy]) => (policy.Properties!.PolicyDocument as { Statement: Array<{ Action: unknown; Resource: unknown }> }).Statement);
}
const resourcesFor = (statements: ReturnType<typeof statementsOf>, action: string) =>
  JSON.stringify(statements.filter((statement) => [statement.Action].flat().includes(action)).map((statement) => statement.Resource));

describe('the subscriptions of pushed sources in the stack', () => {
  it('renews the channel on a rate schedule well inside its lifetime and reconciles on the cron', () => {
    const fn = logicalId(synth.stack, synth.stack.subscriptions!.handler.function);
    synth.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(45 minutes)',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [fn, 'Arn'] }, Input: JSON.stringify({ action: 'subscribe', source: 'zoho-changes' }) }),
    });
    synth.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 */2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Target: Match.objectLike({ Input: JSON.stringify({ action: 'reconcile', source: 'zoho-changes' }), DeadLetterConfig: Match.anyValue() }),
    });
  });

  it("gives the function the front door's URL and only the secrets it hands over or calls with", () => {
    const subscriptions = synth.stack.subscriptions!;
    const fn = resourcesOfType(synth.template, 'AWS::Lambda::Function').find(([, resource]) => resource.Properties!.FunctionName === 'ml-connector-acme-subscriptions')![1];
    const variables = (fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(JSON.stringify(variables.FRONT_DOOR_URL)).toContain(logicalId(synth.stack, synth.stack.webhooks.api));
    expect(JSON.stringify(variables.FLOW_QUEUES)).toContain('zoho-changes-to-audit');
    const statements = statementsOf(subscriptions.handler.role);
    const secrets = resourcesFor(statements, 'secretsmanager:GetSecretValue');
    for (const name of ['zoho', 'zoho-notifications']) expect(secrets).toContain(logicalId(synth.stack, synth.stack.secrets.secret(name)));
    expect(secrets).not.toContain(logicalId(synth.stack, synth.stack.secrets.secret('marketo')));
    const audit = synth.stack.flows.find((pipeline) => pipeline.deployment.flow.name === 'zoho-changes-to-audit')!;
    expect(resourcesFor(statements, 'sqs:SendMessage')).toContain(logicalId(synth.stack, audit.queue));
  });

  it("lets the writer of the fed flow read Zoho's credentials to fetch the records", () => {
    const audit = synth.stack.flows.find((pipeline) => pipeline.deployment.flow.name === 'zoho-changes-to-audit')!;
    expect(resourcesFor(statementsOf(audit.writer.role), 'secretsmanager:GetSecretValue')).toContain(logicalId(synth.stack, synth.stack.secrets.secret('zoho')));
  });

  it('alarms when a renewal or reconciliation fails', () => {
    synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(synth.stack, synth.stack.subscriptions!.handler.function) } }],
      AlarmActions: [{ Ref: logicalId(synth.stack, synth.stack.observability.topic) }],
    });
  });
});
