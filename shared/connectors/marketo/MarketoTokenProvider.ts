import { z } from 'zod';
import { CredentialsRefusedError, ErrorKind, ExternalSystemError } from '../../errors';
import type { HttpClient } from '../../http';
import { marketoLimits } from './marketoLimits';

/** The LaunchPoint custom service's client id and secret. */
export interface MarketoCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** What a `MarketoTokenProvider` needs: the shared HTTP client, where to ask, and with what. */
export interface MarketoTokenProviderOptions {
  readonly http: HttpClient;
  /** `{base}/identity/oauth/token`. */
  readonly tokenUrl: URL;
  readonly credentials: MarketoCredentials;
  /** Name of the secret the credentials came from: named in messages, the values never are. */
  readonly secretName: string;
  readonly now?: () => Date;
  /** Refresh this long before the token expires; defaults to 60 s. */
  readonly refreshMarginMs?: number;
}

const tokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: z.number(),
});

const OPERATION = 'GET /identity/oauth/token';

interface CachedToken {
  readonly value: string;
  readonly refreshAt: number;
}

/**
 * Marketo's 2-legged OAuth (client credentials, GET with query parameters). Caches the token,
 * fetches a new one shortly before it expires or when Marketo rejected it (601/602), and never
 * has more than one token request in flight: callers that need a token meanwhile share it.
 * https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/authentication
 */
export class MarketoTokenProvider {
  private cached: CachedToken | undefined;
  private pending: Promise<string> | undefined;
  private requestCount = 0;
  private readonly now: () => Date;
  private readonly marginMs: number;

  public constructor(private readonly options: MarketoTokenProviderOptions) {
    this.now = options.now ?? (() => new Date());
    this.marginMs = options.refreshMarginMs ?? marketoLimits.tokenRefreshMarginMs;
  }

  /** Token requests sent so far (they do not count against Marketo's quota). */
  public get requests(): number {
    return this.requestCount;
  }

  /** A valid access token: the cached one while it has time left, else a fresh one. */
  public async token(): Promise<string> {
    if (this.cached && this.now().getTime() < this.cached.refreshAt) return this.cached.value;
    return this.fetchShared();
  }

  /**
   * A token to replace `rejected`, which Marketo refused (601/602). When another caller already
   * replaced it, or is doing so, that token is returned and no second request is made.
   */
  public async refresh(rejected: string): Promise<string> {
    if (this.pending) return this.pending;
    if (this.cached && this.cached.value !== rejected) return this.cached.value;
    this.cached = undefined;
    return this.fetchShared();
  }

  private fetchShared(): Promise<string> {
    if (!this.pending) {
      const request = this.request();
      this.pending = request;
      const clear = (): void => {
        if (this.pending === request) this.pending = undefined;
      };
      request.then(clear, clear);
    }
    return this.pending;
  }

  private async request(): Promise<string> {
    const url = new URL(this.options.tokenUrl);
    url.searchParams.set('grant_type', 'client_credentials');
    url.searchParams.set('client_id', this.options.credentials.clientId);
    url.searchParams.set('client_secret', this.options.credentials.clientSecret);
    this.requestCount += 1;
    const started = this.now().getTime();
    const response = await this.options.http.send({
      method: 'GET',
      url,
      headers: { accept: 'application/json' },
      operation: OPERATION,
    });

    // 401, or an OAuth `invalid_client` / `unauthorized` error under any status: the client id or
    // secret is wrong. Only a human can fix that, so it gets its own kind (the writer parks the
    // target and alerts once instead of burning every record into the dead-letter queue).
    const oauthError = z.object({ error: z.string() }).safeParse(safeJson(response.text));
    const refusedCode = oauthError.success && /unauthorized|invalid_client/i.test(oauthError.data.error) ? oauthError.data.error : undefined;
    if (response.status === 401 || refusedCode !== undefined) {
      throw this.refused(`HTTP ${response.status}${refusedCode ? ` (${refusedCode})` : ''}`, response.status);
    }
    if (response.status === 400 || response.status === 403) {
      throw this.error(
        `HTTP ${response.status}`,
        ErrorKind.Misconfigured,
        response.status,
        `check the identity URL and the LaunchPoint service in secret ${this.options.secretName}`,
      );
    }
    if (response.status < 200 || response.status >= 300) {
      const kind = response.status === 429 || response.status >= 500 ? ErrorKind.Retryable : ErrorKind.Permanent;
      throw this.error(`HTTP ${response.status}`, kind, response.status);
    }
    const parsed = tokenResponse.safeParse(safeJson(response.text));
    if (!parsed.success) {
      throw this.error(`HTTP ${response.status} without an access token`, ErrorKind.Retryable, response.status);
    }

    const lifetimeMs = Math.max(1_000, parsed.data.expires_in * 1000);
    // Before expiry Marketo hands back the same token with the remaining lifetime; when that is
    // already inside the margin, use it to the end instead of asking again on every call.
    const refreshInMs = lifetimeMs > this.marginMs ? lifetimeMs - this.marginMs : lifetimeMs;
    this.cached = { value: parsed.data.access_token, refreshAt: started + refreshInMs };
    return parsed.data.access_token;
  }

  private refused(message: string, status: number): CredentialsRefusedError {
    const { secretName } = this.options;
    return new CredentialsRefusedError(message, {
      system: 'marketo',
      operation: OPERATION,
      status,
      secretName,
      hint: `Marketo rejected client id/secret: check the LaunchPoint service credentials in secret ${secretName}`,
    });
  }

  private error(message: string, kind: ErrorKind, status: number, hint?: string): ExternalSystemError {
    return new ExternalSystemError(message, {
      system: 'marketo',
      operation: OPERATION,
      kind,
      status,
      ...(hint ? { hint } : {}),
    });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
