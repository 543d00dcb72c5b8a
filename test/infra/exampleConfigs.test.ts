import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';
import { repoRoot, synthesize } from './support/synthesize';

// Every example deployment in customers/ (the demo runs on simulators and is never deployed)
// validates and synthesizes, with cdk-nag clean, as an integration engineer would copy it.
const examples = readdirSync(join(repoRoot, 'customers')).filter((file) => file.endsWith('.yaml') && file !== 'demo.yaml');

describe('the example customer configs', () => {
  it.each(examples)('%s synthesizes a stack with a writer for each of its flows', async (file) => {
    const config = await loadConfig(join(repoRoot, 'customers', file));
    const synth = synthesize(config);
    try {
      expect(synth.stack.flows.map((pipeline) => pipeline.deployment.flow.name)).toEqual(config.flows.map((flow) => flow.name));
      expect(synth.template.findResources('AWS::Lambda::Function')).not.toEqual({});
    } finally {
      synth.cleanup();
    }
  });
});
