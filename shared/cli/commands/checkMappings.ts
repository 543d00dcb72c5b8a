import type { CustomerConfig, FieldMapping, FlowConfig } from '../../config';
import type { PingCheck, TargetConnector } from '../../connectors';
import type { RecordSource } from '../../pipeline';

/** A ping line with the system it is about. */
export type SystemCheck = PingCheck & { readonly system: string };

export interface MappingCheckDependencies {
  readonly config: CustomerConfig;
  readonly connector: (target: string) => Promise<TargetConnector>;
  readonly source: () => Promise<Pick<RecordSource, 'system' | 'read'>>;
  readonly now?: () => Date;
  /** How far back the sampled window reaches before the whole history is sampled. Default 30 days. */
  readonly recentDays?: number;
}

/**
 * Checks every enabled flow's mapping against both ends before anything is written:
 * - each mapped target field against the target's own description of the object (a field the
 *   target lacks would dead-letter every record);
 * - each source field the mapping reads against one page of real source records, the first
 *   page of a recent window (or of the whole history when that is empty): a field no sampled
 *   record carries is most likely a typo (`JOB_TITLE` for `JOBTITLE`) and maps to nothing.
 * One line per flow and object; a failing line names the flow, the object and the field.
 */
export async function checkMappings(deps: MappingCheckDependencies): Promise<SystemCheck[]> {
  const flows = deps.config.flows.filter((flow) => flow.enabled);
  const checks: SystemCheck[] = [];
  const described = new Map<string, Promise<ReadonlySet<string>>>();
  for (const flow of flows) {
    for (const { object, mapping } of flow.objects) {
      checks.push(await checkTargetObject(deps, described, flow, object, Object.keys(mapping)));
    }
  }
  const samples = new Map<string, Promise<Array<Readonly<Record<string, unknown>>>>>();
  // Only a polled entity can be sampled; a push-only flow's records come from its sender.
  for (const flow of flows) if (flow.source !== undefined) checks.push(await checkSourceFields(deps, samples, flow, flow.source));
  return checks;
}

async function checkTargetObject(
  deps: MappingCheckDependencies,
  described: Map<string, Promise<ReadonlySet<string>>>,
  flow: FlowConfig,
  object: string,
  fields: readonly string[],
): Promise<SystemCheck> {
  const name = `mapping ${flow.name} → ${object}`;
  const base = { system: flow.target, name };
  let fieldsOfObject: ReadonlySet<string>;
  try {
    const connector = await deps.connector(flow.target);
    if (!connector.describeFields) return { ...base, ok: true, detail: `not checked: ${flow.target} cannot describe its objects` };
    const key = `${flow.target}/${object}`;
    let pending = described.get(key);
    if (!pending) {
      pending = connector.describeFields(object);
      described.set(key, pending);
    }
    fieldsOfObject = await pending;
  } catch (error) {
    return { ...base, ok: false, detail: `could not ask ${flow.target} to describe ${object}: ${(error as Error).message}` };
  }
  const missing = fields.filter((field) => !fieldsOfObject.has(field));
  if (missing.length === 0) return { ...base, ok: true, detail: `${fields.length} mapped fields exist in ${flow.target} ${object}` };
  return {
    ...base,
    ok: false,
    detail: missing.map((field) => `flow ${flow.name} maps field "${field}", which ${flow.target} ${object} does not have`).join('; '),
  };
}

async function checkSourceFields(
  deps: MappingCheckDependencies,
  samples: Map<string, Promise<Array<Readonly<Record<string, unknown>>>>>,
  flow: FlowConfig,
  entity: string,
): Promise<SystemCheck> {
  const used = sourceFieldsOf(flow);
  const name = `mapping ${flow.name} ← ${entity}`;
  let records: Array<Readonly<Record<string, unknown>>>;
  let system = 'source';
  try {
    const source = await deps.source();
    system = source.system;
    let pending = samples.get(entity);
    if (!pending) {
      pending = samplePage(source, flow, entity, deps.now?.() ?? new Date(), deps.recentDays ?? 30);
      samples.set(entity, pending);
    }
    records = await pending;
  } catch (error) {
    return { system, name, ok: false, detail: `could not read a sample of ${entity}: ${(error as Error).message}` };
  }
  if (records.length === 0) return { system, name, ok: true, detail: `not checked: no ${entity} records to sample` };
  const carried = new Set(records.flatMap((record) => Object.keys(record)));
  const missing = [...used].filter(([field]) => !carried.has(field));
  if (missing.length === 0) {
    return { system, name, ok: true, detail: `all ${used.size} mapped source fields present in ${records.length} sampled records` };
  }
  return {
    system,
    name,
    ok: false,
    detail: missing
      .map(([field, targets]) => `flow ${flow.name} maps ${field} (to ${targets.join(', ')}), which none of ${records.length} sampled ${entity} records carries`)
      .join('; '),
  };
}

/** The first page of records in the last `recentDays`, or of the whole history if that is empty. */
async function samplePage(
  source: Pick<RecordSource, 'read'>,
  flow: FlowConfig,
  entity: string,
  now: Date,
  recentDays: number,
): Promise<Array<Readonly<Record<string, unknown>>>> {
  const recent = new Date(now.getTime() - recentDays * 86_400_000);
  const initial = new Date(flow.initialSince);
  for (const from of [recent, Number.isNaN(initial.getTime()) || initial >= recent ? undefined : initial]) {
    if (!from) continue;
    for await (const event of source.read(entity, { from, to: now })) {
      if (event.type !== 'page' || event.items.length === 0) continue;
      return event.items.flatMap((item) =>
        item.kind === 'record' ? [item.record] : typeof item.record === 'object' && item.record !== null ? [item.record as Record<string, unknown>] : [],
      );
    }
  }
  return [];
}

/** Source field → the target fields it feeds (`object.field`). */
function sourceFieldsOf(flow: FlowConfig): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  const add = (field: string, target: string): void => void fields.set(field, [...(fields.get(field) ?? []), target]);
  for (const { object, mapping } of flow.objects) {
    for (const [targetField, rule] of Object.entries(mapping)) {
      for (const field of readsFrom(rule)) add(field, `${object}.${targetField}`);
    }
  }
  return fields;
}

function readsFrom(rule: FieldMapping): string[] {
  if (typeof rule === 'string') return [rule];
  if ('from' in rule) return [rule.from];
  if ('template' in rule) return [...rule.template.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1]!);
  if ('each' in rule) return [rule.each];
  return [];
}
