import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceNames, type CustomerConfig } from '../../shared/config';
import { stateTableDefinition } from '../../shared/state/tableDefinition';
import { exampleConfig, logicalId, resourcesOfType, synthesize, type Synthesized } from './support/synthesize';

let config: CustomerConfig;
let synth: Synthesized;
let keyId: string;

beforeAll(async () => {
  config = await exampleConfig();
  synth = synthesize(config);
  keyId = logicalId(synth.stack, synth.stack.state.key);
});
afterAll(() => synth.cleanup());

describe('State', () => {
  it('keeps one on-demand table with the shared key schema and TTL on audit rows', () => {
    synth.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    synth.template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: resourceNames(config).table,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: stateTableDefinition.partitionKey, KeyType: 'HASH' },
        { AttributeName: stateTableDefinition.sortKey, KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: stateTableDefinition.timeToLiveAttribute, Enabled: true },
    });
  });

  it('has point-in-time recovery and is encrypted with the customer-managed key', () => {
    synth.template.hasResourceProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    });
  });

  it('rotates the key, and keeps key and table when the stack is deleted', () => {
    synth.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    synth.template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    synth.template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    synth.template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/ml-connector/acme' });
  });
});

describe('Secrets', () => {
  it('creates one secret per external system, named like the runtime reads it', () => {
    const names = resourcesOfType(synth.template, 'AWS::SecretsManager::Secret').map(([, secret]) => secret.Properties!.Name);
    expect(names.sort()).toEqual(['marketo', 'peoplesoft-financials', 'peoplesoft-hcm'].map((name) => resourceNames(config).secret(name)));
  });

  it('encrypts them with the key and never puts a credential in the template', () => {
    for (const [, secret] of resourcesOfType(synth.template, 'AWS::SecretsManager::Secret')) {
      expect(secret.Properties).toMatchObject({ KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
      expect(secret.Properties!.SecretString).toBeUndefined();
    }
    // The placeholder names the command that fills it in, and has none of the fields the pipeline reads.
    synth.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'ml-connector/acme/peoplesoft-financials',
      GenerateSecretString: { SecretStringTemplate: Match.stringLikeRegexp('secrets set --system peoplesoft.financials') },
    });
  });
});

describe('sealing shared OAuth tokens with the stack key', () => {
  interface Statement {
    readonly Action: string | string[];
    readonly Resource: unknown;
  }
  const statementsOf = (roleLogicalId: string): Statement[] =>
    resourcesOfType(synth.template, 'AWS::IAM::Policy')
      .filter(([, policy]) => (policy.Properties!.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleLogicalId))
      .flatMap(([, policy]) => (policy.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);

  it('gives every function that uses the token store the key ARN, and kms:Encrypt and kms:Decrypt on that key only', () => {
    const functions = synth.stack.flows.flatMap((flow) => [flow.poller!, flow.writer]);
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      const [, resource] = resourcesOfType(synth.template, 'AWS::Lambda::Function').find(([logical]) => logical === logicalId(synth.stack, fn.function))!;
      expect((resource.Properties!.Environment as { Variables: Record<string, unknown> }).Variables['TOKEN_KEY_ARN']).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
      const statements = statementsOf(logicalId(synth.stack, fn.role));
      for (const action of ['kms:Encrypt', 'kms:Decrypt']) {
        const on = statements.filter((statement) => [statement.Action].flat().includes(action)).flatMap((statement) => [statement.Resource].flat());
        expect(on.length, `${fn.node.path}: ${action}`).toBeGreaterThan(0);
        expect(new Set(on.map((resource) => JSON.stringify(resource))), `${fn.node.path}: ${action}`).toEqual(new Set([JSON.stringify({ 'Fn::GetAtt': [keyId, 'Arn'] })]));
      }
    }
  });
});
