import { describe, expect, it } from 'vitest';
import { MarketoTokenProvider } from '../../shared/connectors/marketo';
import { CredentialsRefusedError, ErrorKind } from '../../shared/errors';
import { HostGuard, HttpClient } from '../../shared/http';

interface Scripted {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** A fetch that answers identity requests from a script and records what it was asked. */
function identityFetch(script: (call: number) => Scripted, delayMs = 0) {
  const urls: URL[] = [];
  const fetchImpl = (async (input: string | URL | Request) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    urls.push(url);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const answer = script(urls.length);
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { fetchImpl, urls };
}

function provider(fetchImpl: typeof fetch, now: () => Date) {
  // An IP literal keeps the host guard off DNS; 203.0.113.0/24 is a public documentation range.
  const http = new HttpClient({ system: 'marketo', guard: new HostGuard({ allowLoopback: false, allowPrivate: false }), timeoutMs: 5_000, fetch: fetchImpl });
  return new MarketoTokenProvider({
    http,
    tokenUrl: new URL('https://203.0.113.10/identity/oauth/token'),
    credentials: { clientId: 'the-client', clientSecret: 'top-secret-value' },
    secretName: 'acme/marketo',
    now,
  });
}

const token = (value: string, expiresIn = 3599): Scripted => ({
  status: 200,
  body: { access_token: value, token_type: 'bearer', expires_in: expiresIn, scope: 'apis@x' },
});

describe('MarketoTokenProvider', () => {
  it('asks with client credentials in the query of a GET and caches the token', async () => {
    const clock = { at: Date.parse('2024-06-01T00:00:00Z') };
    const { fetchImpl, urls } = identityFetch(() => token('t1:int'));
    const tokens = provider(fetchImpl, () => new Date(clock.at));

    expect(await tokens.token()).toBe('t1:int');
    clock.at += 3_000_000;
    expect(await tokens.token()).toBe('t1:int');

    expect(urls).toHaveLength(1);
    expect(urls[0]?.pathname).toBe('/identity/oauth/token');
    expect(Object.fromEntries(urls[0]?.searchParams ?? [])).toEqual({
      grant_type: 'client_credentials',
      client_id: 'the-client',
      client_secret: 'top-secret-value',
    });
  });

  it('refreshes about 60 s before expiry', async () => {
    const clock = { at: Date.parse('2024-06-01T00:00:00Z') };
    const { fetchImpl, urls } = identityFetch((call) => token(`t${call}`, 3600));
    const tokens = provider(fetchImpl, () => new Date(clock.at));

    await tokens.token();
    clock.at += 3_539_000;
    expect(await tokens.token()).toBe('t1');
    clock.at += 2_000;
    expect(await tokens.token()).toBe('t2');
    expect(urls).toHaveLength(2);
  });

  it('uses a token handed back near its end until it expires instead of asking on every call', async () => {
    const clock = { at: Date.parse('2024-06-01T00:00:00Z') };
    // Marketo answers a re-request before expiry with the same token and the remaining lifetime.
    const { fetchImpl, urls } = identityFetch((call) => (call === 1 ? token('old', 30) : token('new', 3600)));
    const tokens = provider(fetchImpl, () => new Date(clock.at));

    expect(await tokens.token()).toBe('old');
    clock.at += 10_000;
    expect(await tokens.token()).toBe('old');
    clock.at += 21_000;
    expect(await tokens.token()).toBe('new');
    expect(urls).toHaveLength(2);
  });

  it('makes one request when many callers need a token at once', async () => {
    const { fetchImpl, urls } = identityFetch(() => token('shared'), 30);
    const tokens = provider(fetchImpl, () => new Date());

    const all = await Promise.all(Array.from({ length: 12 }, () => tokens.token()));

    expect(new Set(all)).toEqual(new Set(['shared']));
    expect(urls).toHaveLength(1);
  });

  it('replaces a rejected token once, however many callers report it', async () => {
    const { fetchImpl, urls } = identityFetch((call) => token(`t${call}`), 30);
    const tokens = provider(fetchImpl, () => new Date());
    const first = await tokens.token();

    const refreshed = await Promise.all(Array.from({ length: 8 }, () => tokens.refresh(first)));
    // A caller that reports the old token after the refresh finished gets the new one, no request.
    const late = await tokens.refresh(first);

    expect(new Set([...refreshed, late])).toEqual(new Set(['t2']));
    expect(urls).toHaveLength(2);
    expect(tokens.requests).toBe(2);
  });

  it('names the secret, never its value, when Marketo rejects the credentials', async () => {
    const { fetchImpl } = identityFetch(() => ({ status: 401, body: { error: 'unauthorized', error_description: 'Bad client credentials' } }));
    const tokens = provider(fetchImpl, () => new Date());

    const error = await tokens.token().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CredentialsRefusedError);
    const typed = error as CredentialsRefusedError;
    expect(typed.kind).toBe(ErrorKind.CredentialsRefused);
    expect(typed.secretName).toBe('acme/marketo');
    expect(typed.message).toContain(
      'Marketo rejected client id/secret: check the LaunchPoint service credentials in secret acme/marketo',
    );
    expect(typed.message).not.toContain('top-secret-value');
    expect(JSON.stringify(typed)).not.toContain('top-secret-value');
  });

  it.each([
    ['401 unauthorized', { status: 401, body: { error: 'unauthorized' } }, ErrorKind.CredentialsRefused],
    ['400 invalid_client', { status: 400, body: { error: 'invalid_client' } }, ErrorKind.CredentialsRefused],
    ['200 with an OAuth error instead of a token', { status: 200, body: { error: 'unauthorized' } }, ErrorKind.CredentialsRefused],
    ['400 for another reason', { status: 400, body: { error: 'invalid_request' } }, ErrorKind.Misconfigured],
    ['403 without an OAuth error', { status: 403, body: {} }, ErrorKind.Misconfigured],
  ])('tells refused credentials from other identity errors: %s', async (_case, answer, kind) => {
    const tokens = provider(identityFetch(() => answer).fetchImpl, () => new Date());
    await expect(tokens.token()).rejects.toMatchObject({ kind });
  });

  it('retries later when identity is down, and tries again on the next call', async () => {
    const { fetchImpl, urls } = identityFetch((call) => (call === 1 ? { status: 503, body: {} } : token('back')));
    const tokens = provider(fetchImpl, () => new Date());

    await expect(tokens.token()).rejects.toMatchObject({ kind: ErrorKind.Retryable, status: 503 });
    expect(await tokens.token()).toBe('back');
    expect(urls).toHaveLength(2);
  });
});
