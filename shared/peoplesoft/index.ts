export { PeopleSoftSource } from './PeopleSoftSource';
export { PeopleSoftSources } from './PeopleSoftSources';
export { formatQueryRange } from './formatQueryRange';
export type { QueryRange } from './formatQueryRange';
export type {
  OperationUrlParams,
  PeopleSoftCredentials,
  PeopleSoftRetryOptions,
  PeopleSoftSourceOptions,
  ReadRange,
} from './PeopleSoftSource';
export type { RejectedItem, SourceEvent, SourceItem, SourceRecordItem } from './SourceEvent';
export { classifyPeopleSoftResponse } from './classifyPeopleSoftResponse';
export type {
  PeopleSoftCallContext,
  PeopleSoftPage,
  PeopleSoftPrincipal,
  PeopleSoftReading,
} from './classifyPeopleSoftResponse';
export { validateRecord } from './validateRecord';
export { explodeRows } from './explodeRows';
export { deriveLifecycle } from './deriveLifecycle';
export type { DerivedLifecycle } from './deriveLifecycle';
export { isCalendarDate, parseSourceTimestamp, zonedWallTimeToUtc } from './parseSourceTimestamp';
export type { SourceTimestampFormat, WallTime } from './parseSourceTimestamp';
export { OAuth2TokenProvider } from './OAuth2TokenProvider';
export type { OAuth2TokenProviderOptions } from './OAuth2TokenProvider';
export { probeTls } from './probeTls';
export type { TlsProbe, TlsProbeTarget } from './probeTls';
export { valueAtPath } from './valueAtPath';
