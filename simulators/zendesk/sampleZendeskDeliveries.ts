import { createHmac } from 'node:crypto';
import type { SampleDelivery } from '../../shared/connectors';

export interface SampleZendeskDeliveriesOptions {
  /** The webhook's signing secret: `{ signingSecret }`. */
  readonly secret: Readonly<Record<string, string>>;
  /** When the deliveries are signed. Default: now. */
  readonly now?: Date;
}

const ACCOUNT_ID = 123456;
const WEBHOOK_ID = '01F1KRFQ6BG29CNWFR60NK5FNY';

/**
 * What an event-subscribed Zendesk webhook sends, for the demo
 * (https://developer.zendesk.com/documentation/webhooks/anatomy-of-a-webhook-request/): a user
 * and an organization event, each signed as Zendesk signs (base64 HMAC-SHA256 of the timestamp
 * header followed by the raw body, https://developer.zendesk.com/documentation/webhooks/verifying/),
 * the user event delivered again (Zendesk retries), and an event whose signature was made with
 * another secret (a forgery the front door must refuse).
 */
export function sampleZendeskDeliveries(options: SampleZendeskDeliveriesOptions): SampleDelivery[] {
  const now = options.now ?? new Date();
  const secret = options.secret['signingSecret'] ?? '';
  const sign = (label: string, event: Record<string, unknown>, key: string, invocation: number): SampleDelivery => {
    const timestamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const body = JSON.stringify({ account_id: ACCOUNT_ID, time: now.toISOString(), zendesk_event_version: '2022-11-06', ...event });
    return {
      label,
      body,
      headers: {
        'content-type': 'application/json',
        'x-zendesk-account-id': String(ACCOUNT_ID),
        'x-zendesk-webhook-id': WEBHOOK_ID,
        'x-zendesk-webhook-invocation-id': String(invocation),
        'x-zendesk-webhook-signature': createHmac('sha256', key).update(timestamp + body).digest('base64'),
        'x-zendesk-webhook-signature-timestamp': timestamp,
      },
    };
  };
  const stamp = now.getTime().toString(36).toUpperCase();
  const userCreated = sign(
    'user.created, signed',
    {
      type: 'zen:event-type:user.created',
      id: `01EVT${stamp}U1`,
      subject: 'zen:user:360000000901',
      detail: { id: '360000000901', email: 'jordan.lee@demo.example', role: 'end-user', external_id: null, organization_id: null },
      event: {},
    },
    secret,
    8350205582,
  );
  return [
    userCreated,
    sign(
      'organization.created, signed',
      {
        type: 'zen:event-type:organization.created',
        id: `01EVT${stamp}O1`,
        subject: 'zen:organization:360000000777',
        detail: { id: '360000000777', name: 'Harbor Supply Co.', external_id: null },
        event: {},
      },
      secret,
      8350205583,
    ),
    { ...userCreated, label: 'user.created again (Zendesk retries a delivery)' },
    sign(
      'user.deleted, signed with another secret (forged)',
      {
        type: 'zen:event-type:user.deleted',
        id: `01EVT${stamp}X1`,
        subject: 'zen:user:360000000902',
        detail: { id: '360000000902', email: 'intruder@demo.example', role: 'admin' },
        event: {},
      },
      `${secret}-forged`,
      8350205584,
    ),
  ];
}
