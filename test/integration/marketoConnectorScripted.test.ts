import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ItemOutcome, TargetAction, type TargetItem } from '../../shared/connectors';
import { MarketoConnector } from '../../shared/connectors/marketo';
import type { MarketoConfig } from '../../shared/connectors/marketo';
import { ErrorKind, ExternalSystemError } from '../../shared/errors';

/** What the scripted REST side sees of one call. */
interface ScriptedCall {
  readonly method: string;
  readonly path: string;
  readonly token: string | undefined;
  readonly body: string;
}

interface ScriptedAnswer {
  readonly status?: number;
  readonly body: unknown;
}

/**
 * A tiny Marketo stand-in for faults the simulator does not script: identity hands out
 * `tok-1`, `tok-2`, ... (a new one per request) and REST answers come from `script`.
 */
async function startScripted(script: (call: ScriptedCall) => ScriptedAnswer | Promise<ScriptedAnswer>) {
  const calls: ScriptedCall[] = [];
  let tokenRequests = 0;
  const server: Server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const url = new URL(request.url ?? '/', 'http://localhost');
        const send = (status: number, body: unknown): void => {
          response.writeHead(status, { 'content-type': 'application/json' });
          response.end(JSON.stringify(body));
        };
        if (url.pathname === '/identity/oauth/token') {
          tokenRequests += 1;
          // A little latency so concurrent callers overlap with the request.
          await new Promise((resolve) => setTimeout(resolve, 20));
          send(200, { access_token: `tok-${tokenRequests}`, token_type: 'bearer', expires_in: 3599, scope: 'x' });
          return;
        }
        const call: ScriptedCall = {
          method: request.method ?? 'GET',
          path: url.pathname,
          token: /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1],
          body: Buffer.concat(chunks).toString('utf8'),
        };
        calls.push(call);
        const answer = await script(call);
        send(answer.status ?? 200, answer.body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    get tokenRequests() {
      return tokenRequests;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const config = (baseUrl: string): MarketoConfig => ({
  simulator: false,
  munchkinId: '123-ABC-456',
  secret: 'acme/marketo',
  baseUrl,
  network: 'public',
  pacing: { callsPer20s: 100, concurrency: 10 },
  requestTimeoutMs: 5_000,
});

function connectorFor(url: string): MarketoConnector {
  return new MarketoConnector({
    config: config(url),
    credentials: { clientId: 'id', clientSecret: 'scripted-secret' },
    hostPolicy: { allowLoopback: true, allowPrivate: false },
  });
}

const errorEnvelope = (code: string, message: string) => ({ requestId: 'r', success: false, errors: [{ code, message }] });
const company = (id: string): TargetItem => ({ ref: id, key: id, payload: { company: id } });

describe('MarketoConnector against a scripted server', () => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  async function scripted(script: Parameters<typeof startScripted>[0]) {
    const server = await startScripted(script);
    stops.push(server.stop);
    return server;
  }

  it('replaces a revoked token (601) with one identity request for many concurrent batches', async () => {
    const server = await scripted((call) => {
      if (call.token !== 'tok-2') return { body: errorEnvelope('601', 'Access token invalid') };
      const input = (JSON.parse(call.body) as { input: unknown[] }).input;
      return { body: { requestId: 'r', success: true, result: input.map((_, seq) => ({ seq, id: seq + 1, status: 'created' })) } };
    });
    const connector = connectorFor(server.url);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => connector.write('companies', TargetAction.Upsert, [company(`C${i}`)])));

    expect(results.flat().map((result) => result.outcome)).toEqual(Array(6).fill(ItemOutcome.Created));
    expect(server.tokenRequests).toBe(2);
    expect(server.calls.filter((call) => call.token === 'tok-1')).toHaveLength(6);
    expect(server.calls.filter((call) => call.token === 'tok-2')).toHaveLength(6);
  });

  it('gives up with auth-expired when the fresh token is refused too, without leaking it', async () => {
    const server = await scripted((call) => ({ body: errorEnvelope('601', `Access token invalid: ${call.token ?? ''}`) }));
    const connector = connectorFor(server.url);

    const error = await connector.write('companies', TargetAction.Upsert, [company('C1')]).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ExternalSystemError);
    expect((error as ExternalSystemError).kind).toBe(ErrorKind.AuthExpired);
    expect((error as ExternalSystemError).message).not.toMatch(/tok-\d/);
    expect(server.tokenRequests).toBe(2);
    expect(server.calls).toHaveLength(2);
  });

  it('says what to fix when the API user lacks permission (603)', async () => {
    const server = await scripted(() => ({ body: errorEnvelope('603', 'Access denied') }));

    const checks = await connectorFor(server.url).ping();

    expect(checks[0]).toMatchObject({ ok: true });
    expect(checks[1]).toMatchObject({ ok: false });
    expect(checks[1]?.detail).toContain('API user lacks permission or IP not allow-listed');
    expect(server.calls[0]?.path).toBe('/rest/v1/leads/describe.json');
  });

  it('throws 615 as rate-limited with a short wait and counts it as throttled', async () => {
    const server = await scripted(() => ({ body: errorEnvelope('615', 'Concurrent access limit reached') }));
    const connector = connectorFor(server.url);

    const error = await connector.write('companies', TargetAction.Upsert, [company('C1')]).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ kind: ErrorKind.RateLimited, code: '615' });
    expect((error as ExternalSystemError).retryAfterMs).toBeLessThanOrEqual(2_000);
    expect(connector.stats()).toMatchObject({ throttled: 1, totalCalls: 1 });
  });

  it('throws HTTP 413 as permanent, naming the size limit', async () => {
    const server = await scripted(() => ({ status: 413, body: {} }));
    const error = await connectorFor(server.url)
      .write('companies', TargetAction.Upsert, [company('C1')])
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: ErrorKind.Permanent, status: 413 });
    expect((error as Error).message).toContain('too large');
  });

  it('refuses a body over 1 MB before sending it', async () => {
    const server = await scripted(() => ({ body: { success: true, result: [] } }));
    const big: TargetItem = { ref: 'big', key: 'big', payload: { company: 'x'.repeat(1_100_000) } };

    const error = await connectorFor(server.url).write('companies', TargetAction.Upsert, [big]).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ kind: ErrorKind.Permanent });
    expect((error as Error).message).toMatch(/exceeds Marketo's limit of 1048576 bytes/);
    expect(server.calls).toHaveLength(0);
  });

  it('reads a record-level 713 as retry for that record only', async () => {
    const server = await scripted(() => ({
      body: {
        requestId: 'r',
        success: true,
        result: [
          { seq: 1, id: 2, status: 'updated' },
          { seq: 0, status: 'skipped', reasons: [{ code: '713', message: 'Transient error' }] },
        ],
      },
    }));
    const results = await connectorFor(server.url).write('companies', TargetAction.Upsert, [company('A'), company('B')]);
    expect(results).toEqual([
      { ref: 'A', outcome: 'retry', reason: { code: '713', message: 'Transient error' } },
      { ref: 'B', outcome: 'updated', targetId: '2' },
    ]);
  });

  it('stops following a page token that repeats', async () => {
    const server = await scripted(() => ({
      body: { requestId: 'r', success: true, result: [{ id: 1, email: 'a@x.com' }], moreResult: true, nextPageToken: 'SAME' },
    }));
    const error = await connectorFor(server.url).readBack('leads', ['a@x.com']).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: ErrorKind.Retryable });
    expect((error as Error).message).toContain('paging did not end');
    expect(server.calls).toHaveLength(2);
  });
});
