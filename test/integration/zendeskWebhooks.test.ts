import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../shared/config';
import { startFrontDoorServer, type FrontDoorServer } from '../../shared/cli/commands/serve';
import { LocalSession } from '../../shared/local';
import { demoConfig, withoutPushedSources } from '../support/factories';

const SOURCE = 'zendesk-events';
const FLOW = 'zendesk-events-to-audit';
const SECRET = 'zendesk-webhook-signing-secret-for-tests';
let session: LocalSession;
let server: FrontDoorServer;

beforeAll(async () => {
  // F11 as configuration only: Zendesk's signing expressed with the generic hmac-sha256 verifier,
  // the event fed to a push-only flow whose target is the audit log.
  const input = structuredClone(demoConfig(withoutPushedSources)) as unknown as Record<string, unknown> & { targets: Record<string, unknown>; flows: Array<Record<string, unknown>> };
  input.targets.audit = { noteMaxChars: 500 };
  input.pushed = {
    [SOURCE]: {
      system: 'zendesk',
      verify: {
        kind: 'hmac-sha256',
        secret: 'zendesk-webhook',
        signatureHeader: 'X-Zendesk-Webhook-Signature',
        timestampHeader: 'X-Zendesk-Webhook-Signature-Timestamp',
        encoding: 'base64',
        toleranceSeconds: 300,
      },
      maxBodyBytes: 8192,
      eventId: { path: 'id' },
      eventTime: { path: 'time' },
      records: { path: '', keyFields: ['subject'] },
    },
  };
  input.flows.push({
    name: FLOW,
    source: 'employees',
    target: 'audit',
    push: SOURCE,
    objects: [{ object: 'events', mapping: { id: 'id', type: 'type', subject: 'subject', time: 'time', detail: 'detail' } }],
  });
  const config = validateConfig(input, 'zendesk webhook config');
  session = await LocalSession.open({ config, stateDir: null, env: { ML_SECRET_ZENDESK_WEBHOOK: JSON.stringify({ signingSecret: SECRET }) } });
  server = await startFrontDoorServer({ session, port: 0 });
});
afterAll(async () => {
  await server?.close();
  await session?.close();
});

/** A user event as Zendesk delivers it, signed as Zendesk signs: base64 HMAC-SHA256 of timestamp + body. */
function zendeskEvent(eventId: string, userId: number, options: { secret?: string; signedAt?: Date; body?: string } = {}) {
  const signedAt = options.signedAt ?? new Date();
  const body =
    options.body ??
    JSON.stringify({
      type: 'zen:event-type:user.custom_field_changed',
      account_id: 123456,
      id: eventId,
      time: signedAt.toISOString(),
      zendesk_event_version: '2022-11-06',
      subject: `zen:user:${userId}`,
      detail: { id: String(userId), external_id: '100042', email: 'pat@example.com', role: 'end-user' },
      event: { field: { id: '1000', key: 'title' }, current: 'Estimator', previous: 'Analyst' },
    });
  const timestamp = signedAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const signature = createHmac('sha256', options.secret ?? SECRET).update(timestamp + body).digest('base64');
  return {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-zendesk-account-id': '123456',
      'x-zendesk-webhook-id': '01F1KRFQ6BG29CNWFR60NK5FNY',
      'x-zendesk-webhook-signature': signature,
      'x-zendesk-webhook-signature-timestamp': timestamp,
    },
  };
}

const post = (delivery: RequestInit) => fetch(`${server.url}/webhooks/${SOURCE}`, delivery);

async function written(subject: string) {
  await server.idle();
  return (await session.store.auditTrail(subject)).filter((row) => row.flow === FLOW && row.event === 'written');
}

describe('Zendesk webhooks into the audit log (F11)', () => {
  it('audits a correctly signed event once, even when Zendesk delivers it again', async () => {
    const first = await post(zendeskEvent('01HEVT00000000000000000001', 501));
    expect(first.status).toBe(202);
    const again = await post(zendeskEvent('01HEVT00000000000000000001', 501));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'duplicate', queued: 0 });
    const rows = await written('zen:user:501');
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!.note!)).toMatchObject({ id: '01HEVT00000000000000000001', type: 'zen:event-type:user.custom_field_changed', subject: 'zen:user:501' });
  });

  it.each([
    ['forged (wrong secret)', () => zendeskEvent('01HEVT-F', 502, { secret: 'not-the-secret' }), 401],
    ['stale (signed 10 minutes ago)', () => zendeskEvent('01HEVT-S', 503, { signedAt: new Date(Date.now() - 600_000) }), 401],
    ['unsigned', () => ({ ...zendeskEvent('01HEVT-U', 504), headers: { 'content-type': 'application/json' } }), 401],
    ['oversize', () => zendeskEvent('01HEVT-O', 505, { body: JSON.stringify({ id: '01HEVT-O', subject: 'zen:user:505', pad: 'x'.repeat(9000) }) }), 413],
    ['malformed JSON (correctly signed)', () => zendeskEvent('01HEVT-M', 506, { body: '{"id": "01HEVT-M", "subject": "zen:user:506"' }), 400],
  ])('queues and audits nothing for a %s delivery', async (_label, make, status) => {
    const delivery = make();
    const answer = await post(delivery);
    expect(answer.status).toBe(status);
    const subject = /zen:user:\d+/.exec(String(delivery.body))![0];
    expect(await written(subject)).toEqual([]);
    expect((await session.store.auditTrail(subject)).length).toBe(0);
  });
});
