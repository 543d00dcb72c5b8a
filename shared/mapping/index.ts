export { applyMapping, payloadHash } from './applyMapping';
