export { buildConfigSchema, customerConfigSchema } from './schema';
export type {
  CustomerConfig,
  CustomerConfigInput,
  FieldMapping,
  FieldRule,
  FlowConfig,
  FlowObjectConfig,
  LifecycleRules,
  PeopleSoftConfig,
  PeopleSoftEntityConfig,
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
