import type { SyncSummary } from '../local';
import { ExitCode } from './ExitCode';

/** The exit code one flow's sync earns, with the reasons a script's log should show. */
export interface SyncAssessment {
  readonly code: ExitCode;
  readonly reasons: readonly string[];
}

/**
 * Judges a finished sync: alerts raised while it ran (a refused credential, a used-up quota)
 * and records SQS dead-lettered because the writer kept failing mean a system failed; records
 * rejected at the source or refused by the target mean records failed.
 */
export function assessSync(summary: SyncSummary, alerts: ReadonlyArray<{ readonly subject: string }>): SyncAssessment {
  const reasons: string[] = [];
  let code: ExitCode = ExitCode.Ok;
  const raise = (to: ExitCode, reason: string): void => {
    code = Math.max(code, to) as ExitCode;
    reasons.push(`${summary.flow}: ${reason}`);
  };
  for (const alert of alerts) raise(ExitCode.SystemFailed, `alert: ${alert.subject}`);
  const exhausted = summary.deadLetterReasons.filter((letter) => /exceeded maxReceiveCount/.test(letter.reason)).length;
  if (exhausted > 0) raise(ExitCode.SystemFailed, `${exhausted} record(s) dead-lettered after every retry failed (is the target reachable?)`);
  if ((summary.rejected ?? 0) > 0) raise(ExitCode.RecordsFailed, `${summary.rejected} record(s) rejected`);
  if ((summary.deadLettered ?? 0) > exhausted) raise(ExitCode.RecordsFailed, `${(summary.deadLettered ?? 0) - exhausted} record(s) dead-lettered`);
  return { code, reasons };
}
