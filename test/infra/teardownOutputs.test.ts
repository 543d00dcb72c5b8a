import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleConfig, logicalId, synthesize, type Synthesized } from './support/synthesize';

let synth: Synthesized;
beforeAll(async () => {
  synth = synthesize(await exampleConfig());
});
afterAll(() => synth?.cleanup());

describe('what a teardown needs', () => {
  it('outputs the ARN of the retained KMS key, which cdk destroy leaves behind', () => {
    const keyId = logicalId(synth.stack, synth.stack.state.key);
    const keys = synth.template.findResources('AWS::KMS::Key');
    expect(keys[keyId]?.DeletionPolicy).toBe('Retain');
    const outputs = synth.template.toJSON().Outputs as Record<string, { Value: unknown; Description: string }>;
    expect(outputs.KeyArn!.Value).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(outputs.KeyArn!.Description).toMatch(/retained by cdk destroy/);
  });
});
