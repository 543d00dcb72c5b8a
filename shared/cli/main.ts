import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { loadConfig, type CustomerConfig } from '../config';
import { ErrorKind, ExternalSystemError, MlConnectorError } from '../errors';
import { DEMO_EMPLOYEES, LocalScheduler, LocalSession, runDemo, StateInUseError } from '../local';
import type { RuntimeContext } from '../runtime';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { peopleSoftSystemOf, peopleSoftSystems, resourceNames } from '../config';
import type { PingCheck } from '../connectors';
import { redriveDeadLetters, replayDeadLetters } from '../pipeline';
import { createQueue, createStore, deployedContext, findFlow } from '../runtime';
import { assessSync } from './assessSync';
import { CliExit } from './CliExit';
import { checkMappings } from './commands/checkMappings';
import { startDeployedRun } from './commands/startDeployedRun';
import { ExitCode } from './ExitCode';
import { peoplesoftSetupReport } from './commands/peoplesoftSetup';
import { registerServeCommand } from './commands/serve';
import { registerSubscribeCommand } from './commands/subscribe';
import { registerTargetSetupCommand } from './commands/targetSetup';
import { setSecret, systemSecrets, type SecretSystem } from './commands/secretsSet';
import { formatAudit, formatPlan, formatRun, formatSummary, progressPrinter } from './format';
import { lineWriter } from './lineWriter';
import { localStateDir } from './localStateDir';
import { packageVersion } from './packageVersion';
import { readSecretValue } from './readSecretValue';

interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

let defaultIo: Io | undefined;
/** Standard output and error, each quiet once its reader has gone (EPIPE). */
function standardIo(): Io {
  return (defaultIo ??= { out: lineWriter(process.stdout), err: lineWriter(process.stderr) });
}

function isoDate(value: string): Date {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new InvalidArgumentError(`"${value}" is not an ISO date such as 2026-01-31 or 2026-01-31T08:00:00Z`);
  return at;
}

function employeeCount(value: string): number {
  const count = Number(value);
  if (!/^\d+$/.test(value.trim()) || count < DEMO_EMPLOYEES.min || count > DEMO_EMPLOYEES.max) {
    throw new InvalidArgumentError(`a whole number from ${DEMO_EMPLOYEES.min} to ${DEMO_EMPLOYEES.max}, not "${value}"`);
  }
  return count;
}

/** Where a session of this command meets the customer's local state. */
interface SessionUse {
  readonly configPath: string;
  /** `read`: status, audit, ping, a dry run (never wait for a writer, never create the folder). */
  readonly access: 'read' | 'write';
  readonly command: string;
}

function openSession(config: CustomerConfig, use: SessionUse): Promise<LocalSession> {
  return LocalSession.open({ config, stateDir: localStateDir(use.configPath, config), access: use.access, command: use.command });
}

async function withSession<T>(config: CustomerConfig, use: SessionUse, work: (session: LocalSession) => Promise<T>): Promise<T> {
  const session = await openSession(config, use);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}

/** Runs `status` lists per flow. */
const RECENT_RUNS = 5;

function selectFlows(config: CustomerConfig, name?: string): string[] {
  if (name) return [config.flows.find((flow) => flow.name === name)?.name ?? name];
  return config.flows.filter((flow) => flow.enabled).map((flow) => flow.name);
}

/**
 * The flows a sync polls: those with a schedule, or the one named (a manual reconciliation of a
 * pushed flow reads its source entity like its poller would).
 */
function polledFlows(config: CustomerConfig, name?: string): string[] {
  if (name) return selectFlows(config, name);
  return config.flows.filter((flow) => flow.enabled && flow.schedule).map((flow) => flow.name);
}

/** Builds the `ml-connector` command line; `commandLine` is what a holder of the local state is shown as. */
export function buildProgram(io: Io = standardIo(), commandLine = 'ml-connector'): Command {
  const program = new Command('ml-connector')
    .description('Keeps SaaS tools current with the data of a PeopleSoft installation.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .configureOutput({ writeOut: (text) => io.out(text.replace(/\n$/, '')), writeErr: (text) => io.err(text.replace(/\n$/, '')) })
    .showHelpAfterError()
    .exitOverride();
  const use = (configPath: string, access: 'read' | 'write'): SessionUse => ({ configPath, access, command: commandLine });

  program
    .command('demo')
    .description('Sync a seeded PeopleSoft directory into every target of the demo config, apply HR changes, sync again (simulators only)')
    .option('--employees <n>', `employees in the seeded directory (${DEMO_EMPLOYEES.min} to ${DEMO_EMPLOYEES.max})`, employeeCount, 5000)
    .action(async (options: { employees: number }) => {
      const progress = progressPrinter();
      const demo = await runDemo({ employees: options.employees, print: io.out, progress, formatSummary });
      await demo.close();
    });

  program
    .command('ping')
    .description('Check every system the config names: DNS, TLS, credentials, each service operation')
    .requiredOption('-c, --config <file>', 'customer config (YAML)')
    .option('--deployed', 'check from the deployed stack (through its static egress IP) instead of from here')
    .action(async (options: { config: string; deployed?: boolean }) => {
      const config = await loadConfig(options.config);
      const checks = options.deployed ? await deployedPing(config) : await localPing(config, use(options.config, 'read'));
      for (const check of checks) {
        const name = check.name.startsWith(check.system) ? check.name : `${check.system} ${check.name}`;
        io.out(`${check.ok ? 'ok  ' : 'FAIL'} ${name}: ${check.detail}`);
      }
      const failures = checks.filter((check) => !check.ok).length;
      if (failures > 0) throw new CliExit(ExitCode.Usage, `${failures} check(s) failed`);
    });

  program
    .command('sync')
    .description('Run one sync cycle of the flows locally, or start one in the deployed stack (--deployed)')
    .requiredOption('-c, --config <file>', 'customer config (YAML)')
    .option('-f, --flow <name>', 'only this flow')
    .option('--since <iso-date>', 're-read changes since this date instead of the cursor', isoDate)
    .option('--dry-run', 'show what would be written, write nothing')
    .option('--deployed', "start the run in the deployed stack (invokes the flow's poller) instead of here")
    .action(async (options: { config: string; flow?: string; since?: Date; dryRun?: boolean; deployed?: boolean }) => {
      const config = await loadConfig(options.config);
      if (options.deployed) {
        if (options.dryRun) throw new MlConnectorError('--dry-run runs locally; it cannot be combined with --deployed', ErrorKind.Misconfigured);
        for (const name of polledFlows(config, options.flow)) {
          if (!findFlow(config, name).schedule) {
            io.out(`${name}: fed only by its pushed source; the stack has no poller for it`);
            continue;
          }
          const started = await startDeployedRun(config, findFlow(config, name), options.since);
          io.out(`${name}: started ${started.functionName}${options.since ? ` re-reading since ${options.since.toISOString()}` : ' from its cursor'}${started.requestId ? ` (request ${started.requestId})` : ''}`);
        }
        io.out(`follow it with: ml-connector status --config ${options.config} --deployed`);
        return;
      }
      let worst: ExitCode = ExitCode.Ok;
      const reasons: string[] = [];
      await withSession(config, use(options.config, options.dryRun ? 'read' : 'write'), async (session) => {
        for (const flow of polledFlows(config, options.flow)) {
          if (options.dryRun) {
            io.out(formatPlan(await session.plan(flow, options.since)));
            continue;
          }
          const progress = progressPrinter();
          const alertsBefore = session.alerts.raised.length;
          let summary;
          try {
            summary = await session.sync(flow, {
              ...(options.since ? { since: options.since } : {}),
              onProgress: (p) => progress(`${flow}: ${p.phase}, read ${p.read}, enqueued ${p.enqueued}, processed ${p.written}`),
            });
          } catch (error) {
            // A system that failed stops this flow, not the others.
            if (!(error instanceof ExternalSystemError)) throw error;
            progress('');
            io.err(`${flow}: ${error.message}`);
            worst = ExitCode.SystemFailed;
            reasons.push(`${flow}: ${error.system} failed`);
            continue;
          }
          progress('');
          io.out(formatSummary(summary));
          const verdict = assessSync(summary, session.alerts.raised.slice(alertsBefore));
          worst = Math.max(worst, verdict.code) as ExitCode;
          reasons.push(...verdict.reasons);
        }
      });
      if (worst !== ExitCode.Ok) throw new CliExit(worst, reasons.join('; '));
    });

  program
    .command('audit')
    .description("Print one record's audit trail across flows and runs")
    .requiredOption('-c, --config <file>', 'customer config (YAML)')
    .requiredOption('-k, --key <source-id>', 'source id, e.g. an EMPLID')
    .option('--deployed', "read the deployed stack's table (AWS credentials from the environment)")
    .action(async (options: { config: string; key: string; deployed?: boolean }) => {
      const config = await loadConfig(options.config);
      const report = async (context: RuntimeContext): Promise<void> =>
        io.out(formatAudit(options.key, await createStore(context).auditTrail(options.key)));
      if (options.deployed) await report(await deployedContext(config));
      else await withSession(config, use(options.config, 'read'), (session) => report(session.context));
    });

  program
    .command('status')
    .description('Per flow: the cursor, queued records, the dead-letter queue depth and the recent runs')
    .requiredOption('-c, --config <file>', 'customer config (YAML)')
    .option('--deployed', "read the deployed stack's table and queues (AWS credentials from the environment)")
    .action(async (options: { config: string; deployed?: boolean }) => {
      const config = await loadConfig(options.config);
      const report = async (context: RuntimeContext): Promise<void> => {
        const store = createStore(context);
        for (const flow of config.flows) {
          const cursor = await store.getCursor(flow.name);
          const runs = await store.latestRuns(flow.name, RECENT_RUNS);
          const queue = createQueue(context, flow);
          const queued = await queue.depth('queue');
          const depth = await queue.depth('dead-letter');
          const park = await store.getQuotaPark(flow.target);
          io.out(`${flow.name}`);
          io.out(`  cursor       ${cursor?.until ?? '(none: next run starts at ' + flow.initialSince + ')'}`);
          io.out(`  queued       ${queued.visible + queued.inFlight + queued.delayed}${queued.inFlight ? ` (${queued.inFlight} being written)` : ''}`);
          io.out(`  dead letters ${depth.visible + depth.inFlight}`);
          if (park) io.out(`  ${flow.target} quota exhausted until ${park.resetsAt}`);
          // Several runs, so an empty run or a replay does not hide the last real one.
          io.out(`  recent runs  ${runs.length === 0 ? 'none yet' : `(newest first, ${RECENT_RUNS} at most)`}`);
          for (const run of runs) io.out(`    ${formatRun(run)}`);
        }
      };
      if (options.deployed) await report(await deployedContext(config));
      else await withSession(config, use(options.config, 'read'), (session) => report(session.context));
    });

  program
    .command('replay')
    .description('Move dead-lettered records back to their queue and write them again (every replay is audited)')
    .requiredOption('-c, --config <file>', 'customer config (YAML)')
    .option('-f, --flow <name>', 'only this flow')
    .option('-k, --key <source-id>', 'only this record')
    .option('--since <iso-date>', 'only records dead-lettered since this date', isoDate)
    .option('-e, --error <text>', 'only records whose failure reason contains this text (case-insensitive), e.g. 1006 or title')
    .option('--deployed', "replay in the deployed stack: its writer writes the records (AWS credentials from the environment)")
    .option('--native', "with --deployed and no selection: move everything with SQS's own redrive (no per-record replayed rows)")
    .action(async (options: { config: string; flow?: string; key?: string; since?: Date; error?: string; deployed?: boolean; native?: boolean }) => {
      const config = await loadConfig(options.config);
      const selection = {
        ...(options.key ? { key: options.key } : {}),
        ...(options.since ? { since: options.since } : {}),
        ...(options.error ? { error: options.error } : {}),
      };
      if (options.native && (!options.deployed || Object.keys(selection).length > 0)) {
        throw new MlConnectorError('--native moves every dead letter of the deployed stack: use it with --deployed and without --key, --since or --error', ErrorKind.Misconfigured);
      }
      if (options.deployed) {
        const context = await deployedContext(config);
        const store = createStore(context);
        for (const name of selectFlows(config, options.flow)) {
          const flow = findFlow(config, name);
          const queue = createQueue(context, flow);
          if (options.native) {
            const task = await redriveDeadLetters({ flow, sqs: context.sqs, queue, store });
            io.out(`${name}: SQS is moving about ${task.approximateCount} dead letter(s) back to the queue (move task ${task.taskHandle}, run ${task.runId})`);
            continue;
          }
          const result = await replayDeadLetters({ flow, queue, store }, selection);
          io.out(`${name}: replayed ${result.replayed} (run ${result.runId}), left in the dead-letter queue ${result.kept}`);
          if (result.keys.length > 0) io.out(`  moved: ${result.keys.slice(0, 10).join(', ')}${result.keys.length > 10 ? ', ...' : ''}`);
        }
        io.out(`the deployed writers write them now; follow with: ml-connector status --config ${options.config} --deployed (and audit --deployed --key ID)`);
        return;
      }
      let deadLettered = 0;
      await withSession(config, use(options.config, 'write'), async (session) => {
        for (const flow of selectFlows(config, options.flow)) {
          const result = await session.replay(flow, selection);
          if (result.replayed > 0) await session.drain(flow);
          const run = await session.store.getRun(flow, result.runId);
          deadLettered += run?.deadLettered ?? 0;
          io.out(`${flow}: replayed ${result.replayed}, left in the dead-letter queue ${(await session.deadLetters(session.flow(flow))).length}`);
          if (run) io.out(`  ${formatRun(run)}`);
        }
      });
      if (deadLettered > 0) throw new CliExit(ExitCode.RecordsFailed, `${deadLettered} replayed record(s) were dead-lettered again`);
    });

  program
    .command('run')
    .description('Run the flows on their schedules until interrupted (local scheduler)')
    .requiredOption('-c, --config <file>', 'customer config (YAML)')
    .action(async (options: { config: string }) => {
      const config = await loadConfig(options.config);
      const session = await openSession(config, use(options.config, 'write'));
      const scheduler = new LocalScheduler(config.flows.filter((flow) => flow.enabled), async (flow) => {
        try {
          io.out(formatSummary(await session.sync(flow.name)));
        } catch (error) {
          io.err(`${flow.name}: ${(error as Error).message}`);
        }
      });
      scheduler.start();
      for (const next of scheduler.upcoming()) io.out(`${next.flow} next runs at ${next.at.toISOString()}`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      scheduler.stop();
      await session.close();
    });

  const secrets = program.command('secrets').description("Manage the deployed stack's secrets");
  secrets
    .command('set')
    .description("Store a system's credentials in its Secrets Manager secret (value from stdin or a prompt, never argv)")
    .requiredOption('-c, --config <file>', 'customer config (YAML)')
    .requiredOption('-s, --system <name>', 'peoplesoft or the name of a configured target')
    .action(async (options: { config: string; system: string }) => {
      const config = await loadConfig(options.config);
      const systems = systemSecrets(config).map((secret) => secret.system);
      if (!systems.includes(options.system)) {
        throw new MlConnectorError(`--system must be one of ${systems.join(', ')}, not "${options.system}"`, 'misconfigured');
      }
      const value = await readSecretValue(`${options.system} credentials as JSON (input hidden): `);
      const id = await setSecret({ config, system: options.system as SecretSystem, value });
      io.out(`stored the ${options.system} credentials in ${id}`);
    });

  program
    .command('peoplesoft-setup')
    .description('Print what a PeopleSoft administrator must activate for the configured flows')
    .requiredOption('-c, --config <file>', 'customer config (YAML)')
    .action(async (options: { config: string }) => {
      io.out(peoplesoftSetupReport(await loadConfig(options.config)));
    });

  registerServeCommand(program, io);
  registerSubscribeCommand(program, io);
  registerTargetSetupCommand(program, io);
  return program;
}

type Check = PingCheck & { readonly system: string };

async function localPing(config: CustomerConfig, use: SessionUse): Promise<Check[]> {
  return withSession(config, use, async (session) => {
    const checks: Check[] = [];
    try {
      const source = await session.recordSource();
      checks.push(...(await source.ping()).map((check) => ({ system: 'peoplesoft', ...check })));
    } catch (error) {
      checks.push({ system: 'peoplesoft', name: 'setup', ok: false, detail: (error as Error).message });
    }
    for (const target of Object.keys(config.targets)) {
      try {
        const connector = await session.connector(target);
        checks.push(...(await connector.ping()).map((check) => ({ system: target, ...check })));
      } catch (error) {
        checks.push({ system: target, name: 'setup', ok: false, detail: (error as Error).message });
      }
    }
    checks.push(...(await checkMappings({ config, connector: (target) => session.connector(target), source: () => session.recordSource() })));
    return checks;
  });
}

/**
 * Pings from the deployed stack: a poller checks PeopleSoft from inside the VPC (through the
 * static IP the customer allow-listed), a writer of each target checks the target.
 */
async function deployedPing(config: CustomerConfig): Promise<Check[]> {
  const lambda = new LambdaClient({ region: config.region });
  const names = resourceNames(config);
  const invoke = async (system: string, functionName: string): Promise<Check[]> => {
    try {
      const result = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify({ action: 'ping' }) }));
      const payload = JSON.parse(Buffer.from(result.Payload ?? []).toString() || '{}') as { checks?: PingCheck[]; errorMessage?: string };
      if (result.FunctionError || !payload.checks) {
        return [{ system, name: 'deployed', ok: false, detail: `${functionName} failed: ${payload.errorMessage ?? result.FunctionError ?? 'no answer'}` }];
      }
      return payload.checks.map((check) => ({ system, ...check }));
    } catch (error) {
      return [{ system, name: 'deployed', ok: false, detail: `cannot invoke ${functionName}: ${(error as Error).name}; is the stack deployed and are AWS credentials set?` }];
    }
  };
  // Each PeopleSoft system is pinged by a poller of a flow that reads it (with that system's secret).
  const checks: Check[] = [];
  const several = Object.keys(config.peoplesoft.systems).length > 1;
  for (const system of peopleSoftSystems(config.peoplesoft)) {
    const flow = config.flows.find((candidate) => candidate.schedule && candidate.source !== undefined && peopleSoftSystemOf(config, candidate.source).name === system.name);
    if (!flow) continue;
    const found = await invoke('peoplesoft', names.flow(flow).pollerFunction);
    checks.push(...found.map((check) => (several ? { ...check, name: `${system.name}: ${check.name}` } : check)));
  }
  for (const target of new Set(config.flows.map((flow) => flow.target))) {
    const flow = config.flows.find((candidate) => candidate.target === target)!;
    checks.push(...(await invoke(target, names.flow(flow).writerFunction)));
  }
  return checks;
}

/**
 * Runs the CLI; returns the exit code (`ExitCode`, documented in the README). Errors print as one
 * clear line, never a stack (except for a bug) or a secret.
 */
export async function main(argv: readonly string[], io: Io = standardIo()): Promise<number> {
  const program = buildProgram(io, ['ml-connector', ...argv.slice(2)].join(' '));
  try {
    await program.parseAsync([...argv]);
    return ExitCode.Ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliExit) {
      if (error.message) io.err(error.message);
      return error.code;
    }
    if (error instanceof StateInUseError) {
      io.err(`error: ${error.message}`);
      return ExitCode.StateInUse;
    }
    if (error instanceof ExternalSystemError) {
      io.err(`error: ${error.message}`);
      return ExitCode.SystemFailed;
    }
    if (error instanceof MlConnectorError) {
      io.err(`error: ${error.message}`);
      return ExitCode.Usage;
    }
    io.err(`unexpected error: ${(error as Error).stack ?? error}`);
    return ExitCode.Unexpected;
  }
}
