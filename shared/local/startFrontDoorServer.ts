import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventDedupe, flowsFedBy, receiveDelivery, type FrontDoorAnswer } from '../frontdoor';
import type { LocalSession } from './LocalSession';

/** The route of a pushed source, as deployed: `POST /webhooks/<source>`. */
const ROUTE = /^\/webhooks\/([^/?#]+)\/?(?:[?#].*)?$/;
/** The local front door's port unless told otherwise. */
export const DEFAULT_PORT = 8787;

export interface FrontDoorServerOptions {
  readonly session: LocalSession;
  /** 0 picks a free port. @default 8787 */
  readonly port?: number;
  /** Write what the queues received with the flows' writers, as the deployed event sources do. @default true */
  readonly drain?: boolean;
  /** One line per delivery answered. */
  readonly onAnswer?: (source: string, answer: FrontDoorAnswer) => void;
  readonly onError?: (error: unknown) => void;
}

/** The local front door: a loopback HTTP server in front of the deployed core. */
export interface FrontDoorServer {
  /** `http://127.0.0.1:<port>`; deliveries go to `<url>/webhooks/<source>`. */
  readonly url: string;
  /** Resolves once every write the deliveries so far started has finished. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Reads at most `limit + 1` bytes, so an oversize body is known without being kept whole. */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    request.on('data', (chunk: Buffer) => {
      if (kept > limit) return; // keep reading (and discarding) so the client gets the 413
      const room = limit + 1 - kept;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      chunks.push(part);
      kept += part.length;
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, answer: FrontDoorAnswer): void {
  response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
  response.end(JSON.stringify(answer.body));
}

/**
 * Runs the front door's core on a local port with the session's embedded SQS and DynamoDB: the
 * same verification, dedupe and queuing as the deployed Lambda. After each accepted delivery
 * the fed flows' queues are drained by their writers (one drain per flow at a time).
 */
export async function startFrontDoorServer(options: FrontDoorServerOptions): Promise<FrontDoorServer> {
  const { session } = options;
  const { config } = session;
  const dedupe = new EventDedupe({ client: session.aws.dynamo, tableName: session.context.tableName });
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();

  const drainFlow = (flow: string): void => {
    if (running.has(flow)) {
      again.add(flow);
      return;
    }
    const run = (async () => {
      do {
        again.delete(flow);
        await session.drain(flow);
      } while (again.has(flow));
    })()
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => running.delete(flow));
    running.set(flow, run);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const source = decodeURIComponent(ROUTE.exec(request.url ?? '')?.[1] ?? '');
    const declaration = config.pushed?.[source];
    if (!declaration) return send(response, { status: 404, body: { error: `no pushed source at ${request.url}` } });
    if (request.method !== 'POST') return send(response, { status: 405, body: { error: 'only POST is accepted' }, headers: { allow: 'POST' } });
    const body = await readBody(request, declaration.maxBodyBytes);
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), Array.isArray(value) ? value.join(', ') : value]),
    );
    const answer = await receiveDelivery(
      { source, headers, body },
      {
        config,
        secrets: session.context.secrets,
        queueOf: (flow) => session.queue(flow),
        dedupe,
        audit: session.store,
        onFailure: (error) => options.onError?.(error),
      },
    );
    send(response, answer);
    options.onAnswer?.(source, answer);
    if (answer.status === 202 && options.drain !== false) {
      for (const flow of flowsFedBy(config, source)) if (flow.enabled) drainFlow(flow.name);
    }
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      options.onError?.(error);
      if (!response.headersSent) send(response, { status: 500, body: { error: 'the front door failed' } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  const idle = async (): Promise<void> => {
    while (running.size > 0) await Promise.all(running.values());
  };
  return {
    url: `http://127.0.0.1:${port}`,
    idle,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await idle();
    },
  };
}

