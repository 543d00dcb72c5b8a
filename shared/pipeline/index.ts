export { MemoryAlerter } from './Alerter';
export type { Alerter } from './Alerter';
export { pollFlow } from './pollFlow';
export type { PollDependencies, PollProgress, PollResult, RecordSource, SourceEvent, SourceItem } from './pollFlow';
export { writeBatch } from './writeBatch';
export type { WriteBatchResult, WriterDependencies, WriterMessage } from './writeBatch';
export { planFlow } from './planFlow';
export type { FlowPlan } from './planFlow';
