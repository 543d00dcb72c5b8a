export { EventSourceLoop } from './EventSourceLoop';
export type { EventSourceHandlerResult, EventSourceLoopOptions } from './EventSourceLoop';
export { LocalAws } from './LocalAws';
export type { LocalAwsOptions, LocalQueues } from './LocalAws';
export { LocalSession } from './LocalSession';
export type { LocalSessionOptions, SyncOptions, SyncSummary } from './LocalSession';
export { DEMO_CONFIG, runDemo } from './runDemo';
export type { DemoChanges, DemoOptions, DemoResult } from './runDemo';
export { LocalScheduler } from './LocalScheduler';
