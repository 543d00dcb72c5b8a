export { startMailchimpSimulator, SIMULATED_API_KEY } from './startMailchimpSimulator';
export type { MailchimpSimulator, MailchimpSimulatorOptions, OverloadAnswer, SimulatedCall } from './startMailchimpSimulator';
export { SimulatedAudience } from './SimulatedAudience';
export type { MemberStatus, SimulatedMember, SimulatedMergeField } from './SimulatedAudience';
export { problem } from './problem';
export type { Problem } from './problem';
