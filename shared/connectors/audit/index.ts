export { AuditLogConnector } from './AuditLogConnector';
export { auditDeclaration } from './auditDeclaration';
export { auditSettingsSchema } from './auditSettingsSchema';
export type { AuditSettings } from './auditSettingsSchema';
export { auditTarget } from './auditTarget';
