import { z } from 'zod';
import { postTokenForm, type IssuedToken } from '../../auth';
import { CredentialsRefusedError, ErrorKind, ExternalSystemError, parseRetryAfter } from '../../errors';
import type { HttpClient } from '../../http';

/** The DMSA's client credentials, as the `procore` secret holds them. */
export interface ProcoreCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface ProcoreTokenRequest {
  readonly http: HttpClient;
  /** The login host, e.g. `https://login.procore.com`. */
  readonly loginUrl: string;
  readonly credentials: ProcoreCredentials;
  /** Named in messages; the values never are. */
  readonly secretName: string;
  readonly now: Date;
}

const answer = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });
const OPERATION = 'POST /oauth/token';

/**
 * One client-credentials grant at Procore's login host: the bearer token and its lifetime
 * (5,400 s; there is no refresh token, a new grant replaces it). A refused client is
 * credentials-refused naming the secret; 429 / 503 are rate-limited; other 5xx retryable.
 * https://developers.procore.com/documentation/oauth-client-credentials
 */
export async function issueProcoreToken(request: ProcoreTokenRequest): Promise<IssuedToken> {
  const url = new URL(`${request.loginUrl.replace(/\/+$/, '')}/oauth/token`);
  const { response, json } = await postTokenForm(
    request.http,
    url,
    { grant_type: 'client_credentials', client_id: request.credentials.clientId, client_secret: request.credentials.clientSecret },
    OPERATION,
  );
  const code = typeof (json as { error?: unknown } | undefined)?.error === 'string' ? String((json as { error: string }).error) : undefined;
  const base = { system: 'procore', operation: OPERATION, status: response.status, ...(code ? { code } : {}) };
  if (response.status === 401 || response.status === 403 || code === 'invalid_client' || code === 'unauthorized_client') {
    throw new CredentialsRefusedError(`the login host answered ${code ?? `HTTP ${response.status}`}`, {
      ...base,
      secretName: request.secretName,
      hint: `check clientId and clientSecret in secret ${request.secretName}: the DMSA's credentials from the Developer Portal, for this environment (${url.host})`,
    });
  }
  if (response.status === 429 || response.status === 503) {
    throw new ExternalSystemError(`HTTP ${response.status} from the login host`, {
      ...base,
      kind: ErrorKind.RateLimited,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), request.now) ?? 10_000,
    });
  }
  const parsed = answer.safeParse(json);
  if (response.status === 200 && parsed.success) return { accessToken: parsed.data.access_token, lifetimeMs: parsed.data.expires_in * 1000 };
  throw new ExternalSystemError(`HTTP ${response.status} without an access token${code ? ` (${code})` : ''}`, {
    ...base,
    kind: response.status >= 500 || response.status === 200 ? ErrorKind.Retryable : ErrorKind.Misconfigured,
  });
}
