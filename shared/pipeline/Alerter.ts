/** Raises an operator alert (SNS e-mail on AWS, the console and the state table locally). */
export interface Alerter {
  raise(subject: string, message: string): Promise<void>;
}

/** Collects alerts in memory and hands them to an optional sink; used by the local runtime. */
export class MemoryAlerter implements Alerter {
  public readonly raised: Array<{ subject: string; message: string; at: string }> = [];

  public constructor(private readonly sink?: (subject: string, message: string) => void) {}

  public async raise(subject: string, message: string): Promise<void> {
    this.raised.push({ subject, message, at: new Date().toISOString() });
    this.sink?.(subject, message);
  }
}
