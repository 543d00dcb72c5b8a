import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFrontDoorServer, type FrontDoorServer } from '../../shared/cli/commands/serve';
import { LocalSession } from '../../shared/local';
import { zendeskTarget } from '../../shared/connectors/zendesk';
import { sampleZendeskDeliveries } from '../../simulators/zendesk';
import { demoConfig } from '../support/factories';

const SOURCE = 'zendesk-events';
const FLOW = 'zendesk-events-to-audit';
const SECRET = 'zendesk-webhook-signing-secret-for-tests';
let session: LocalSession;
let server: FrontDoorServer;

beforeAll(async () => {
  // F11 as the demo configures it: Zendesk's signing expressed with the generic hmac-sha256
  // verifier, the events fed to a push-only flow whose target is the audit log.
  const config = demoConfig();
  expect(config.pushed?.[SOURCE]?.verify).toMatchObject({ kind: 'hmac-sha256', secret: 'zendesk-webhook', encoding: 'base64' });
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
    ['oversize', () => zendeskEvent('01HEVT-O', 505, { body: JSON.stringify({ id: '01HEVT-O', subject: 'zen:user:505', pad: 'x'.repeat(70_000) }) }), 413],
    ['malformed JSON (correctly signed)', () => zendeskEvent('01HEVT-M', 506, { body: '{"id": "01HEVT-M", "subject": "zen:user:506"' }), 400],
  ])('queues and audits nothing for a %s delivery', async (_label, make, status) => {
    const delivery = make();
    const answer = await post(delivery);
    expect(answer.status).toBe(status);
    const subject = /zen:user:\d+/.exec(String(delivery.body))![0];
    expect(await written(subject)).toEqual([]);
    expect((await session.store.auditTrail(subject)).length).toBe(0);
  });

  it("takes the simulated webhook's signed samples, answers its redelivery as a duplicate and refuses its forgery", async () => {
    // The simulator signs with the secret the demo gives the front door; this session has the test's.
    const samples = sampleZendeskDeliveries({ secret: { signingSecret: SECRET } });
    expect(zendeskTarget.simulator?.webhooks?.sample).toBe('sampleZendeskDeliveries');
    const statuses = [];
    for (const sample of samples) statuses.push((await post({ method: 'POST', headers: sample.headers, body: sample.body })).status);
    expect(statuses).toEqual([202, 202, 200, 401]);
    const subjects = samples.map((sample) => (JSON.parse(sample.body) as { subject: string }).subject);
    expect((await written(subjects[0]!)).map((row) => JSON.parse(row.note!).type)).toEqual(['zen:event-type:user.created']);
    expect((await written(subjects[1]!)).map((row) => JSON.parse(row.note!).type)).toEqual(['zen:event-type:organization.created']);
    expect(await session.store.auditTrail(subjects[3]!)).toEqual([]);
  });
});
