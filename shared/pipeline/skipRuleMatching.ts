import type { FlowConfig } from '../config';

/** The rule of `flow.skipWhen` a source record matches, or undefined when it is to be written. */
export function skipRuleMatching(
  record: Readonly<Record<string, unknown>>,
  rules: FlowConfig['skipWhen'],
): FlowConfig['skipWhen'][number] | undefined {
  return rules.find((rule) => {
    const raw = record[rule.field];
    const value = raw === undefined || raw === null ? '' : String(raw).trim();
    if (rule.present) return value !== '';
    if (rule.in) return rule.in.includes(value);
    if (rule.startsWith !== undefined) return value.startsWith(rule.startsWith);
    return false;
  });
}
