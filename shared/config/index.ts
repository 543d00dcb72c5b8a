export { buildConfigSchema, customerConfigSchema, SINGLE_SYSTEM } from './schema';
export { peopleSoftSystemOf, peopleSoftSystems } from './peopleSoftSystemOf';
export { flowTakesObject, polledEntityOf, pushSourceOf, sourceEntityOf } from './flowSources';
export type {
  CustomerConfig,
  CustomerConfigInput,
  FieldMapping,
  FieldRule,
  FlowConfig,
  FlowObjectConfig,
  LifecycleRules,
  PeopleSoftConfig,
  EffectiveDating,
  PeopleSoftEntityConfig,
  PeopleSoftSystemConfig,
  PeopleSoftSystemSettings,
  QueryTimestampFormat,
  TargetSettings,
} from './schema';
export { loadConfig, parseConfig } from './loadConfig';
export { formatPath, validateConfig } from './validateConfig';
export { endpointIssues } from './endpointIssues';
export { timeZoneProblem } from './timeZoneProblem';
export { cronMatches, nextCronFire, parseCron } from './cron';
export type { CronExpression } from './cron';
export { resourceNames, writerConcurrency } from './resourceNames';
export type { FlowResourceNames } from './resourceNames';
