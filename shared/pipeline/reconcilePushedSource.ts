import { flowTakesObject, pushSourceOf, sourceEntityOf } from '../config/flowSources';
import type { FlowQueue } from '../aws';
import type { CustomerConfig, FlowConfig } from '../config/schema';
import { reconcileTargetOf } from '../config/pushedTargetIssues';
import type { TargetConnector } from '../connectors/TargetConnector';
import { makeEnvelope, RecordOperation } from '../envelope';
import { ErrorKind, MlConnectorError } from '../errors';
import { AuditEvent, type AuditRow, type StateStore } from '../state';

export interface ReconcileDependencies {
  readonly config: CustomerConfig;
  readonly connectorOf: (target: string) => Promise<TargetConnector>;
  /** The queue of each flow the source feeds. */
  readonly queueOf: (flow: FlowConfig) => Pick<FlowQueue, 'send'>;
  readonly store: Pick<StateStore, 'getCursor' | 'advanceCursor' | 'appendAudit' | 'newRunId'>;
  readonly now?: () => Date;
}

/** What one reconciliation of a pushed source found, per object. */
export interface ReconcileResult {
  readonly source: string;
  readonly runId: string;
  readonly objects: ReadonlyArray<{ readonly object: string; readonly since: string; readonly until: string; readonly queued: number }>;
}

/** The cursor of one object of a pushed source's reconciliation, in the state table. */
export function reconcileCursorKey(source: string, object: string): string {
  return `reconcile#${source}#${object}`;
}

/**
 * One reconciliation poll of a pushed source (`pushed.<source>.reconcile`): for each object, the
 * records the target changed since the cursor (minus `overlapMinutes`; the first run looks back
 * `lookbackMinutes`) up to now, read with the target's `listChanged`, are queued to every enabled
 * flow the source feeds exactly as a delivery of them would be (named `<object>|<id>`, versioned
 * by their modified time) and audited `pushed`; the cursor advances only once everything is on
 * the queues. A record already delivered is then skipped by the writer as unchanged, so an event
 * that never arrived is caught without a double effect.
 */
export async function reconcilePushedSource(source: string, deps: ReconcileDependencies): Promise<ReconcileResult> {
  const declaration = deps.config.pushed?.[source];
  const reconcile = declaration?.reconcile;
  const target = declaration ? reconcileTargetOf(declaration) : undefined;
  if (!declaration || !reconcile || !target) throw new MlConnectorError(`pushed source "${source}" has no reconcile section`, ErrorKind.Misconfigured);
  const connector = await deps.connectorOf(target);
  if (!connector.listChanged) throw new MlConnectorError(`${target} cannot list changed records (pushed.${source}.reconcile)`, ErrorKind.Misconfigured);
  const now = (deps.now ?? (() => new Date()))();
  const runId = deps.store.newRunId('poll').replace('~poll~', '~reconcile~');
  const flows = deps.config.flows.filter((flow) => pushSourceOf(flow) === source && flow.enabled);
  const system = declaration.system ?? source;
  const until = now.toISOString();
  const objects: Array<{ object: string; since: string; until: string; queued: number }> = [];
  for (const object of reconcile.objects) {
    const key = reconcileCursorKey(source, object);
    const cursor = await deps.store.getCursor(key);
    const since = new Date(
      cursor ? Date.parse(cursor.until) - reconcile.overlapMinutes * 60_000 : now.getTime() - reconcile.lookbackMinutes * 60_000,
    ).toISOString();
    let queued = 0;
    for await (const page of connector.listChanged(object, since, until)) {
      if (page.length === 0) continue;
      const audit: Array<Omit<AuditRow, 'at'>> = [];
      for (const flow of flows.filter((candidate) => flowTakesObject(candidate, object))) {
        const envelopes = page.map((record) => ({
          envelope: makeEnvelope({
            flow: flow.name,
            system,
            entity: sourceEntityOf(flow),
            sourceId: `${object}|${record.id}`,
            operation: RecordOperation.Upsert,
            record: { ...record.fields },
            ...(record.version ? { sourceUpdatedAt: record.version } : {}),
            runId,
            now,
          }),
        }));
        await deps.queueOf(flow).send(envelopes);
        for (const record of page) {
          audit.push({
            sourceId: `${object}|${record.id}`,
            flow: flow.name,
            event: AuditEvent.Pushed,
            runId,
            reason: `reconciled: changed in ${target} ${object} since ${since}`,
          });
        }
      }
      await deps.store.appendAudit(audit);
      queued += page.length;
    }
    await deps.store.advanceCursor(key, until, runId);
    objects.push({ object, since, until, queued });
  }
  return { source, runId, objects };
}

/** The pushed sources of a config that reconcile on a schedule (`reconcile`). */
export function reconciledSources(config: CustomerConfig): string[] {
  return Object.entries(config.pushed ?? {}).flatMap(([name, source]) => (source.reconcile ? [name] : []));
}
