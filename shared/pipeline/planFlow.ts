import { polledEntityOf } from '../config/flowSources';
import type { CustomerConfig, FlowConfig } from '../config';
// From its own file, so the YAML parser stays out of the Lambda bundles.
import { peopleSoftSystemOf } from '../config/peopleSoftSystemOf';
import { targetKeyOf, type TargetDeclaration } from '../connectors';
import { compareSourceVersions } from '../envelope';
import { applyMapping, MappingRejectedError, payloadHash } from '../mapping';
import { recordStateKey, type StateStore } from '../state';
import type { RecordSource } from './pollFlow';
import { pollWindow } from './pollWindow';

export interface ObjectPlan {
  creates: number;
  updates: number;
  deletes: number;
  unchanged: number;
  /** Deactivations of records never written to this object: no call, nothing created. */
  inactiveNeverSynced: number;
  /** Records older than the version the target already holds: not written. */
  superseded: number;
  examples: Array<{ change: 'create' | 'update' | 'delete'; key: string; payload: Record<string, unknown> }>;
}

export interface FlowPlan {
  readonly flow: string;
  readonly windowFrom: string;
  readonly windowTo: string;
  read: number;
  rejected: Array<{ id?: string; reason: string }>;
  readonly objects: Record<string, ObjectPlan>;
}

const EXAMPLES_PER_OBJECT = 3;

/**
 * Dry run: reads the same window the poller would and says what the writer would do to each
 * target object, without touching the queue, the cursor, the record state or the target.
 */
export async function planFlow(deps: {
  config: CustomerConfig;
  flow: FlowConfig;
  source: RecordSource;
  store: StateStore;
  target: TargetDeclaration;
  since?: Date;
}): Promise<FlowPlan> {
  const { config, flow, source, store, target } = deps;
  const entity = polledEntityOf(flow);
  const cursor = await store.getCursor(flow.name);
  const { from, to } = await pollWindow({
    timing: peopleSoftSystemOf(config, entity),
    flow,
    source,
    ...(cursor ? { cursor: cursor.until } : {}),
    ...(deps.since ? { since: deps.since } : {}),
  });
  const plan: FlowPlan = {
    flow: flow.name,
    windowFrom: from.toISOString(),
    windowTo: to.toISOString(),
    read: 0,
    rejected: [],
    objects: Object.fromEntries(
      flow.objects.map((object) => [object.object, { creates: 0, updates: 0, deletes: 0, unchanged: 0, inactiveNeverSynced: 0, superseded: 0, examples: [] }]),
    ),
  };
  if (to <= from) return plan;
  for await (const event of source.read(entity, { from, to })) {
    if (event.type !== 'page') continue;
    plan.read += event.items.length;
    const records = event.items.flatMap((item) => {
      if (item.kind === 'rejected') {
        plan.rejected.push({ ...(item.id ? { id: item.id } : {}), reason: item.reason.startsWith(item.field) ? item.reason : `${item.field}: ${item.reason}` });
        return [];
      }
      return [item];
    });
    const states = await store.getRecordStates(
      records.flatMap((item) => flow.objects.map((object) => ({ flow: flow.name, sourceId: item.id, object: object.object }))),
    );
    for (const item of records) {
      for (const object of flow.objects) {
        const declaration = target.objects[object.object]!;
        const objectPlan = plan.objects[object.object]!;
        if (item.operation === 'deactivate' && object.onDeactivate === 'ignore') continue;
        const del = item.operation === 'deactivate' && object.onDeactivate === 'delete';
        let mapped: Record<string, unknown>;
        try {
          mapped = applyMapping(item.record, object.mapping);
        } catch (error) {
          if (!(error instanceof MappingRejectedError)) throw error;
          plan.rejected.push({ id: item.id, reason: `${object.object}.${error.message}` });
          continue;
        }
        const targetKey = targetKeyOf(declaration, mapped);
        const payload = del && 'fields' in targetKey ? { ...targetKey.fields } : mapped;
        const state = states.get(recordStateKey({ flow: flow.name, sourceId: item.id, object: object.object }));
        const hash = payloadHash(del ? 'delete' : 'upsert', payload);
        let change: 'create' | 'update' | 'delete' | undefined;
        // The same decisions, in the same order, as the writer's (writeBatch).
        if (state?.sourceVersion !== undefined && compareSourceVersions(item.updatedAt, state.sourceVersion) < 0) objectPlan.superseded += 1;
        else if (item.operation === 'deactivate' && state?.hash === undefined && state?.pendingHash === undefined) objectPlan.inactiveNeverSynced += 1;
        else if (state?.hash === hash) objectPlan.unchanged += 1;
        else if (del) change = 'delete';
        else change = state?.hash ? 'update' : 'create';
        if (!change) continue;
        objectPlan[change === 'create' ? 'creates' : change === 'update' ? 'updates' : 'deletes'] += 1;
        if (objectPlan.examples.filter((example) => example.change === change).length < EXAMPLES_PER_OBJECT) {
          objectPlan.examples.push({ change, key: 'key' in targetKey ? targetKey.key : '', payload });
        }
      }
    }
  }
  return plan;
}
