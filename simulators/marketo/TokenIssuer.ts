import { randomUUID } from 'node:crypto';

/** What the identity endpoint answers: an HTTP status and a JSON body. */
export interface IdentityResponse {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
}

/** Why a REST call's token was refused: 601 invalid/missing, 602 expired. */
export type TokenRejection = '601' | '602';

export interface TokenIssuerOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly ttlSeconds: number;
  readonly now: () => Date;
}

/**
 * Marketo's 2-legged OAuth: one live token per client, handed out again (with a shrinking
 * `expires_in`) until it expires. Expired tokens stay known so they answer 602, not 601.
 * https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/authentication
 */
export class TokenIssuer {
  private readonly expiresAtMs = new Map<string, number>();
  private current: string | undefined;

  public constructor(private readonly options: TokenIssuerOptions) {}

  public issue(params: URLSearchParams): IdentityResponse {
    if (params.get('grant_type') !== 'client_credentials') {
      return {
        status: 400,
        body: { error: 'invalid_request', error_description: 'grant_type must be client_credentials' },
      };
    }
    const { clientId, clientSecret } = this.options;
    if (params.get('client_id') !== clientId || params.get('client_secret') !== clientSecret) {
      return { status: 401, body: { error: 'unauthorized', error_description: 'Bad client credentials' } };
    }
    const nowMs = this.options.now().getTime();
    let token = this.current;
    if (token === undefined || this.isExpired(token, nowMs)) {
      token = `${randomUUID()}:sim`;
      this.expiresAtMs.set(token, nowMs + this.options.ttlSeconds * 1000);
      this.current = token;
    }
    const remainingMs = (this.expiresAtMs.get(token) ?? nowMs) - nowMs;
    return {
      status: 200,
      body: {
        access_token: token,
        token_type: 'bearer',
        expires_in: Math.max(0, Math.floor(remainingMs / 1000)),
        scope: 'apis@sim.marketo',
      },
    };
  }

  /** Checks an `Authorization` header value; undefined means the token is good. */
  public check(authorization: string | undefined): TokenRejection | undefined {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    const token = match?.[1];
    if (token === undefined || !this.expiresAtMs.has(token)) return '601';
    return this.isExpired(token, this.options.now().getTime()) ? '602' : undefined;
  }

  public expireAll(): void {
    for (const token of this.expiresAtMs.keys()) this.expiresAtMs.set(token, Number.NEGATIVE_INFINITY);
  }

  private isExpired(token: string, nowMs: number): boolean {
    return nowMs >= (this.expiresAtMs.get(token) ?? Number.NEGATIVE_INFINITY);
  }
}
