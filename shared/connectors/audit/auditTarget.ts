import type { TargetDefinition } from '../TargetDefinition';
import { AuditLogConnector } from './AuditLogConnector';
import { auditDeclaration } from './auditDeclaration';
import { auditSettingsSchema, type AuditSettings } from './auditSettingsSchema';

/** The audit log: flows of events that are only recorded (webhooks into the audit trail). */
export const auditTarget: TargetDefinition<AuditSettings> = {
  declaration: auditDeclaration,
  settingsSchema: auditSettingsSchema,
  secretFields: [],
  secretHelp: 'no credentials: the audit log is the stack\'s own table',
  create: ({ settings }) => new AuditLogConnector(settings.noteMaxChars),
};
