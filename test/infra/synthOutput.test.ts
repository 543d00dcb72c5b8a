import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLAGS } from 'aws-cdk-lib/cx-api';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './support/synthesize';

const cdkJson = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as { quiet?: boolean; context: Record<string, unknown> };
const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Runs infra/app.ts the way `cdk synth` does: context from cdk.json and -c, output to a directory. */
function synthApp(context: Record<string, unknown>): Promise<{ code: number; stdout: string; stderr: string; outdir: string }> {
  const outdir = mkdtempSync(join(tmpdir(), 'ml-connector-app-'));
  outdirs.push(outdir);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'infra/app.ts'],
      {
        cwd: repoRoot,
        env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJson.context, ...context }) },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr, outdir }),
    );
  });
}

describe('cdk synth output', () => {
  it('prints only the config errors when the config cannot be deployed, with no template warnings after them', async () => {
    const result = await synthApp({ config: 'customers/demo.yaml' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      'Invalid config customers/demo.yaml:',
      '  - peoplesoft.systems.hcm.simulator: the built-in simulator only runs locally; set it to false and point baseUrl at PeopleSoft to deploy',
      '  - peoplesoft.systems.financials.simulator: the built-in simulator only runs locally; set it to false and point baseUrl at PeopleSoft to deploy',
      '  - targets.marketo.simulator: the built-in simulator only runs locally; set it to false to deploy',
      '  - targets.zoho.simulator: the built-in simulator only runs locally; set it to false to deploy',
      '  - targets.mailchimp.simulator: the built-in simulator only runs locally; set it to false to deploy',
      '  - targets.zendesk.simulator: the built-in simulator only runs locally; set it to false to deploy',
      '  - targets.peoplesoft-ci.simulator: the built-in simulator only runs locally; set it to false to deploy',
      '  - targets.procore.simulator: the built-in simulator only runs locally; set it to false to deploy',
    ]);
    // No half-built assembly either: the CDK CLI would validate it and print template warnings.
    expect(existsSync(join(result.outdir, 'manifest.json'))).toBe(false);
  });

  it('says in one line which cdk-nag packs a clean synth passed and how many findings are acknowledged', async () => {
    const result = await synthApp({ config: 'customers/acme.yaml', 'aws:cdk:bundling-stacks': [] });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toMatch(/^cdk-nag: AwsSolutions, Serverless rule packs passed; \d+ findings acknowledged with a reason \(\d+ rules\)$/);
  });

  it('keeps the template off the terminal (quiet) and configures every feature flag, at the behaviour the tests synthesize with', () => {
    expect(cdkJson.quiet).toBe(true);
    for (const [name, flag] of Object.entries(FLAGS)) {
      const unconfigured = flag.unconfiguredBehavesLike?.v2;
      // The CDK CLI warns about exactly these: a default that differs from the recommended value.
      if (unconfigured === undefined || JSON.stringify(unconfigured) === JSON.stringify(flag.recommendedValue)) continue;
      expect(cdkJson.context, name).toHaveProperty([name]);
      // Test synths do not read cdk.json, so a pinned value must equal the unconfigured one;
      // target-partitions only matters to stacks without a region, and ours always has one.
      if (name !== '@aws-cdk/core:target-partitions') expect(cdkJson.context[name], name).toEqual(unconfigured);
    }
  });
});
