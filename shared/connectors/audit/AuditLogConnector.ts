import { ItemOutcome, TargetAction, type ConnectorStats, type ItemResult, type PingCheck, type StoredTargetRecord, type TargetConnector, type TargetItem } from '../TargetConnector';
import { auditDeclaration } from './auditDeclaration';

/**
 * Writes nothing anywhere: the pipeline's own audit row is the write. Each item's mapped record
 * goes into that row's note (cut to `noteMaxChars`), so `audit --key` shows what the event said.
 */
export class AuditLogConnector implements TargetConnector {
  public readonly declaration = auditDeclaration;
  private recorded = 0;

  public constructor(private readonly noteMaxChars: number) {}

  public async write(_object: string, action: TargetAction, items: readonly TargetItem[]): Promise<ItemResult[]> {
    this.recorded += items.length;
    return items.map((item) => {
      const text = JSON.stringify(item.payload);
      const note = text.length > this.noteMaxChars ? `${text.slice(0, this.noteMaxChars)}…` : text;
      return {
        ref: item.ref,
        outcome: action === TargetAction.Delete ? ItemOutcome.Deleted : ItemOutcome.Created,
        targetId: item.key,
        ...(this.noteMaxChars > 0 ? { note } : {}),
      };
    });
  }

  /** Nothing is stored outside the audit rows, so an interrupted write is simply written again. */
  public async readBack(): Promise<StoredTargetRecord[]> {
    return [];
  }

  public async ping(): Promise<PingCheck[]> {
    return [{ name: 'audit: the state table', ok: true, detail: 'records are kept as audit rows' }];
  }

  public stats(): ConnectorStats {
    return { calls: { events: this.recorded }, totalCalls: 0, throttled: 0 };
  }
}
