import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig, type CustomerConfig } from '../../config';
import { ErrorKind, MlConnectorError } from '../../errors';
import { flowsFedBy } from '../../frontdoor';
import { localStateDir } from '../localStateDir';
import { keepPushedSources, LocalSession } from '../../local';
import { DEFAULT_PORT, startFrontDoorServer } from '../../local/startFrontDoorServer';

export { startFrontDoorServer } from '../../local/startFrontDoorServer';
export type { FrontDoorServer, FrontDoorServerOptions } from '../../local/startFrontDoorServer';

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) throw new InvalidArgumentError(`"${value}" is not a port number`);
  return parsed;
}

/** Starts the local front door for a config until `stop` resolves; prints the routes and each answer. */
export async function serve(
  config: CustomerConfig,
  io: { readonly out: (text: string) => void; readonly err: (text: string) => void },
  options: { readonly port?: number; readonly stop?: Promise<void>; readonly stateDir?: string; readonly publicUrl?: string } = {},
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
    // Subscriptions point at the URL the targets can reach: this server, or a public URL (a tunnel) in front of it.
    const keeper = await keepPushedSources(session, {
      frontDoorUrl: `${(options.publicUrl ?? server.url).replace(/\/+$/, '')}/webhooks`,
      onLine: io.out,
      onError: (error) => io.err(`pushed sources: ${(error as Error).message}`),
    });
    await (options.stop ??
      new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      }));
    keeper.stop();
    await server.close();
  } finally {
    await session.close();
  }
}

/** Adds `serve --config FILE [--port N]` to the command line. */
export function registerServeCommand(program: Command, io: { readonly out: (text: string) => void; readonly err: (text: string) => void }): void {
  program
    .command('serve')
    .description(
      'Run the front door locally: POST /webhooks/<source> for each pushed source, written by the flows as deliveries arrive; subscriptions kept and reconciliations run on their schedules',
    )
    .requiredOption('-c, --config <file>', 'customer config (YAML)')
    .option('-p, --port <n>', `port on 127.0.0.1 (default ${DEFAULT_PORT})`, port)
    .option('--public-url <url>', 'base URL at which the targets reach this server (a tunnel), for the subscriptions it keeps; default: the local URL')
    .action(async (options: { config: string; port?: number; publicUrl?: string }) => {
      const config = await loadConfig(options.config);
      await serve(config, io, {
        stateDir: localStateDir(options.config, config),
        ...(options.port !== undefined ? { port: options.port } : {}),
        ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
      });
    });
}
