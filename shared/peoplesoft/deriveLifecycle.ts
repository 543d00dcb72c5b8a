import type { LifecycleRules } from '../config/schema';
import { Lifecycle, RecordOperation } from '../envelope';

/** What a source record means for its targets. */
export interface DerivedLifecycle {
  readonly operation: RecordOperation;
  readonly lifecycle?: Lifecycle;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number') return String(value);
  return undefined;
}

/**
 * Derives the lifecycle event of a person record from its status and last action: an inactive
 * status is a termination (deactivate); otherwise the action tells hire, rehire or transfer, and
 * anything else is a change. Entities without lifecycle rules are plain upserts.
 */
export function deriveLifecycle(record: Readonly<Record<string, unknown>>, rules: LifecycleRules | undefined): DerivedLifecycle {
  if (!rules) return { operation: RecordOperation.Upsert };
  const status = text(record[rules.statusField]);
  if (status !== undefined && rules.inactiveValues.includes(status)) {
    return { operation: RecordOperation.Deactivate, lifecycle: Lifecycle.Termination };
  }
  const action = text(record[rules.actionField]);
  const lifecycle =
    action === undefined
      ? Lifecycle.Change
      : rules.hireActions.includes(action)
        ? Lifecycle.Hire
        : rules.rehireActions.includes(action)
          ? Lifecycle.Rehire
          : rules.transferActions.includes(action)
            ? Lifecycle.Transfer
            : Lifecycle.Change;
  return { operation: RecordOperation.Upsert, lifecycle };
}
