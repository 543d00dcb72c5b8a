import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerConfig } from '../../shared/config';
import { ConfigError } from '../../shared/errors';
import { exampleConfigWith, logicalId, resourcesOfType, synthesize, type Synthesized } from './support/synthesize';

/** The example customer with a signed JSON webhook feeding its employees flow (reconciled by the poll). */
function withPushedSource(config: Parameters<Parameters<typeof exampleConfigWith>[0]>[0]): void {
  config.pushed = {
    'hr-events': {
      verify: { kind: 'hmac-sha256', secret: 'hr-events-webhook', signatureHeader: 'X-Signature', timestampHeader: 'X-Signature-Timestamp' },
      eventId: { header: 'X-Event-Id' },
      records: { path: 'records', keyFields: ['EMPLID'] },
    },
  };
  config.flows[0]!.push = 'hr-events';
}

let config: CustomerConfig;
let synth: Synthesized;

beforeAll(async () => {
  config = await exampleConfigWith(withPushedSource);
  synth = synthesize(config);
});
afterAll(() => synth.cleanup());

describe('the front door of a customer with a pushed source', () => {
  it('routes POST /webhooks/<source> to one front-door function outside the VPC', () => {
    const routes = resourcesOfType(synth.template, 'AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties!.RouteKey);
    expect(routes).toEqual(['POST /webhooks/hr-events']);
    const frontDoor = logicalId(synth.stack, synth.stack.frontDoor!.handler.function);
    synth.template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'ml-connector-acme-frontdoor',
      VpcConfig: Match.absent(),
    });
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [frontDoor, 'Arn'] },
    });
  });

  it('may send only to the queue of the flow the source feeds, read its table and its own secret', () => {
    const frontDoor = synth.stack.frontDoor!;
    const policies = resourcesOfType(synth.template, 'AWS::IAM::Policy').filter(([, policy]) =>
      JSON.stringify((policy.Properties!.Roles as unknown[])[0]).includes(logicalId(synth.stack, frontDoor.handler.role)),
    );
    const statements = policies.flatMap(([, policy]) => (policy.Properties!.PolicyDocument as { Statement: Array<{ Action: unknown; Resource: unknown }> }).Statement);
    const byAction = (action: string): unknown[] =>
      statements.filter((statement) => [statement.Action].flat().includes(action)).map((statement) => statement.Resource);

    const employees = synth.stack.flows.find((pipeline) => pipeline.deployment.flow.name === 'employees-to-marketo')!;
    const companies = synth.stack.flows.find((pipeline) => pipeline.deployment.flow.name === 'companies-to-marketo')!;
    const sendTo = JSON.stringify(byAction('sqs:SendMessage'));
    expect(sendTo).toContain(logicalId(synth.stack, employees.queue));
    expect(sendTo).not.toContain(logicalId(synth.stack, companies.queue));
    expect(sendTo).not.toContain(logicalId(synth.stack, employees.deadLetterQueue));
    expect(JSON.stringify(byAction('dynamodb:PutItem'))).toContain(logicalId(synth.stack, synth.stack.state.table));

    const secrets = JSON.stringify(byAction('secretsmanager:GetSecretValue'));
    expect(secrets).toContain(logicalId(synth.stack, synth.stack.secrets.secret('hr-events-webhook')));
    // Not the PeopleSoft or target credentials: the front door never calls either.
    for (const name of ['peoplesoft-hcm', 'peoplesoft-financials', 'marketo']) expect(secrets).not.toContain(logicalId(synth.stack, synth.stack.secrets.secret(name)));
    synth.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'ml-connector/acme/hr-events-webhook',
      KmsKeyId: { 'Fn::GetAtt': [logicalId(synth.stack, synth.stack.state.key), 'Arn'] },
    });
  });

  it('lists the source secret with the others, to be stored with "secrets set --system hr-events"', () => {
    const outputs = synth.template.toJSON().Outputs as Record<string, { Value: unknown; Description: string }>;
    expect(String(outputs.SecretNames!.Value)).toContain('hr-events=ml-connector/acme/hr-events-webhook');
    expect(outputs.HrEventsSecretName!.Description).toBe('hr-events credentials: JSON with signingSecret');
  });

  it("tells the function the fed flow's queue and the table", () => {
    const fn = resourcesOfType(synth.template, 'AWS::Lambda::Function').find(
      ([, resource]) => resource.Properties!.FunctionName === 'ml-connector-acme-frontdoor',
    )![1];
    const variables = (fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(JSON.stringify(variables.FLOW_QUEUES)).toContain('employees-to-marketo');
    expect(JSON.stringify(variables.FLOW_QUEUES)).not.toContain('companies-to-marketo');
    expect(variables.TABLE_NAME).toBeDefined();
    expect(variables.SECRET_PREFIX).toBe('ml-connector/acme/');
  });

  it('alarms on the alert topic when deliveries cannot be queued', () => {
    synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DeliveriesFailed',
      Dimensions: Match.arrayWith([{ Name: 'source', Value: 'hr-events' }]),
      AlarmActions: [{ Ref: logicalId(synth.stack, synth.stack.observability.topic) }],
    });
  });
});

describe('a customer without pushed sources', () => {
  it('gets no front door and no routes', async () => {
    const plain = synthesize(await exampleConfigWith(() => undefined));
    try {
      expect(plain.stack.frontDoor).toBeUndefined();
      plain.template.resourceCountIs('AWS::ApiGatewayV2::Route', 0);
    } finally {
      plain.cleanup();
    }
  });
});

describe('pushed sources in the config', () => {
  it('names the field when a flow pushes from an unknown source', async () => {
    const error = await exampleConfigWith((input) => {
      withPushedSource(input);
      input.flows[1]!.push = 'hr-event';
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toContainEqual({ field: 'flows[1].push', message: '"hr-event" is not a key of pushed (known: hr-events)' });
  });

  it("refuses key fields unlike the polled entity's, a source that feeds no flow, and a name taken by a target", async () => {
    const error = await exampleConfigWith((input) => {
      withPushedSource(input);
      input.pushed!['hr-events']!.records.keyFields = ['id'];
      input.pushed!.orphan = { verify: { kind: 'header', secret: 'orphan', header: 'X-Token' }, records: { keyFields: ['id'] } };
      input.pushed!.marketo = { verify: { kind: 'basic', secret: 'x' }, records: { keyFields: ['id'] } };
      input.flows[1]!.push = 'marketo';
    }).catch((caught: unknown) => caught);
    expect((error as ConfigError).issues.map((issue) => issue.field)).toEqual([
      'pushed.hr-events.records.keyFields',
      'pushed.marketo.records.keyFields',
      'pushed.orphan',
      'pushed.marketo',
    ]);
    expect((error as ConfigError).message).toContain('pushed.marketo: "marketo" already names a target; choose another name');
    expect((error as ConfigError).message).toContain('must be [EMPLID], the key fields of peoplesoft.entities.employees');
  });
});

describe('a flow fed only by its pushed source', () => {
  let pushedOnly: Synthesized;
  beforeAll(async () => {
    const config = await exampleConfigWith((input) => {
      withPushedSource(input);
      delete input.flows[0]!.schedule;
    });
    pushedOnly = synthesize(config);
  });
  afterAll(() => pushedOnly?.cleanup());

  it('gets its queue, writer and route but no poller, schedule or failed-run queue', () => {
    const [pushed, polled] = pushedOnly.stack.flows;
    expect(pushed!.poller).toBeUndefined();
    expect(pushed!.schedule).toBeUndefined();
    expect(pushed!.invocationFailures).toBeUndefined();
    expect(pushed!.writer).toBeDefined();
    expect(polled!.poller).toBeDefined();
    const functionNames = resourcesOfType(pushedOnly.template, 'AWS::Lambda::Function').map(([, fn]) => fn.Properties!.FunctionName);
    expect(functionNames).toContain(pushed!.deployment.names.writerFunction);
    expect(functionNames).not.toContain(pushed!.deployment.names.pollerFunction);
    expect(resourcesOfType(pushedOnly.template, 'AWS::Scheduler::Schedule')).toHaveLength(pushedOnly.stack.flows.length - 1);
    const routes = resourcesOfType(pushedOnly.template, 'AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties!.RouteKey);
    expect(routes).toEqual(['POST /webhooks/hr-events']);
  });

  it('needs a schedule or a pushed source, and says so', async () => {
    let thrown: unknown;
    try {
      await exampleConfigWith((input) => {
        delete input.flows[0]!.schedule;
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).issues).toContainEqual({
      field: 'flows[0].schedule',
      message: 'a flow is polled on a schedule, fed by a pushed source (push), or both: set schedule or push',
    });
  });
});

describe('the front door of a large Integration Broker source', () => {
  it('gets a full vCPU and a minute to parse a message of several MiB', async () => {
    const config = await exampleConfigWith((input) => {
      withPushedSource(input);
      input.pushed!['hr-events']!.maxBodyBytes = 8 * 1024 * 1024;
      (input.pushed!['hr-events'] as Record<string, unknown>).format = 'ib-rowset-xml';
      input.pushed!['hr-events']!.verify = { kind: 'basic', secret: 'ib-node' };
      input.pushed!['hr-events']!.records = { keyFields: ['EMPLID'] };
    });
    const large = synthesize(config);
    try {
      large.template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'ml-connector-acme-frontdoor', MemorySize: 1769, Timeout: 60 });
    } finally {
      large.cleanup();
    }
  });
});

describe('a push-only flow into a target that needs no secret', () => {
  let pushOnly: Synthesized;
  beforeAll(async () => {
    const withAuditFlow = await exampleConfigWith((draft) => {
      withPushedSource(draft);
      draft.flows[0]!.push = undefined;
      draft.targets.audit = {};
      draft.flows.push({
        name: 'hr-events-to-audit',
        target: 'audit',
        push: 'hr-events',
        objects: [{ object: 'events', mapping: { id: 'EMPLID' } }],
      } as (typeof draft.flows)[number]);
    });
    pushOnly = synthesize(withAuditFlow);
  });
  afterAll(() => pushOnly.cleanup());

  it('gets a writer that knows where secrets live (SECRET_PREFIX) and no poller', () => {
    const pipeline = pushOnly.stack.flows.find((candidate) => candidate.deployment.flow.name === 'hr-events-to-audit')!;
    expect(pipeline.poller).toBeUndefined();
    pushOnly.template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: pipeline.deployment.names.writerFunction,
      Environment: { Variables: Match.objectLike({ SECRET_PREFIX: Match.stringLikeRegexp('.+') }) },
    });
  });
});
