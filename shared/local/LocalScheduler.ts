import { nextCronFire, parseCron, type FlowConfig } from '../config';

/** Something that runs on a schedule: a flow, or another job (a pushed source's reconciliation). */
export type ScheduledJob = Pick<FlowConfig, 'name' | 'schedule'>;

/**
 * Fires flows (or other jobs) on their EventBridge cron expressions and time zones, like the
 * deployed schedules. One still running when its next time comes is not started twice.
 */
export class LocalScheduler<Job extends ScheduledJob = FlowConfig> {
  private timer?: NodeJS.Timeout;
  private readonly running = new Set<string>();
  private readonly next = new Map<string, Date>();

  public constructor(
    private readonly flows: readonly Job[],
    private readonly fire: (flow: Job) => Promise<void>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** When each flow fires next. */
  public upcoming(): Array<{ flow: string; at: Date }> {
    return [...this.next.entries()].map(([flow, at]) => ({ flow, at }));
  }

  public start(tickMs = 1000): void {
    for (const flow of this.flows) this.plan(flow);
    this.timer = setInterval(() => this.tick(), tickMs);
  }

  public stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private plan(flow: Job): void {
    // A flow without a schedule is fed only by its pushed source: nothing to fire.
    const at = flow.schedule ? nextCronFire(parseCron(flow.schedule.cron), this.now(), flow.schedule.timeZone) : undefined;
    if (at) this.next.set(flow.name, at);
    else this.next.delete(flow.name);
  }

  private tick(): void {
    for (const flow of this.flows) {
      const at = this.next.get(flow.name);
      if (!at || at > this.now() || this.running.has(flow.name)) continue;
      this.running.add(flow.name);
      this.plan(flow);
      void this.fire(flow).finally(() => this.running.delete(flow.name));
    }
  }
}
