import type { FetchedRecord, TargetConnector, TargetRef } from '../connectors/TargetConnector';
import { RecordOperation, type RecordEnvelope } from '../envelope';
import { MlConnectorError } from '../errors';
import { AuditEvent, type AuditRow } from '../state';

/** What the writer learned by fetching the records of id-only envelopes. */
export interface FetchOutcome {
  /** Audit rows to append (an id the pushing system no longer has). */
  readonly audit: Array<Omit<AuditRow, 'at'>>;
  /** Messages whose fetch failed, with the reason: transient, handed back to the queue. */
  readonly failed: ReadonlyMap<string, string>;
}

/** Builds (or reuses) the connector of a target that is fetched from. */
export type FetchConnectorOf = (target: string) => Promise<TargetConnector>;

function groupKey(fetch: NonNullable<RecordEnvelope['fetch']>): string {
  return JSON.stringify([fetch.target, fetch.object, Object.entries(fetch.scope ?? {}).sort()]);
}

/**
 * Replaces, in place, every envelope that carries only the pushing system's id (`fetch`) by the
 * record fetched from that system (`fetchByIds`, one call per object and scope, the connector
 * splitting by its own limits): its fields become the record and its modified time the source
 * version, so a repeated notification finds the same version already written. An id the system
 * no longer has is audited `gone` and becomes a deactivation (the flow's `onDeactivate` decides;
 * one never written costs nothing). A fetch that fails (a thrown `MlConnectorError`, whatever
 * its kind) fails its messages transiently: they go back to the queue and are fetched again.
 * Envelopes without `fetch` are left alone.
 */
export async function fetchPushedRecords(envelopes: Map<string, RecordEnvelope>, connectorOf: FetchConnectorOf | undefined): Promise<FetchOutcome> {
  const audit: Array<Omit<AuditRow, 'at'>> = [];
  const failed = new Map<string, string>();
  const groups = new Map<string, Array<[string, RecordEnvelope]>>();
  for (const entry of envelopes) {
    const fetch = entry[1].fetch;
    if (!fetch) continue;
    const key = groupKey(fetch);
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  for (const group of groups.values()) {
    const { target, object, scope } = group[0]![1].fetch!;
    let found: FetchedRecord[];
    try {
      if (!connectorOf) throw new MlConnectorError(`this writer cannot fetch from ${target} (no connector for fetched targets)`, 'misconfigured');
      const connector = await connectorOf(target);
      if (!connector.fetchByIds) throw new MlConnectorError(`${target} cannot fetch records by id`, 'misconfigured');
      const refs: TargetRef[] = [...new Set(group.map(([, envelope]) => envelope.fetch!.id))].map((id) => ({ id, ...(scope ? { scope } : {}) }));
      found = await connector.fetchByIds(object, refs);
    } catch (error) {
      if (!(error instanceof MlConnectorError)) throw error; // a programmer error: never retried
      for (const [messageId] of group) failed.set(messageId, `fetching ${object} from ${target} failed: ${error.message}`);
      continue;
    }
    const byId = new Map(found.map((record) => [record.id, record]));
    for (const [messageId, envelope] of group) {
      const { fetch: _fetch, ...rest } = envelope;
      const record = byId.get(envelope.fetch!.id);
      if (record) {
        const version = record.version ?? envelope.sourceUpdatedAt;
        envelopes.set(messageId, { ...rest, operation: RecordOperation.Upsert, record: { ...record.fields }, ...(version ? { sourceUpdatedAt: version } : {}) });
      } else {
        audit.push({
          sourceId: envelope.source.id,
          flow: envelope.flow,
          event: AuditEvent.Gone,
          runId: envelope.runId,
          reason: `${target} has no ${object} ${envelope.fetch!.id} any more (deleted since it was pushed): passed on as a deactivation`,
        });
        envelopes.set(messageId, { ...rest, operation: RecordOperation.Deactivate });
      }
    }
  }
  return { audit, failed };
}
