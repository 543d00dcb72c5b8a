import { ErrorKind, ExternalSystemError, parseRetryAfter } from '../errors';
import type { HttpClient } from '../http';

export interface OAuth2TokenProviderOptions {
  readonly http: HttpClient;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope?: string;
  readonly now?: () => Date;
}

interface CachedToken {
  readonly value: string;
  /** When to stop using it: shortly before it expires. */
  readonly refreshAtMs: number;
}

const SYSTEM = 'peoplesoft';
const MAX_EARLY_REFRESH_MS = 60_000;

/**
 * Client-credentials tokens for PeopleSoft's OAuth2 resource server (PeopleTools 8.59+). A token
 * is reused until shortly before it expires; callers that ask while a token is being fetched
 * share that one request.
 */
export class OAuth2TokenProvider {
  private cached: CachedToken | undefined;
  private inFlight: Promise<CachedToken> | undefined;
  private readonly now: () => Date;

  public constructor(private readonly options: OAuth2TokenProviderOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** A valid access token, from the cache or the token endpoint. */
  public async token(): Promise<string> {
    if (this.cached && this.now().getTime() < this.cached.refreshAtMs) return this.cached.value;
    this.inFlight ??= this.fetchToken().finally(() => {
      this.inFlight = undefined;
    });
    return (await this.inFlight).value;
  }

  /** Forgets `token` after PeopleSoft refused it, unless a newer one already replaced it. */
  public invalidate(token: string): void {
    if (this.cached?.value === token) this.cached = undefined;
  }

  private async fetchToken(): Promise<CachedToken> {
    const url = new URL(this.options.tokenUrl);
    const operation = `POST ${url.pathname}`;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.options.clientId,
      client_secret: this.options.clientSecret,
    });
    if (this.options.scope) form.set('scope', this.options.scope);
    const startedMs = this.now().getTime();
    const response = await this.options.http.send({
      method: 'POST',
      url,
      operation,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
    });
    const fail = (message: string, kind: ErrorKind, hint?: string, retryAfterMs?: number): ExternalSystemError =>
      new ExternalSystemError(message, {
        system: SYSTEM,
        operation,
        kind,
        status: response.status,
        ...(hint ? { hint } : {}),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    if (response.status === 429) {
      throw fail('HTTP 429 from the token endpoint', ErrorKind.RateLimited, undefined, parseRetryAfter(response.headers.get('retry-after')));
    }
    if (response.status === 408 || response.status >= 500) throw fail(`HTTP ${response.status} from the token endpoint`, ErrorKind.Retryable);
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      throw fail(
        `HTTP ${response.status}: the identity provider refused client ${this.options.clientId}`,
        ErrorKind.Misconfigured,
        'check the OAuth2 client id and secret in the PeopleSoft secret, and that the client may use the client_credentials grant',
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(response.text);
    } catch {
      body = undefined;
    }
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    if (response.status !== 200 || typeof fields.access_token !== 'string' || fields.access_token === '') {
      throw fail(
        `HTTP ${response.status} without an access_token`,
        ErrorKind.Misconfigured,
        'check peoplesoft.auth.tokenUrl: it must be the identity provider\'s OAuth2 token endpoint',
      );
    }
    const lifetimeMs = typeof fields.expires_in === 'number' && fields.expires_in > 0 ? fields.expires_in * 1000 : 300_000;
    const early = Math.min(MAX_EARLY_REFRESH_MS, lifetimeMs / 2);
    this.cached = { value: fields.access_token, refreshAtMs: startedMs + lifetimeMs - early };
    return this.cached;
  }
}
