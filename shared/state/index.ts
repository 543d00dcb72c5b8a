export { StateStore, recordStateKey } from './StateStore';
export { EffectiveDateStore } from './EffectiveDateStore';
export type { EffectiveDateStoreOptions, PendingRow } from './EffectiveDateStore';
export type { StateStoreOptions } from './StateStore';
export { AuditEvent } from './types';
export type { AuditRow, CredentialsPark, Cursor, QuotaPark, RecordState, RunCounters, RunSummary } from './types';
export { stateTableDefinition } from './tableDefinition';
