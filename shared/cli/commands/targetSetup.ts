import type { Command } from 'commander';
import { loadConfig, type CustomerConfig } from '../../config';
import type { TargetConnector } from '../../connectors';
import { ErrorKind, MlConnectorError } from '../../errors';
import { LocalSession } from '../../local';
import { localStateDir } from '../localStateDir';

/** One object of one target and the fields the flows map to it. */
export interface SetupRequest {
  readonly target: string;
  readonly object: string;
  readonly fields: readonly string[];
}

/** What the enabled flows map, per target object (fields merged across flows), in config order. */
export function setupRequests(config: CustomerConfig, target?: string): SetupRequest[] {
  const byObject = new Map<string, { target: string; object: string; fields: Set<string> }>();
  for (const flow of config.flows) {
    if (!flow.enabled || (target !== undefined && flow.target !== target)) continue;
    for (const object of flow.objects) {
      const id = `${flow.target}\u0000${object.object}`;
      const entry = byObject.get(id) ?? { target: flow.target, object: object.object, fields: new Set<string>() };
      for (const field of Object.keys(object.mapping)) entry.fields.add(field);
      byObject.set(id, entry);
    }
  }
  return [...byObject.values()].map((entry) => ({ target: entry.target, object: entry.object, fields: [...entry.fields] }));
}

/**
 * Runs each target's `setup` hook for the objects the flows write, and returns what was done,
 * one line each. Targets without the hook are said to need nothing.
 */
export async function runTargetSetup(
  config: CustomerConfig,
  connector: (target: string) => Promise<TargetConnector>,
  target?: string,
): Promise<string[]> {
  if (target !== undefined && !(target in config.targets)) {
    throw new MlConnectorError(`--target must be one of ${Object.keys(config.targets).join(', ')}, not "${target}"`, ErrorKind.Misconfigured);
  }
  const lines: string[] = [];
  for (const request of setupRequests(config, target)) {
    const built = await connector(request.target);
    if (!built.setup) {
      lines.push(`${request.target} ${request.object}: nothing to set up (the target's fields are fixed)`);
      continue;
    }
    const done = await built.setup(request.object, request.fields);
    if (done.length === 0) lines.push(`${request.target} ${request.object}: every mapped field exists`);
    for (const line of done) lines.push(`${request.target} ${request.object}: ${line}`);
  }
  return lines;
}

/** `ml-connector target-setup`: prepares the targets for the flows' mappings (e.g. creates missing custom fields). */
export function registerTargetSetupCommand(program: Command, io: { readonly out: (text: string) => void }): void {
  program
    .command('target-setup')
    .description('Create what the flows map but the targets lack (e.g. custom fields a mapping names); prints each change')
    .requiredOption('-c, --config <file>', 'customer config (YAML)')
    .option('-t, --target <name>', 'only this target')
    .action(async (options: { config: string; target?: string }) => {
      const config = await loadConfig(options.config);
      const session = await LocalSession.open({
        config,
        stateDir: localStateDir(options.config, config),
        access: 'read',
        command: 'ml-connector target-setup',
      });
      try {
        for (const line of await runTargetSetup(config, (target) => session.connector(target), options.target)) io.out(line);
      } finally {
        await session.close();
      }
    });
}
