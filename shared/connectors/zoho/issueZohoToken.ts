import { z } from 'zod';
import { postTokenForm, type IssuedToken } from '../../auth';
import { CredentialsRefusedError, ErrorKind, ExternalSystemError } from '../../errors';
import type { HttpClient } from '../../http';

/** The self-client and its refresh token, as the `zoho` secret holds them. */
export interface ZohoCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
}

export interface ZohoTokenRequest {
  readonly http: HttpClient;
  /** The data center's accounts server, e.g. `https://accounts.zoho.eu`. */
  readonly accountsUrl: string;
  readonly credentials: ZohoCredentials;
  /** Named in messages; the values never are. */
  readonly secretName: string;
  /** Whether `api_domain` must be a Zoho API host (false only when the accounts server is overridden). */
  readonly strictApiDomain: boolean;
}

const answer = z.object({
  access_token: z.string().min(1),
  api_domain: z.string().min(1),
  expires_in: z.number().positive(),
  expires_in_sec: z.number().positive().optional(),
});
const oauthError = z.object({ error: z.string(), error_description: z.string().optional() });
const OPERATION = 'POST /oauth/v2/token';
/** A real org's API domain: `www.zohoapis.<tld>` (or sandbox / developer), `zohoapis.ca` for Canada. */
const ZOHO_API_HOST = /^((www|sandbox|developer)\.)?zohoapis\.(com|eu|in|com\.au|jp|com\.cn|ca|sa)$/;

/**
 * One refresh-token grant at the data center's accounts server: the access token, its lifetime
 * (`expires_in` in seconds, or `expires_in_sec` where an older answer gives milliseconds) and
 * the `api_domain` every API call must go to. A refused client or refresh token is
 * credentials-refused (naming the secret); "too many requests" (more than 10 tokens per refresh
 * token in 10 minutes) is rate-limited; the rest is classified like any HTTP answer.
 * https://www.zoho.com/crm/developer/docs/api/v8/refresh.html
 */
export async function issueZohoToken(request: ZohoTokenRequest): Promise<IssuedToken> {
  const { credentials, secretName } = request;
  const url = new URL(`${request.accountsUrl.replace(/\/+$/, '')}/oauth/v2/token`);
  const { response, json } = await postTokenForm(
    request.http,
    url,
    { grant_type: 'refresh_token', client_id: credentials.clientId, client_secret: credentials.clientSecret, refresh_token: credentials.refreshToken },
    OPERATION,
  );
  const fail = (message: string, kind: ErrorKind, extra: { retryAfterMs?: number; hint?: string } = {}): ExternalSystemError =>
    new ExternalSystemError(message, { system: 'zoho', operation: OPERATION, kind, status: response.status, ...extra });
  const error = oauthError.safeParse(json);
  if (error.success) {
    const code = error.data.error;
    if (/too many requests/i.test(error.data.error_description ?? '') || /access denied/i.test(code)) {
      throw fail('the accounts server refused another access token (at most 10 per refresh token in 10 minutes)', ErrorKind.RateLimited, {
        retryAfterMs: 60_000,
      });
    }
    if (/invalid_client|invalid_code|invalid_client_secret|unauthorized/i.test(code)) {
      throw new CredentialsRefusedError(`the accounts server answered ${code}`, {
        system: 'zoho',
        operation: OPERATION,
        status: response.status,
        code,
        secretName,
        hint: `check the client id, client secret and refresh token in secret ${secretName}, and that dataCenter is the org's data center (${new URL(request.accountsUrl).host})`,
      });
    }
    throw fail(`the accounts server answered ${code}`, ErrorKind.Misconfigured);
  }
  if (response.status >= 500 || response.status === 429) throw fail(`HTTP ${response.status}`, ErrorKind.Retryable);
  const parsed = answer.safeParse(json);
  if (response.status !== 200 || !parsed.success) throw fail(`HTTP ${response.status} without an access token`, ErrorKind.Retryable);

  let apiDomain: URL;
  try {
    apiDomain = new URL(parsed.data.api_domain);
  } catch {
    throw fail('api_domain in the token answer is not a URL', ErrorKind.Misconfigured);
  }
  if (request.strictApiDomain && (apiDomain.protocol !== 'https:' || !ZOHO_API_HOST.test(apiDomain.hostname))) {
    throw fail(`api_domain ${apiDomain.host} is not a Zoho API domain`, ErrorKind.Misconfigured);
  }
  const seconds = parsed.data.expires_in_sec ?? (parsed.data.expires_in > 86_400 ? parsed.data.expires_in / 1000 : parsed.data.expires_in);
  return {
    accessToken: parsed.data.access_token,
    lifetimeMs: seconds * 1000,
    meta: { apiDomain: apiDomain.href.replace(/\/+$/, '') },
  };
}
