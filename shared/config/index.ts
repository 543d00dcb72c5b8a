export { customerConfigSchema } from './schema';
export type {
  CustomerConfig,
  CustomerConfigInput,
  FieldMapping,
  FieldRule,
  FlowConfig,
  FlowObjectConfig,
  LifecycleRules,
  MarketoConfig,
  PeopleSoftConfig,
  PeopleSoftEntityConfig,
  TargetName,
} from './schema';
export { formatPath, loadConfig, parseConfig, validateConfig } from './loadConfig';
export { cronMatches, nextCronFire, parseCron } from './cron';
export type { CronExpression } from './cron';
export { WRITER_CONCURRENCY, pacingShare, resourceNames } from './resourceNames';
export type { FlowResourceNames } from './resourceNames';
