export { startZendeskSimulator, ZENDESK_MAX_BULK_ITEMS } from './startZendeskSimulator';
export type { ZendeskCallLogEntry, ZendeskFault, ZendeskOrganization, ZendeskSimulator, ZendeskUser } from './ZendeskSimulator';
export type { ZendeskSimulatorOptions } from './ZendeskSimulatorOptions';
export { sampleZendeskDeliveries } from './sampleZendeskDeliveries';
export type { SampleZendeskDeliveriesOptions } from './sampleZendeskDeliveries';
