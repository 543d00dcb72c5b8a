import { pushSourceOf } from './flowSources';
import type { z } from 'zod';
import { targetCatalog } from '../connectors/catalog';
import type { TargetCatalog } from '../connectors/TargetDefinition';
import { keyFieldsOf } from '../connectors/targetKey';
import { flowResourceIssues } from './flowResourceIssues';
import { pushedTargetIssues } from './pushedTargetIssues';
import { ConfigError, type ConfigIssue } from '../errors';
import { parseCron } from './cron';
import { endpointIssues } from './endpointIssues';
import { PUSHED_BODY_LIMITS, buildConfigSchema, customerConfigSchema, type CustomerConfig, type PushedSourceConfig } from './schema';

/** Formats a zod path as `flows[0].schedule.cron`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => {
    if (typeof part === 'number') return `${out}[${part}]`;
    return out === '' ? String(part) : `${out}.${String(part)}`;
  }, '');
}

function zodIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.flatMap((issue) => issueToConfigIssues(issue, []));
}

type ZodIssue = z.core.$ZodIssue;

/** One zod issue as config issues; a union explains the branch the value was evidently meant for. */
function issueToConfigIssues(issue: ZodIssue, prefix: readonly PropertyKey[]): ConfigIssue[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) {
    return [
      {
        field: formatPath([...path, issue.keys[0]!]),
        message: `unknown key${issue.keys.length > 1 ? `s ${issue.keys.join(', ')}` : ''}; check the spelling`,
      },
    ];
  }
  if (issue.code === 'invalid_union') {
    const meant = meantBranch(issue.errors);
    if (meant) return meant.flatMap((inner) => issueToConfigIssues(inner, path));
  }
  if (issue.code === 'invalid_value' && issue.values.length > 1) {
    return [{ field: formatPath(path), message: `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}` }];
  }
  return [{ field: formatPath(path), message: issue.message }];
}

/**
 * The one union branch whose shape the value has (right type, no unknown keys), so its own
 * complaint (`transform: must be one of ...`) is shown instead of zod's bare "Invalid input".
 */
function meantBranch(branches: readonly (readonly ZodIssue[])[]): readonly ZodIssue[] | undefined {
  const shaped = branches.filter(
    (issues) => !issues.some((inner) => inner.path.length === 0 && (inner.code === 'invalid_type' || inner.code === 'unrecognized_keys')),
  );
  return shaped.length === 1 ? shaped[0] : undefined;
}

/** Checks that need more than one field: references between sections and target limits. */
function crossFieldIssues(config: CustomerConfig, catalog: TargetCatalog): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  config.flows.forEach((flow, index) => {
    const at = `flows[${index}]`;
    if (seen.has(flow.name)) issues.push({ field: `${at}.name`, message: `duplicate flow name "${flow.name}"` });
    seen.add(flow.name);
    if (flow.source === undefined) {
      // A push-only flow's records come from its pushed source; a polled one reads an entity.
      if (flow.schedule) issues.push({ field: `${at}.source`, message: 'a polled flow (with a schedule) needs the PeopleSoft entity it reads: set source' });
    } else if (!config.peoplesoft.entities[flow.source]) {
      const known = Object.keys(config.peoplesoft.entities).join(', ') || '(none)';
      issues.push({ field: `${at}.source`, message: `"${flow.source}" is not a key of peoplesoft.entities (known: ${known})` });
    }
    const declaration = catalog[flow.target]?.declaration;
    const targetConfig = config.targets[flow.target];
    if (!declaration) {
      issues.push({ field: `${at}.target`, message: `unknown target "${flow.target}" (known: ${Object.keys(catalog).join(', ')})` });
    } else if (!targetConfig) {
      issues.push({ field: `${at}.target`, message: `targets.${flow.target} is not configured` });
    } else {
      if (flow.batchSize !== undefined && flow.batchSize > declaration.maxBatch) {
        issues.push({ field: `${at}.batchSize`, message: `${flow.target} accepts at most ${declaration.maxBatch} records per call` });
      }
      flow.objects.forEach((object, objectIndex) => {
        const objectAt = `${at}.objects[${objectIndex}]`;
        const objectDeclaration = declaration.objects[object.object];
        if (!objectDeclaration) {
          issues.push({
            field: `${objectAt}.object`,
            message: `${flow.target} has no object "${object.object}" (known: ${Object.keys(declaration.objects).join(', ')})`,
          });
          return;
        }
        const unmapped = keyFieldsOf(objectDeclaration).find((field) => !(field in object.mapping));
        if (unmapped !== undefined) {
          issues.push({
            field: `${objectAt}.mapping`,
            message: `must map the key field "${unmapped}" of ${flow.target} ${object.object}`,
          });
        }
      });
    }
    if (flow.schedule) {
      try {
        parseCron(flow.schedule.cron);
      } catch (error) {
        issues.push({ field: `${at}.schedule.cron`, message: (error as Error).message });
      }
    } else if (flow.push === undefined) {
      issues.push({ field: `${at}.schedule`, message: 'a flow is polled on a schedule, fed by a pushed source (push), or both: set schedule or push' });
    }
    if (Number.isNaN(Date.parse(flow.initialSince))) {
      issues.push({ field: `${at}.initialSince`, message: `"${flow.initialSince}" is not an ISO date` });
    }
  });
  issues.push(...pushedSourceIssues(config));
  issues.push(...pushedTargetIssues(config, catalog));
  issues.push(...flowResourceIssues(config, catalog));
  issues.push(...endpointIssues(config, { deployed: false }));
  return issues;
}

/**
 * A pushed source must feed a flow, and name a record as the poll of the same flow does: the
 * record state and the audit trail are keyed by that id, whichever way the record arrived.
 */
function pushedSourceIssues(config: CustomerConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const pushed = config.pushed ?? {};
  config.flows.forEach((flow, index) => {
    const name = pushSourceOf(flow);
    if (name === undefined) return;
    const field = typeof flow.push === 'string' ? `flows[${index}].push` : `flows[${index}].push.source`;
    const source = pushed[name];
    if (!source) {
      const known = Object.keys(pushed).join(', ') || '(none)';
      issues.push({ field, message: `"${name}" is not a key of pushed (known: ${known})` });
      return;
    }
    if (typeof flow.push === 'object' && !source.fetch) {
      issues.push({
        field: `flows[${index}].push.objects`,
        message: `pushed.${name} does not fetch records by object (no fetch section): feed the flow with push: ${name}`,
      });
    }
    const entity = flow.source === undefined ? undefined : config.peoplesoft.entities[flow.source];
    // Only a flow that is also polled gets records both ways; a push-only flow names its records
    // as its sender does (e.g. a SaaS tool's webhook, which knows no PeopleSoft key).
    // A fetching source names records by the pushing system's ids (`<object>|<id>`), not by key fields.
    if (flow.schedule && entity && source.records.keyFields && entity.keyFields.join('|') !== source.records.keyFields.join('|')) {
      issues.push({
        field: `pushed.${name}.records.keyFields`,
        message: `must be [${entity.keyFields.join(', ')}], the key fields of peoplesoft.entities.${flow.source} that flow ${flow.name} polls, so both name a record alike`,
      });
    }
  });
  for (const [name, source] of Object.entries(pushed)) {
    issues.push(...pushedFormatIssues(name, source));
    // Secrets are stored per system name (`secrets set --system <name>`): one name, one system.
    if (name === 'peoplesoft' || name in config.targets) {
      issues.push({ field: `pushed.${name}`, message: `"${name}" already names ${name === 'peoplesoft' ? 'the source system' : 'a target'}; choose another name` });
    }
    if (!config.flows.some((flow) => pushSourceOf(flow) === name)) {
      issues.push({ field: `pushed.${name}`, message: `no flow is fed by it; set "push: ${name}" on a flow` });
    }
  }
  return issues;
}

/** The fields of a pushed source that its body format cannot use, and its size limit. */
function pushedFormatIssues(name: string, source: PushedSourceConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const at = `pushed.${name}`;
  const limit = PUSHED_BODY_LIMITS[source.format];
  if (source.maxBodyBytes > limit) {
    issues.push({ field: `${at}.maxBodyBytes`, message: `at most ${limit} for format ${source.format}` });
  }
  if (source.format === 'json') {
    if (source.rowset) issues.push({ field: `${at}.rowset`, message: 'applies to format ib-rowset-xml only' });
    return issues;
  }
  // A rowset message carries its records in MsgData and its action in PSCAMA; nothing else is read from the body.
  const xmlOnly = 'an Integration Broker rowset message';
  if (source.verify.kind === 'channel-token') issues.push({ field: `${at}.verify.kind`, message: `channel-token reads a JSON body; ${xmlOnly} is verified by basic, header or hmac-sha256` });
  if (source.records.path !== '') issues.push({ field: `${at}.records.path`, message: `${xmlOnly} holds its records in MsgData/Transaction: remove path` });
  if (source.records.deactivateWhen) issues.push({ field: `${at}.records.deactivateWhen`, message: `${xmlOnly} deactivates by PSCAMA AUDIT_ACTN D: remove deactivateWhen` });
  for (const key of ['eventId', 'eventTime'] as const) {
    const location = source[key];
    if (location && 'path' in location) issues.push({ field: `${at}.${key}`, message: `${xmlOnly} is not JSON: use { header: NAME } (e.g. TransactionID)` });
  }
  return issues;
}

/**
 * Validates an already-parsed config object: the schema (strict, defaults merged) and then the
 * cross-field rules. Throws one `ConfigError` listing every offending field. `catalog` names the
 * targets the config may use (the built-in ones by default).
 */
export function validateConfig(raw: unknown, source = 'config', catalog: TargetCatalog = targetCatalog): CustomerConfig {
  const schema = catalog === targetCatalog ? customerConfigSchema : buildConfigSchema(catalog);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(source, zodIssues(parsed.error));
  const issues = crossFieldIssues(parsed.data, catalog);
  if (issues.length > 0) throw new ConfigError(source, issues);
  return parsed.data;
}
