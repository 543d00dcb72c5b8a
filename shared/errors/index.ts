export { ErrorKind } from './ErrorKind';
export { MlConnectorError } from './MlConnectorError';
export type { MlConnectorErrorOptions } from './MlConnectorError';
export { ConfigError } from './ConfigError';
export type { ConfigIssue } from './ConfigError';
export { ExternalSystemError } from './ExternalSystemError';
export type { ExternalSystemErrorDetails } from './ExternalSystemError';
export { UnsafeHostError } from './UnsafeHostError';
export { classifyHttpStatus, parseRetryAfter } from './classifyHttpStatus';
