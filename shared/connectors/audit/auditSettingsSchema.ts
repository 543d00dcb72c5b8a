import { z } from 'zod';

/** `targets.audit`: nothing to connect to; only how much of each record the audit row keeps. */
export const auditSettingsSchema = z.strictObject({
  simulator: z.boolean().default(false).describe('Ignored: the audit log is always the stack\'s own table.'),
  network: z.enum(['public', 'private']).default('public'),
  /** Characters of the mapped record kept in the audit row's note. */
  noteMaxChars: z.number().int().min(0).max(4000).default(1000),
});

export type AuditSettings = z.infer<typeof auditSettingsSchema>;
