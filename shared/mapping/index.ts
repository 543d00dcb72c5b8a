export { applyMapping, payloadHash } from './applyMapping';
export { MappingRejectedError } from './MappingRejectedError';
