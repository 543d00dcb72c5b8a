export { FlowQueue } from './FlowQueue';
export type { DeadLetter, FlowQueueOptions, OutgoingMessage } from './FlowQueue';
