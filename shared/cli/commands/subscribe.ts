import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { ErrorKind, MlConnectorError } from '../../errors';
import { LocalSession } from '../../local';
import { subscribedSources } from '../../pipeline';
import { localStateDir } from '../localStateDir';

/**
 * Adds `subscribe --config FILE (--url URL | --deployed)`: creates or renews now the subscription
 * of every pushed source with `subscribe` (the schedules renew them afterwards), and prints what
 * changed. Never prints a token.
 */
export function registerSubscribeCommand(program: Command, io: { readonly out: (text: string) => void; readonly err: (text: string) => void }): void {
  program
    .command('subscribe')
    .description('Create or renew now the subscriptions of the pushed sources (watch channels, webhook hooks) that deliver to the front door')
    .requiredOption('-c, --config <file>', 'customer config (YAML)')
    .option('--url <base>', 'webhook base URL the targets deliver to (<base>/<source>), e.g. the stack\'s WebhookBaseUrl or a tunnel to "serve"')
    .option('--deployed', "invoke the deployed stack's subscriptions function instead (AWS credentials from the environment)")
    .action(async (options: { config: string; url?: string; deployed?: boolean }) => {
      const config = await loadConfig(options.config);
      if (subscribedSources(config).length === 0) {
        throw new MlConnectorError('no pushed source has a subscribe section', ErrorKind.Misconfigured);
      }
      if (Boolean(options.deployed) === (options.url !== undefined)) throw new MlConnectorError('give either --url or --deployed', ErrorKind.Misconfigured);
      if (options.deployed) {
        const functionName = `ml-connector-${config.customer}-subscriptions`;
        const lambda = new LambdaClient({ region: config.region });
        const result = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify({ action: 'subscribe' }) }));
        const payload = JSON.parse(Buffer.from(result.Payload ?? []).toString() || '{}') as {
          renewed?: Array<{ source: string; target: string; changes: string[] }>;
          errorMessage?: string;
        };
        if (result.FunctionError || !payload.renewed) {
          throw new MlConnectorError(`${functionName} failed: ${payload.errorMessage ?? result.FunctionError ?? 'no answer'}`, ErrorKind.Misconfigured);
        }
        for (const renewed of payload.renewed) for (const change of renewed.changes) io.out(`${renewed.source}: ${renewed.target} ${change}`);
        return;
      }
      const session = await LocalSession.open({ config, stateDir: localStateDir(options.config, config), command: `ml-connector subscribe --config ${options.config}` });
      try {
        for (const renewed of await session.subscribe(options.url!)) {
          for (const change of renewed.changes) io.out(`${renewed.source}: ${renewed.target} ${change}`);
        }
      } finally {
        await session.close();
      }
    });
}
