import { z } from 'zod';
import { targetSettingsBase } from '../../config/primitives';
import { zendeskLimits } from './zendeskLimits';

/** The `targets.zendesk` section of a customer config. */
export const zendeskSettingsSchema = z.strictObject({
  ...targetSettingsBase,
  /** The account's subdomain: `acme` for https://acme.zendesk.com. */
  subdomain: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a Zendesk subdomain such as acme (from https://acme.zendesk.com)'),
  /**
   * The plan's account-wide API requests per minute (Team 200, Growth and Professional 400,
   * Enterprise 700, Enterprise Plus or High Volume add-on 2,500); calls are paced under it.
   */
  requestsPerMinute: z.number().int().min(zendeskLimits.minRequestsPerMinute).max(zendeskLimits.maxRequestsPerMinute).default(400),
  /**
   * Mapped user fields that are custom user fields (keys from Admin Center → People → User
   * fields): they are sent under `user_fields`, and `ping` checks that each exists.
   */
  userFields: z.array(z.string().regex(/^[a-z0-9_]+$/, 'a user field key: lower-case letters, digits and _')).default(['department', 'title']),
  /** How long one write follows its background job before handing unfinished records back for a retry. */
  jobWaitSeconds: z.number().int().min(5).max(600).default(45),
  /** First wait between two looks at a job's status; it doubles up to 5 s. */
  jobPollMs: z.number().int().min(50).max(5_000).default(500),
  requestTimeoutMs: z.number().int().positive().default(30_000),
});

export type ZendeskSettings = z.infer<typeof zendeskSettingsSchema>;
