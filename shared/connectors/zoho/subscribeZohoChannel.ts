import { ErrorKind, ExternalSystemError } from '../../errors';
import type { SubscriptionRequest, SubscriptionState } from '../TargetConnector';
import type { ZohoPushApi } from './ZohoPushApi';
import { zohoChannelId } from './zohoChannelId';

const DAY_MINUTES = 1440;
/** Zoho's longest channel: 1 day up to API v3, 1 week from v4. */
function maxLifetimeMinutes(apiVersion: string): number {
  return /^v(2|2\.1|3)$/.test(apiVersion) ? DAY_MINUTES : 7 * DAY_MINUTES;
}
const EVENTS = ['create', 'edit', 'delete', 'all'];
/** Zoho echoes at most 50 characters of token. */
const MAX_TOKEN_LENGTH = 50;

/** `2025-02-02T10:30:00+00:00`: the form Zoho writes and reads channel expiries in. */
function zohoExpiry(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function misconfigured(operation: string, message: string): ExternalSystemError {
  return new ExternalSystemError(message, { system: 'zoho', operation, kind: ErrorKind.Misconfigured });
}

/**
 * Enables or renews the notification channel of a pushed source (`/actions/watch`): channel
 * `zohoChannelId(name, url)`, events `<Module>.<event>` for each object and event, the token,
 * the notify URL and an expiry no later than the API version allows (1 day up to v3, 1 week from
 * v4). The channel is looked up first: an existing one is replaced with `PUT` (every detail sent
 * again), a missing or lapsed one enabled with `POST`. Each call costs one credit.
 */
export async function subscribeZohoChannel(api: ZohoPushApi, request: SubscriptionRequest): Promise<SubscriptionState> {
  const version = api.apiVersion();
  const operation = `subscribe /crm/${version}/actions/watch`;
  const bad = request.events.find((event) => !EVENTS.includes(event));
  if (bad !== undefined) throw misconfigured(operation, `Zoho has no event "${bad}" (subscribe.events: ${EVENTS.join(', ')})`);
  if (request.token.length > MAX_TOKEN_LENGTH) {
    throw misconfigured(operation, `the verification secret's token has ${request.token.length} characters; Zoho keeps at most ${MAX_TOKEN_LENGTH}`);
  }
  const now = api.now();
  const expiresAt = request.expiresAt ? new Date(request.expiresAt) : new Date(now.getTime() + 3_600_000);
  const max = maxLifetimeMinutes(version);
  if (expiresAt.getTime() - now.getTime() > max * 60_000) {
    throw misconfigured(operation, `a channel lasts at most ${max} minutes with API ${version}: lower subscribe.lifetimeMinutes`);
  }
  const channelId = zohoChannelId(request.name, request.url);
  const events = request.objects.flatMap((object) => request.events.map((event) => `${object}.${event}`));

  const listed = await api.call('actions:watch:list', { method: 'GET', path: '/actions/watch', cost: 1, heavy: false });
  const existing = (Array.isArray(listed?.['watch']) ? (listed['watch'] as Array<Record<string, unknown>>) : []).find(
    (channel) => String(channel['channel_id']) === channelId,
  );
  const method = existing ? 'PUT' : 'POST';
  const answer = await api.call(`actions:watch:${existing ? 'renew' : 'enable'}`, {
    method,
    path: '/actions/watch',
    body: {
      watch: [
        {
          channel_id: channelId,
          events,
          channel_expiry: zohoExpiry(expiresAt),
          token: request.token,
          notify_url: request.url,
          notify_on_related_action: false,
        },
      ],
    },
    cost: 1,
    heavy: false,
  });
  const result = Array.isArray(answer?.['watch']) ? (answer['watch'][0] as Record<string, unknown> | undefined) : undefined;
  if (result?.['status'] !== 'success') {
    const details = (result?.['details'] ?? {}) as Record<string, unknown>;
    const field = typeof details['api_name'] === 'string' ? ` (${details['api_name']})` : '';
    throw new ExternalSystemError(`Zoho refused the channel${field}: ${String(result?.['message'] ?? 'no result')}`, {
      system: 'zoho',
      operation: `${method} /crm/${version}/actions/watch`,
      kind: ErrorKind.Permanent,
      ...(typeof result?.['code'] === 'string' ? { code: result['code'] } : {}),
    });
  }
  const granted = ((result['details'] as { events?: Array<{ channel_expiry?: unknown }> } | undefined)?.events ?? [])
    .map((event) => (typeof event.channel_expiry === 'string' ? Date.parse(event.channel_expiry) : Number.NaN))
    .filter((at) => !Number.isNaN(at));
  const until = new Date(granted.length > 0 ? Math.min(...granted) : expiresAt.getTime()).toISOString();
  const change = existing
    ? `renewed channel ${channelId} (${events.join(', ')}) until ${until}`
    : `enabled channel ${channelId} (${events.join(', ')}) until ${until}`;
  return { id: channelId, expiresAt: until, changes: [change] };
}
