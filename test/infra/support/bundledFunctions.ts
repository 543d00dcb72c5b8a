import { join } from 'node:path';
import type { Synthesized } from './synthesize';

/** One synthesized Lambda function and the directory of its bundled asset. */
export interface BundledFunction {
  readonly flow: string;
  readonly kind: 'poller' | 'writer';
  readonly logicalId: string;
  /** Asset directory: `index.mjs`, `index.meta.json`, `ml-config.json`. */
  readonly dir: string;
  /** Environment variables as synthesized (references stay CloudFormation objects). */
  readonly environment: Readonly<Record<string, unknown>>;
}

/** Every function of the customer stack, with its asset (the synth must have bundled). */
export function bundledFunctions(synth: Synthesized): BundledFunction[] {
  const resources = synth.template.toJSON().Resources as Record<
    string,
    { Metadata?: Record<string, string>; Properties: { Environment?: { Variables?: Record<string, unknown> } } }
  >;
  return synth.stack.flows.flatMap((pipeline) =>
    (['poller', 'writer'] as const).flatMap((kind) => {
      const fn = pipeline[kind]?.function;
      if (!fn) return [];
      const logicalId = synth.stack.getLogicalId(fn.node.defaultChild as never);
      const resource = resources[logicalId]!;
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (!assetPath) throw new Error(`${logicalId} has no asset metadata: synthesize with bundling`);
      return {
        flow: pipeline.deployment.flow.name,
        kind,
        logicalId,
        dir: join(synth.outdir, assetPath),
        environment: resource.Properties.Environment?.Variables ?? {},
      };
    }),
  );
}
