export {
  ENVELOPE_SCHEMA_VERSION,
  Lifecycle,
  RecordOperation,
  dedupeKeyOf,
  makeEnvelope,
  recordEnvelopeSchema,
} from './envelope';
export { compareSourceVersions } from './compareSourceVersions';
export type { NewEnvelope, RecordEnvelope } from './envelope';
