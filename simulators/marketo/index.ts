export { startMarketoSimulator } from './startMarketoSimulator';
export { MarketoFault } from './MarketoSimulator';
export type { CallLogEntry, FaultInjector, FieldValue, MarketoSimulator, StoredRecord } from './MarketoSimulator';
export type { MarketoRateLimitOptions, MarketoSimulatorOptions } from './MarketoSimulatorOptions';
export { MAX_BODY_BYTES, MAX_URI_BYTES } from './createRequestListener';
export { MAX_RECORDS_PER_CALL } from './requestParts';
export { STANDARD_COMPANY_FIELDS, STANDARD_LEAD_FIELDS, STANDARD_SALES_PERSON_FIELDS } from './standardFields';
