import { flowResourceIssues } from '../../shared/config/flowResourceIssues';
import { targetCatalog } from '../../shared/connectors';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerConfig, CustomerConfigInput } from '../../shared/config';
import { ConfigError } from '../../shared/errors';
import { defineApp } from '../../infra/defineApp';
import { exampleConfig, exampleConfigWith, repoRoot, synthesize, type Synthesized } from './support/synthesize';

let config: CustomerConfig;
let synth: Synthesized;

beforeAll(async () => {
  config = await exampleConfig();
  // The one synth in this suite that also runs CDK's CloudFormation schema validation.
  synth = synthesize(config, { cloudFormationValidation: true });
});
afterAll(() => synth.cleanup());

/** Every acknowledgement in the tree: rule id → construct paths, with its reason. */
function acknowledgements(app: App): Array<{ path: string; rule: string; reason: string }> {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([rule, reason]) => ({
          path: construct.node.path,
          rule: rule.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('the customer stack', () => {
  it('synthesizes one stack named after the customer, in its region, with no context lookups', () => {
    const stacks = synth.assembly.stacks;
    expect(stacks.map((stack) => stack.stackName)).toEqual(['ml-connector-acme']);
    expect(stacks[0]!.environment.region).toBe('us-east-1');
    expect(stacks[0]!.environment.account).toBe('unknown-account');
    // A lookup (Vpc.fromLookup, AZs of an account) would show up as missing context.
    expect(synth.assembly.manifest.missing ?? []).toEqual([]);
  });

  it("passes CloudFormation's schema validation", () => {
    const report = JSON.parse(readFileSync(join(synth.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{ pluginName: string; violations: unknown[] }>;
    };
    const cfn = report.pluginReports.find((plugin) => plugin.pluginName === 'CloudFormation Validate');
    expect(cfn?.violations).toEqual([]);
  });

  it('outputs the egress IPs, the webhook base URL, the dashboard URL and the secrets to fill in', () => {
    const outputs = synth.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const eips = synth.template.findResources('AWS::EC2::EIP');
    expect(JSON.stringify(outputs.EgressIps!.Value)).toContain(Object.keys(eips)[0]!);
    expect(JSON.stringify(outputs.WebhookBaseUrl!.Value)).toMatch(/ApiEndpoint.*\/webhooks/);
    expect(JSON.stringify(outputs.DashboardUrl!.Value)).toContain(
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/',
    );
    expect(outputs.SecretNames!.Value).toBe(
      'peoplesoft.hcm=ml-connector/acme/peoplesoft-hcm,peoplesoft.financials=ml-connector/acme/peoplesoft-financials,marketo=ml-connector/acme/marketo',
    );
    expect(outputs.PeoplesoftHcmSecretName!.Value).toBe('ml-connector/acme/peoplesoft-hcm');
    expect(outputs.PeoplesoftFinancialsSecretName!.Value).toBe('ml-connector/acme/peoplesoft-financials');
    expect(outputs.MarketoSecretName!.Value).toBe('ml-connector/acme/marketo');
  });

  it('acknowledges only the listed cdk-nag findings, each with a specific reason', () => {
    // aws-cdk-lib acknowledges some of its own CloudFormation-Validate warnings; ours are the rest.
    const found = acknowledgements(synth.stack.node.root as App).filter((entry) => !entry.rule.startsWith('CloudFormation-Validate::'));
    const rules = [...new Set(found.map((entry) => entry.rule))].sort();
    expect(rules).toEqual([
      'AwsSolutions-IAM5[Resource::*]', // poller ENI actions (see iam.test.ts)
      'AwsSolutions-SMG4', // credentials issued by PeopleSoft / Marketo, rotated there
      'AwsSolutions-SQS3', // the invocation-failure queue is a DLQ itself
      'Serverless-APIGWXrayEnabled', // HTTP APIs have no X-Ray
      'Serverless-LambdaDLQ', // writer: synchronous SQS invocations
      'Serverless-LambdaEventSourceMappingDestination', // SQS sources have no on-failure destination
      'Serverless-LambdaTracing',
      'Serverless-SNSRedrivePolicy', // e-mail subscription
      'Serverless-SQSRedrivePolicy', // DLQs
    ]);
    for (const { path, rule, reason } of found) {
      expect(reason.length, `${rule} at ${path}`).toBeGreaterThanOrEqual(50);
    }
    // The IAM wildcard is acknowledged on the poller roles only.
    expect(found.filter((entry) => entry.rule.startsWith('AwsSolutions-IAM5')).map((entry) => entry.path)).toEqual([
      'ml-connector-acme/Flow-employees-to-marketo/Poller/Role',
      'ml-connector-acme/Flow-companies-to-marketo/Poller/Role',
    ]);
  });

  it('fails synth on a cdk-nag finding nobody acknowledged (both packs are registered)', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'ml-connector-nag-')), context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = defineApp(app, config);
    new Queue(stack, 'Unencrypted');
    try {
      expect(() => app.synth()).toThrow(/AwsSolutions-SQS4[\s\S]*Serverless-SQSRedrivePolicy|Serverless-SQSRedrivePolicy[\s\S]*AwsSolutions-SQS4/);
    } finally {
      rmSync(app.outdir, { recursive: true, force: true });
    }
  });
});

describe('synth through the CDK entry (infra/app.ts)', () => {
  const runApp = (context: Record<string, string>): { status: number | null; stderr: string } => {
    const outdir = mkdtempSync(join(tmpdir(), 'ml-connector-app-'));
    try {
      const result = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'infra', 'app.ts')], {
        cwd: repoRoot,
        env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir, CDK_VALIDATION: 'false' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      return { status: result.status, stderr: result.stderr };
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  };

  it('fails with a message naming the field when the config is bad', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ml-connector-bad-'));
    const bad = join(dir, 'bad.yaml');
    const text = readFileSync(join(repoRoot, 'customers', 'acme.yaml'), 'utf8').replace('cron: "0 5 * * ? *"', 'cron: "0 5 * *"');
    writeFileSync(bad, text);
    const result = runApp({ config: bad });
    rmSync(dir, { recursive: true, force: true });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('flows[1].schedule.cron');
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  });

  it('asks for the config when the context has none', () => {
    const result = runApp({});
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('npx cdk synth -c config=customers/<name>.yaml');
  });
});

describe('contradictions between settings fail at CLI start and at synth, naming the field', () => {
  const cases: Array<{ name: string; field: string; change: (input: CustomerConfigInput) => void }> = [
    {
      name: 'a built-in simulator cannot be deployed',
      field: 'peoplesoft.systems.hcm.simulator',
      change: (input) => {
        input.peoplesoft.systems!.hcm!.simulator = true;
      },
    },
    {
      name: 'more than 10 records per batch need a batching window',
      field: 'flows[0].batchingWindowSeconds',
      change: (input) => {
        input.flows[0]!.batchingWindowSeconds = 0;
      },
    },
    {
      name: 'function names must fit in 64 characters',
      field: 'flows[0].name',
      change: (input) => {
        input.customer = 'acme-industrial';
        input.flows[0]!.name = 'employees-to-marketo-sales-persons-leads';
      },
    },
    {
      name: 'queue names must fit in 80 characters',
      field: 'flows[0].name',
      change: (input) => {
        input.customer = 'acme-industrial-holdings-intl';
        input.flows[0]!.name = 'employees-to-marketo-sales-persons-leads';
      },
    },
  ];

  it.each(cases)('$name ($field)', async ({ field, change }) => {
    // Validation (what the CLI runs at start, and synth before the stack) or the stack itself.
    let thrown: unknown;
    try {
      const changed = await exampleConfigWith(change);
      defineApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), changed, { configSource: 'customers/acme.yaml' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).issues.map((issue) => issue.field)).toContain(field);
    expect((thrown as ConfigError).message).toMatch(/Invalid config (customers\/acme\.yaml|test config)/);
  });

  it('a visibility timeout above the SQS maximum of 12 h names the writer timeout', () => {
    // The schema caps writerTimeoutSeconds at 900 s (5400 s of visibility); the stack checks the
    // SQS limit itself rather than rely on that.
    const flow = { ...config.flows[0]!, writerTimeoutSeconds: 7300 };
    expect(flowResourceIssues({ ...config, flows: [flow, config.flows[1]!] }, targetCatalog)).toContainEqual(
      expect.objectContaining({ field: 'flows[0].writerTimeoutSeconds' }),
    );
  });
});
