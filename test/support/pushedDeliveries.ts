import { createHmac } from 'node:crypto';
import { validateConfig, type CustomerConfig } from '../../shared/config';
import { demoConfig, withoutPushedSources } from './factories';

export const PUSHED_SOURCE = 'hr-events';
export const SIGNING_SECRET = 'test-signing-secret-0123456789';
/** The environment a local run reads the source's secret from (`ML_SECRET_<NAME>`). */
export const PUSHED_SECRET_ENV = { ML_SECRET_HR_EVENTS_WEBHOOK: JSON.stringify({ signingSecret: SIGNING_SECRET }) };

/**
 * The demo customer with a signed JSON webhook feeding its employees flow: HMAC-SHA256 over
 * timestamp + body (base64), event id in a header, records under `records`, terminations by status.
 */
export function pushedDemoConfig(maxBodyBytes = 4096): CustomerConfig {
  const input = structuredClone(demoConfig(withoutPushedSources)) as Record<string, unknown> & { flows: Array<Record<string, unknown>> };
  input.pushed = {
    [PUSHED_SOURCE]: {
      system: 'hr-push',
      verify: {
        kind: 'hmac-sha256',
        secret: 'hr-events-webhook',
        signatureHeader: 'X-Signature',
        timestampHeader: 'X-Signature-Timestamp',
        toleranceSeconds: 300,
      },
      maxBodyBytes,
      eventId: { header: 'X-Event-Id' },
      records: {
        path: 'records',
        keyFields: ['EMPLID'],
        timeField: 'LASTUPDDTTM',
        deactivateWhen: { field: 'EMPL_STATUS', values: ['T'] },
      },
    },
  };
  input.flows.find((flow) => flow.name === 'employees-to-marketo')!.push = PUSHED_SOURCE;
  return validateConfig(input, 'pushed demo config');
}

export interface SignedDelivery {
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A delivery signed as the source declares; `options` spoil one part of it. */
export function signedDelivery(
  eventId: string,
  records: readonly Record<string, unknown>[],
  options: { secret?: string; signedAt?: Date; body?: string } = {},
): SignedDelivery {
  const body = options.body ?? JSON.stringify({ event: { type: 'employee.changed' }, records });
  const timestamp = String(Math.floor((options.signedAt ?? new Date()).getTime() / 1000));
  const signature = createHmac('sha256', options.secret ?? SIGNING_SECRET).update(timestamp + body).digest('base64');
  return {
    body,
    headers: { 'content-type': 'application/json', 'x-event-id': eventId, 'x-signature-timestamp': timestamp, 'x-signature': signature },
  };
}
