import type { LocalSession } from './LocalSession';
import { LocalScheduler } from './LocalScheduler';

export interface KeepPushedSourcesOptions {
  /** Where the targets deliver: `<frontDoorUrl>/<source>` (the local front door or a public URL in front of it). */
  readonly frontDoorUrl: string;
  /** One line per subscription change and per reconciliation. Never a secret. */
  readonly onLine: (line: string) => void;
  readonly onError: (error: unknown) => void;
}

/** The running renewals and reconciliations; `stop` ends them. */
export interface PushedSourceKeeper {
  stop(): void;
}

/**
 * Keeps a local session's pushed sources working as the deployed stack does: subscribes every
 * source with `subscribe` now (failures are reported, not thrown: the front door still serves),
 * renews each every `renewEveryMinutes`, and runs each `reconcile` on its schedule with the
 * local scheduler.
 */
export async function keepPushedSources(session: LocalSession, options: KeepPushedSourcesOptions): Promise<PushedSourceKeeper> {
  const renew = async (): Promise<void> => {
    try {
      for (const renewed of await session.subscribe(options.frontDoorUrl)) {
        for (const change of renewed.changes) options.onLine(`${renewed.source}: ${renewed.target} ${change}`);
      }
    } catch (error) {
      options.onError(error);
    }
  };
  await renew();
  const timers = Object.values(session.config.pushed ?? {}).flatMap((source) => (source.subscribe ? [source.subscribe.renewEveryMinutes] : []));
  // One renewal pass at the shortest interval renews every source at least as often as it asks.
  const timer = timers.length > 0 ? setInterval(() => void renew(), Math.min(...timers) * 60_000) : undefined;
  const jobs = Object.entries(session.config.pushed ?? {}).flatMap(([name, source]) => (source.reconcile ? [{ name, schedule: source.reconcile.schedule }] : []));
  const scheduler = new LocalScheduler(jobs, async (job) => {
    try {
      const result = await session.reconcile(job.name);
      const found = result.objects.map((entry) => `${entry.object} ${entry.queued}`).join(', ');
      options.onLine(`${job.name}: reconciled (changed since the last run: ${found})`);
    } catch (error) {
      options.onError(error);
    }
  });
  if (jobs.length > 0) scheduler.start();
  return {
    stop: () => {
      if (timer) clearInterval(timer);
      scheduler.stop();
    },
  };
}
