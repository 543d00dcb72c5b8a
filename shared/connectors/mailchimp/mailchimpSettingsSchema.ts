import { z } from 'zod';
import { targetSettingsBase } from '../../config/primitives';
import { mailchimpLimits } from './mailchimpLimits';

const listId = z.string().regex(/^[a-z0-9]{1,32}$/i, 'an audience (list) id such as a1b2c3d4e5 (Audience → Settings → Audience name and defaults)');

/** The `targets.mailchimp` section of a customer config. */
export const mailchimpSettingsSchema = z.strictObject({
  ...targetSettingsBase,
  /**
   * Audience (list) id per object: `employees` (F3) and `contacts` (F4). A flow writing an
   * object whose audience is not set fails `ping` and its writes, naming this field.
   */
  audiences: z
    .strictObject({ employees: listId.optional(), contacts: listId.optional() })
    .refine((audiences) => Object.values(audiences).some((id) => id !== undefined), 'name at least one audience: employees or contacts'),
  /** Connections in flight at once, at most Mailchimp's 10 per user (shared by every flow). */
  concurrency: z.number().int().min(1).max(mailchimpLimits.inFlight).default(mailchimpLimits.inFlight),
  /** Mailchimp ends a call after 120 s; wait a little longer for its answer. */
  requestTimeoutMs: z.number().int().min(1_000).max(300_000).default(mailchimpLimits.defaultRequestTimeoutMs),
});

export type MailchimpConfig = z.infer<typeof mailchimpSettingsSchema>;
