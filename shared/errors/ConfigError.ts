import { ErrorKind } from './ErrorKind';
import { MlConnectorError } from './MlConnectorError';

export interface ConfigIssue {
  /** Dotted path of the offending field, e.g. `flows[0].schedule.cron`. */
  readonly field: string;
  readonly message: string;
}

/** A customer config that cannot be used. The message lists every offending field. */
export class ConfigError extends MlConnectorError {
  public readonly issues: readonly ConfigIssue[];
  public readonly source: string;

  public constructor(source: string, issues: readonly ConfigIssue[], options: { cause?: unknown } = {}) {
    const lines = issues.map((issue) => `  - ${issue.field || '(root)'}: ${issue.message}`);
    super(`Invalid config ${source}:\n${lines.join('\n')}`, ErrorKind.Misconfigured, options);
    this.name = 'ConfigError';
    this.issues = issues;
    this.source = source;
  }
}
