import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig, type CustomerConfig } from '../../config';
import { ErrorKind, MlConnectorError } from '../../errors';
import { EventDedupe, flowsFedBy, receiveDelivery, type FrontDoorAnswer } from '../../frontdoor';
import { localStateDir } from '../localStateDir';
import { LocalSession } from '../../local';

/** The route of a pushed source, as deployed: `POST /webhooks/<source>`. */
const ROUTE = /^\/webhooks\/([^/?#]+)\/?(?:[?#].*)?$/;
const DEFAULT_PORT = 8787;

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

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) throw new InvalidArgumentError(`"${value}" is not a port number`);
  return parsed;
}

/** Starts the local front door for a config until `stop` resolves; prints the routes and each answer. */
export async function serve(
  config: CustomerConfig,
  io: { readonly out: (text: string) => void; readonly err: (text: string) => void },
  options: { readonly port?: number; readonly stop?: Promise<void>; readonly stateDir?: string } = {},
): Promise<void> {
  const sources = Object.keys(config.pushed ?? {});
  if (sources.length === 0) {
    throw new MlConnectorError('the config declares no pushed sources: add a "pushed" section and "push: <source>" on a flow', ErrorKind.Misconfigured);
  }
  const session = await LocalSession.open({ config, ...(options.stateDir ? { stateDir: options.stateDir } : {}) });
  try {
    const server = await startFrontDoorServer({
      session,
      ...(options.port !== undefined ? { port: options.port } : {}),
      onAnswer: (source, answer) => {
        const detail = answer.status < 300 ? `event ${String(answer.body.eventId)}, queued ${String(answer.body.queued)}` : String(answer.body.error);
        io.out(`${source}: ${answer.status} ${detail}`);
      },
      onError: (error) => io.err(`front door: ${(error as Error).message}`),
    });
    for (const source of sources) {
      const flows = flowsFedBy(config, source).map((flow) => flow.name);
      io.out(`POST ${server.url}/webhooks/${source} → ${flows.join(', ')}`);
    }
    await (options.stop ??
      new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      }));
    await server.close();
  } finally {
    await session.close();
  }
}

/** Adds `serve --config FILE [--port N]` to the command line. */
export function registerServeCommand(program: Command, io: { readonly out: (text: string) => void; readonly err: (text: string) => void }): void {
  program
    .command('serve')
    .description('Run the front door locally: POST /webhooks/<source> for each pushed source, written by the flows as deliveries arrive')
    .requiredOption('-c, --config <file>', 'customer config (YAML)')
    .option('-p, --port <n>', `port on 127.0.0.1 (default ${DEFAULT_PORT})`, port)
    .action(async (options: { config: string; port?: number }) => {
      const config = await loadConfig(options.config);
      await serve(config, io, { stateDir: localStateDir(options.config, config), ...(options.port !== undefined ? { port: options.port } : {}) });
    });
}
