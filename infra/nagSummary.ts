import { Validations, type App } from 'aws-cdk-lib';

/** App metadata listing the cdk-nag packs `defineApp` registered. */
export const NAG_PACKS_METADATA_KEY = 'ml-connector:nag-packs';

/**
 * One line saying what the cdk-nag gate checked, for a synth that passed it:
 * `cdk-nag: AwsSolutions, Serverless rule packs passed; 14 findings acknowledged with a reason (9 rules)`.
 * Acknowledgements aws-cdk-lib makes of its own CloudFormation-validation warnings are not ours
 * and are not counted.
 */
export function nagSummary(app: App): string {
  const packs = app.node.metadata.filter((entry) => entry.type === NAG_PACKS_METADATA_KEY).flatMap((entry) => entry.data as string[]);
  const rules: string[] = [];
  for (const construct of app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const rule of Object.keys(entry.data as Record<string, string>)) {
        if (!rule.startsWith('CloudFormation-Validate::')) rules.push(rule.replace(/^annotation::/i, ''));
      }
    }
  }
  const distinct = new Set(rules.map((rule) => rule.replace(/\[.*\]$/, ''))).size;
  if (packs.length === 0) return 'cdk-nag: no rule packs registered';
  return `cdk-nag: ${packs.join(', ')} rule packs passed; ${rules.length} findings acknowledged with a reason (${distinct} rules)`;
}
