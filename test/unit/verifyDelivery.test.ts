import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { customerConfigSchema } from '../../shared/config';
import type { PushedVerification } from '../../shared/config/schema';
import { DeliveryRefusedError, parseEventTime, verifyDelivery, type DeliveryToVerify } from '../../shared/frontdoor';

const NOW = new Date('2026-03-01T12:00:00Z');
const BODY = Buffer.from('{"records":[{"id":"1"}],"token":"chan-123"}');

/** A verification as the config schema fills it in (defaults merged). */
function verification(input: Record<string, unknown>): PushedVerification {
  const config = customerConfigSchema.shape.pushed.unwrap().valueType.parse({ verify: input, records: { keyFields: ['id'] } });
  return config.verify;
}

function delivery(headers: Record<string, string>, body: Buffer = BODY): DeliveryToVerify {
  return { source: 'events', headers, body, json: JSON.parse(body.toString()) };
}

function refusal(run: () => void): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DeliveryRefusedError);
    expect((error as DeliveryRefusedError).status).toBe(401);
    return (error as Error).message;
  }
  return 'accepted';
}

const hex = (secret: string, text: Buffer): string => createHmac('sha256', secret).update(text).digest('hex');

describe('verifyDelivery', () => {
  const cases: Array<{ name: string; verify: Record<string, unknown>; secret: Record<string, string>; headers: Record<string, string>; outcome: string }> = [
    {
      name: 'hex HMAC with a prefix, upper-case hex accepted',
      verify: { kind: 'hmac-sha256', secret: 's', signatureHeader: 'X-Hub-Signature', signaturePrefix: 'sha256=', encoding: 'hex' },
      secret: { signingSecret: 'k1' },
      headers: { 'x-hub-signature': `sha256=${hex('k1', BODY).toUpperCase()}` },
      outcome: 'accepted',
    },
    {
      name: 'hex HMAC without the declared prefix',
      verify: { kind: 'hmac-sha256', secret: 's', signatureHeader: 'X-Hub-Signature', signaturePrefix: 'sha256=', encoding: 'hex' },
      secret: { signingSecret: 'k1' },
      headers: { 'x-hub-signature': hex('k1', BODY) },
      outcome: 'events: signature in X-Hub-Signature does not match',
    },
    {
      name: 'HMAC signed with a timestamp the header does not carry',
      verify: { kind: 'hmac-sha256', secret: 's', signatureHeader: 'X-Sig', timestampHeader: 'X-Ts' },
      secret: { signingSecret: 'k1' },
      headers: { 'x-sig': createHmac('sha256', 'k1').update(`2026-03-01T12:00:00Z${BODY.toString()}`).digest('base64'), 'x-ts': '2026-03-01T12:00:01Z' },
      outcome: 'events: signature in X-Sig does not match',
    },
    {
      name: 'HMAC over an ISO timestamp + body, within the window',
      verify: { kind: 'hmac-sha256', secret: 's', signatureHeader: 'X-Sig', timestampHeader: 'X-Ts', toleranceSeconds: 60 },
      secret: { signingSecret: 'k1' },
      headers: { 'x-sig': createHmac('sha256', 'k1').update(`2026-03-01T11:59:30Z${BODY.toString()}`).digest('base64'), 'x-ts': '2026-03-01T11:59:30Z' },
      outcome: 'accepted',
    },
    {
      name: 'HMAC from the future beyond the window',
      verify: { kind: 'hmac-sha256', secret: 's', signatureHeader: 'X-Sig', timestampHeader: 'X-Ts', toleranceSeconds: 60 },
      secret: { signingSecret: 'k1' },
      headers: { 'x-sig': 'irrelevant', 'x-ts': String(NOW.getTime() / 1000 + 120) },
      outcome: 'events: timestamp in X-Ts is outside the 60 s window',
    },
    { name: 'shared header secret', verify: { kind: 'header', secret: 's', header: 'X-Token' }, secret: { token: 't0k' }, headers: { 'x-token': 't0k' }, outcome: 'accepted' },
    {
      name: 'shared header secret, one character off',
      verify: { kind: 'header', secret: 's', header: 'X-Token' },
      secret: { token: 't0k' },
      headers: { 'x-token': 't0K' },
      outcome: 'events: header X-Token does not hold the shared secret',
    },
    { name: 'shared header missing', verify: { kind: 'header', secret: 's', header: 'X-Token' }, secret: { token: 't0k' }, headers: {}, outcome: 'events: missing header X-Token' },
    { name: 'channel token in the body', verify: { kind: 'channel-token', secret: 's', path: 'token' }, secret: { token: 'chan-123' }, headers: {}, outcome: 'accepted' },
    {
      name: 'channel token that differs',
      verify: { kind: 'channel-token', secret: 's', path: 'token' },
      secret: { token: 'chan-124' },
      headers: {},
      outcome: 'events: channel token at token does not match',
    },
    {
      name: 'Basic credentials',
      verify: { kind: 'basic', secret: 's' },
      secret: { username: 'ib', password: 'p:w' },
      headers: { authorization: `Basic ${Buffer.from('ib:p:w').toString('base64')}` },
      outcome: 'accepted',
    },
    {
      name: 'Basic credentials with the wrong password',
      verify: { kind: 'basic', secret: 's' },
      secret: { username: 'ib', password: 'p:w' },
      headers: { authorization: `Basic ${Buffer.from('ib:p').toString('base64')}` },
      outcome: 'events: Basic credentials do not match',
    },
    { name: 'no Authorization header', verify: { kind: 'basic', secret: 's' }, secret: { username: 'ib', password: 'pw' }, headers: {}, outcome: 'events: missing Basic credentials in Authorization' },
  ];

  it.each(cases)('$name: $outcome', ({ verify, secret, headers, outcome }) => {
    expect(refusal(() => verifyDelivery(delivery(headers), verification(verify), secret, NOW))).toBe(outcome);
  });

  it('names the secret field it lacks, never a value', () => {
    const run = (): void => verifyDelivery(delivery({ 'x-token': 'x' }), verification({ kind: 'header', secret: 'tickets-hook', header: 'X-Token' }), { value: 'hunter2' }, NOW);
    expect(run).toThrow('secret "tickets-hook" has no "token" field (a header source needs it)');
    expect(run).not.toThrow(/hunter2/);
  });

  it('refuses every single-bit change of a signed body', () => {
    const verify = verification({ kind: 'hmac-sha256', secret: 's', signatureHeader: 'X-Sig', encoding: 'hex' });
    const headers = { 'x-sig': hex('k1', BODY) };
    for (let bit = 0; bit < BODY.length * 8; bit += 7) {
      const tampered = Buffer.from(BODY);
      tampered[bit >> 3]! ^= 1 << (bit & 7);
      expect(refusal(() => verifyDelivery({ source: 'events', headers, body: tampered }, verify, { signingSecret: 'k1' }, NOW))).toMatch(/does not match/);
    }
  });
});

describe('parseEventTime', () => {
  it.each([
    ['2026-03-01T12:00:00Z', '2026-03-01T12:00:00.000Z'],
    ['1772366400', '2026-03-01T12:00:00.000Z'],
    [1772366400123, '2026-03-01T12:00:00.123Z'],
    ['May 1', undefined],
    ['', undefined],
    [null, undefined],
  ])('%j → %s', (value, expected) => {
    expect(parseEventTime(value)?.toISOString()).toBe(expected);
  });
});
