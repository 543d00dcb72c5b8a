import type { TargetDeclaration } from '../TargetConnector';
import { zendeskLimits } from './zendeskLimits';

/**
 * Zendesk Support's objects, keys and limits. Users and organizations are matched by
 * `external_id` (the PeopleSoft key). A user's `delete` suspends it (Zendesk users synced from
 * PeopleSoft are never deleted); an organization's `delete` keeps it and only says so in the
 * audit trail. The per-minute window is the highest plan's: the connector lowers it to the
 * customer's plan (`targets.zendesk.requestsPerMinute`). Every answer reports what is left in
 * `X-Rate-Limit-Remaining`.
 */
export const zendeskDeclaration: TargetDeclaration = {
  name: 'zendesk',
  maxBatch: zendeskLimits.maxBatch,
  limits: {
    windows: [{ calls: zendeskLimits.maxRequestsPerMinute, windowMs: zendeskLimits.rateWindowMs }],
    inFlight: zendeskLimits.inFlight,
    headers: { remaining: 'X-Rate-Limit-Remaining' },
  },
  limitsUrl: 'https://developer.zendesk.com/api-reference/introduction/rate-limits/',
  objects: {
    users: { name: 'users', keyField: 'external_id', actions: ['upsert', 'delete'] },
    organizations: { name: 'organizations', keyField: 'external_id', actions: ['upsert', 'delete'] },
  },
};
