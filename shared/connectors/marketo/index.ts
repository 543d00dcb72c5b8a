export { marketoDeclaration } from './declaration';
export { MarketoConnector } from './MarketoConnector';
export type { MarketoConnectorOptions } from './MarketoConnector';
export { MarketoTokenProvider } from './MarketoTokenProvider';
export type { MarketoCredentials, MarketoTokenProviderOptions } from './MarketoTokenProvider';
export { classifyMarketoResponse } from './classifyMarketoResponse';
export type { MarketoResponseContext, MarketoResponseLike, MarketoVerdict } from './classifyMarketoResponse';
export { marketoEndpoints, normalizeKey } from './marketoEndpoints';
export type {
  MarketoObjectEndpoints,
  MarketoReadEndpoint,
  MarketoWriteContext,
  MarketoWriteEndpoint,
} from './marketoEndpoints';
export { parseMarketoEnvelope, marketoRecordResultSchema } from './MarketoEnvelope';
export type { MarketoEnvelope, MarketoReason, MarketoRecordResult } from './MarketoEnvelope';
export { marketoLimits } from './marketoLimits';
export { nextMidnightInZone } from './nextMidnightInZone';
export { readRecordResult } from './readRecordResult';
export type { RecordVerdict } from './readRecordResult';
export { marketoSettingsSchema } from './marketoSettingsSchema';
export type { MarketoConfig } from './marketoSettingsSchema';
export { marketoTarget } from './marketoTarget';
export { readDescribedFields } from './readDescribedFields';
