import { createHmac } from 'node:crypto';
import type { PushedVerification } from '../config/schema';
import { ErrorKind, MlConnectorError } from '../errors';
import { valueAtPath } from '../peoplesoft/valueAtPath';
import { constantTimeEqual } from './constantTimeEqual';
import { DeliveryRefusedError } from './DeliveryRefusedError';
import { parseEventTime } from './parseEventTime';

/** What verification looks at: headers by lower-case name, the raw body, and (for a token in the body) the parsed JSON. */
export interface DeliveryToVerify {
  readonly source: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  readonly json?: unknown;
}

/** The secret JSON fields each kind of verification reads. */
export const VERIFICATION_SECRET_FIELDS = {
  'hmac-sha256': ['signingSecret'],
  header: ['token'],
  'channel-token': ['token'],
  basic: ['username', 'password'],
} as const satisfies Record<PushedVerification['kind'], readonly string[]>;

function secretField(secret: Readonly<Record<string, string>>, field: string, verification: PushedVerification): string {
  const value = secret[field];
  if (!value) {
    throw new MlConnectorError(`secret "${verification.secret}" has no "${field}" field (a ${verification.kind} source needs it)`, ErrorKind.Misconfigured);
  }
  return value;
}

/**
 * Checks that a delivery comes from the sender that holds the source's secret, as the source
 * declares: an HMAC-SHA256 signature (over timestamp + raw body, within a replay window), a
 * shared secret in a header, a channel token in the JSON body, or HTTP Basic credentials.
 * Throws `DeliveryRefusedError` (401) when it does not; every comparison is constant-time.
 */
export function verifyDelivery(
  delivery: DeliveryToVerify,
  verification: PushedVerification,
  secret: Readonly<Record<string, string>>,
  now: Date,
): void {
  const refuse = (message: string): never => {
    throw new DeliveryRefusedError(delivery.source, 401, message);
  };
  const header = (name: string): string | undefined => delivery.headers[name.toLowerCase()];

  switch (verification.kind) {
    case 'hmac-sha256': {
      const key = secretField(secret, 'signingSecret', verification);
      const given = header(verification.signatureHeader);
      if (!given) return refuse(`missing signature header ${verification.signatureHeader}`);
      let timestamp = '';
      if (verification.timestampHeader) {
        timestamp = header(verification.timestampHeader) ?? '';
        if (!timestamp) return refuse(`missing timestamp header ${verification.timestampHeader}`);
        const signedAt = parseEventTime(timestamp);
        if (!signedAt) return refuse(`unreadable timestamp in ${verification.timestampHeader}`);
        const skewSeconds = Math.abs(now.getTime() - signedAt.getTime()) / 1000;
        if (skewSeconds > verification.toleranceSeconds) {
          return refuse(`timestamp in ${verification.timestampHeader} is outside the ${verification.toleranceSeconds} s window`);
        }
      }
      const expected = createHmac('sha256', key).update(timestamp).update(delivery.body).digest(verification.encoding);
      const trimmed = given.trim();
      const prefixed = trimmed.startsWith(verification.signaturePrefix);
      const signature = prefixed ? trimmed.slice(verification.signaturePrefix.length) : trimmed;
      // Hex may arrive in either case; base64 is case-sensitive.
      const comparable = verification.encoding === 'hex' ? signature.toLowerCase() : signature;
      if (!constantTimeEqual(comparable, expected) || !prefixed) return refuse(`signature in ${verification.signatureHeader} does not match`);
      return;
    }
    case 'header': {
      const token = secretField(secret, 'token', verification);
      const given = header(verification.header);
      if (!given) return refuse(`missing header ${verification.header}`);
      if (!constantTimeEqual(given, token)) return refuse(`header ${verification.header} does not hold the shared secret`);
      return;
    }
    case 'channel-token': {
      const token = secretField(secret, 'token', verification);
      const given = valueAtPath(delivery.json, verification.path);
      if (typeof given !== 'string' || given === '') return refuse(`missing channel token at ${verification.path}`);
      if (!constantTimeEqual(given, token)) return refuse(`channel token at ${verification.path} does not match`);
      return;
    }
    case 'basic': {
      const username = secretField(secret, 'username', verification);
      const password = secretField(secret, 'password', verification);
      const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header('authorization') ?? '');
      if (!match) return refuse('missing Basic credentials in Authorization');
      const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const givenUser = colon < 0 ? decoded : decoded.slice(0, colon);
      const givenPassword = colon < 0 ? '' : decoded.slice(colon + 1);
      // Both comparisons always run, so the time does not tell which part was wrong.
      const userOk = constantTimeEqual(givenUser, username);
      const passwordOk = constantTimeEqual(givenPassword, password);
      if (!(userOk && passwordOk)) return refuse('Basic credentials do not match');
      return;
    }
  }
}
