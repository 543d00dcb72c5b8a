import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { loadConfig, validateConfig, type CustomerConfig, type CustomerConfigInput } from '../../../shared/config';
import { defineApp, type DefineAppOptions } from '../../../infra/defineApp';
import type { MlConnectorStack } from '../../../infra/MlConnectorStack';

// CDK's built-in CloudFormation schema validation only warns and costs seconds per synth; the
// suites opt in where they check it (stack.test.ts).
process.env.CDK_VALIDATION ??= 'false';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const exampleConfigPath = join(repoRoot, 'customers', 'acme.yaml');

export function exampleConfig(): Promise<CustomerConfig> {
  return loadConfig(exampleConfigPath);
}

/** The example config with some fields changed, validated again (defaults merged). */
export async function exampleConfigWith(change: (input: CustomerConfigInput) => void): Promise<CustomerConfig> {
  const input = structuredClone(await exampleConfig()) as CustomerConfigInput;
  change(input);
  return validateConfig(input, 'test config');
}

export interface SynthOptions extends DefineAppOptions {
  /** Run esbuild for the functions (slow); template-only tests skip it. @default false */
  readonly bundle?: boolean;
  /** Run CDK's built-in CloudFormation schema validation (slow, warnings only). @default false */
  readonly cloudFormationValidation?: boolean;
}

export interface Synthesized {
  readonly stack: MlConnectorStack;
  readonly template: Template;
  readonly assembly: CloudAssembly;
  readonly outdir: string;
  /** Deletes the cloud assembly directory. */
  cleanup(): void;
}

/**
 * Synthesizes the customer's app exactly as `infra/app.ts` does (cdk-nag packs included, so a
 * finding fails here too) into a temporary directory outside the repository.
 */
export function synthesize(config: CustomerConfig, options: SynthOptions = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'ml-connector-synth-'));
  const previous = process.env.CDK_VALIDATION;
  if (options.cloudFormationValidation) delete process.env.CDK_VALIDATION;
  try {
    const app = new App({
      outdir,
      analyticsReporting: false,
      // Asset metadata (as the CDK CLI writes it) tells a test which directory holds a function's bundle.
      context: options.bundle ? { 'aws:cdk:enable-asset-metadata': true } : { 'aws:cdk:bundling-stacks': [] },
    });
    // Assets are bundled while the stack is built, not only at synth.
    const { stack, assembly } = withoutBundlingNotices(() => {
      const built = defineApp(app, config, options);
      return { stack: built, assembly: app.synth() };
    });
    const template = Template.fromJSON(assembly.getStackByName(stack.stackName).template as Record<string, unknown>);
    return { stack, template, assembly, outdir, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
  } finally {
    if (previous === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = previous;
  }
}

/**
 * Runs `work` with aws-cdk-lib's unconditional "Bundling asset <path>..." lines kept off stderr,
 * so a test run prints only test results; anything else written to stderr still goes through.
 */
function withoutBundlingNotices<T>(work: () => T): T {
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk === 'string' && /^Bundling asset .*\.\.\.\n?$/.test(chunk)) return true;
    return (write as (...args: unknown[]) => boolean).call(process.stderr, chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    return work();
  } finally {
    process.stderr.write = write;
  }
}

/** A bare stack for testing one construct on its own (no cdk-nag, no bundling). */
export function bareStack(id = 'Test'): Stack {
  const app = new App({ analyticsReporting: false, context: { 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, id, { env: { region: 'us-east-1' } });
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: unknown }>;

/** Resources of a type as [logicalId, resource] pairs. */
export function resourcesOfType(template: Template, type: string): Array<[string, Resources[string]]> {
  const resources = template.toJSON().Resources as Resources;
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

/** The logical id CloudFormation gives a construct's default resource. */
export function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}
