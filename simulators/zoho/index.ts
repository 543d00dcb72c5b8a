export { startZohoSimulator, ZOHO_SIMULATOR_CREDENTIALS } from './startZohoSimulator';
export type { ZohoCall, ZohoChannel, ZohoNotificationDelivery, ZohoSimulator } from './startZohoSimulator';
export type { ZohoSimulatorOptions } from './ZohoSimulatorOptions';
export { zohoModuleFields } from './zohoModuleFields';
export type { ZohoFieldSpec } from './zohoModuleFields';
