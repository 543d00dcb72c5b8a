import type { FlowPlan } from '../pipeline';
import type { AuditRow, RunSummary } from '../state';
import type { SyncSummary } from '../local/LocalSession';

const n = (value: number | undefined): string => String(value ?? 0);

/** The per-flow summary printed after a sync. */
export function formatSummary(summary: SyncSummary): string {
  const written = (summary.created ?? 0) + (summary.updated ?? 0) + (summary.deleted ?? 0);
  const lines = [
    `flow ${summary.flow}  (run ${summary.runId}): ${runOutcome(summary)}`,
    `  window            ${summary.windowFrom ?? '?'} → ${summary.windowTo ?? '?'}${summary.complete ? '' : '  (stopped early; next run continues)'}`,
    `  read              ${n(summary.read)}`,
    `  enqueued          ${n(summary.enqueued)}`,
    `  target writes     ${written}  (created ${n(summary.created)} / updated ${n(summary.updated)} / deleted ${n(summary.deleted)})`,
    ...(summary.notFound ? [`  already absent    ${summary.notFound}  (to delete, but the target no longer had them: nothing written)`] : []),
    `  skipped-unchanged ${n(summary.skippedUnchanged)}`,
    ...(summary.superseded ? [`  superseded        ${summary.superseded}  (older than the version already written; not written)`] : []),
    ...(summary.inactiveNeverSynced ? [`  inactive, never synced ${summary.inactiveNeverSynced}  (deactivations of records never written; no call)`] : []),
    ...(summary.skipped ? [`  skipped           ${summary.skipped}  (matched a skipWhen rule of the flow, e.g. echoes of our own writes; no call)`] : []),
    `  rejected          ${n(summary.rejected)}`,
    ...summary.rejectedReasons.slice(0, 10).map((r) => `    - ${r.sourceId}: ${r.reason}`),
    `  dead-lettered     ${n(summary.deadLettered)}${summary.deadLetterDepth ? `  (dead-letter queue holds ${summary.deadLetterDepth}; fix and run "ml-connector replay")` : ''}`,
    ...summary.deadLetterReasons.slice(0, 10).map((r) => `    - ${r.sourceId}: ${r.reason}`),
    ...(summary.parked ? [`  parked            ${summary.parked}  (target quota exhausted or credentials refused; waiting on the queue, resumes on its own)`] : []),
    ...(summary.waiting ? [`  waiting           ${summary.waiting}  (for a record they depend on to reach the target; held on the queue, tried again)`] : []),
    `  target API calls  ${n(summary.apiCalls)}${summary.throttled ? `  (throttled ${summary.throttled})` : ''}`,
    `  elapsed           ${(summary.elapsedMs / 1000).toFixed(1)} s`,
  ];
  return lines.join('\n');
}

export function formatPlan(plan: FlowPlan): string {
  const lines = [`flow ${plan.flow} (dry run: nothing written)`, `  window ${plan.windowFrom} → ${plan.windowTo}`, `  read ${plan.read}`];
  for (const [object, p] of Object.entries(plan.objects)) {
    const extra = [
      p.inactiveNeverSynced ? `, ${p.inactiveNeverSynced} inactive, never synced (no call)` : '',
      p.superseded ? `, ${p.superseded} superseded` : '',
    ].join('');
    // The plan cannot ask the target whether a record to delete is still there.
    lines.push(`  ${object}: ${p.creates} creates, ${p.updates} updates, ${p.deletes} deletes if present, ${p.unchanged} unchanged${extra}`);
    for (const example of p.examples) {
      lines.push(`    e.g. ${example.change === 'delete' ? 'delete (if present)' : example.change} ${example.key}: ${JSON.stringify(example.payload)}`);
    }
  }
  if (plan.rejected.length > 0) {
    lines.push(`  rejected ${plan.rejected.length}`);
    for (const r of plan.rejected.slice(0, 10)) lines.push(`    - ${r.id ?? '(no key)'}: ${r.reason}`);
  }
  return lines.join('\n');
}

export function formatAudit(key: string, rows: readonly AuditRow[]): string {
  if (rows.length === 0) return `no audit rows for ${key}`;
  return [
    `audit trail of ${key}`,
    ...rows.map((row) =>
      [
        `  ${row.at}`,
        row.flow.padEnd(24),
        row.event.padEnd(21),
        row.object ?? '',
        row.outcome ?? '',
        row.targetId ? `id=${row.targetId}` : '',
        row.lifecycle ? `(${row.lifecycle})` : '',
        row.attempt ? `attempt ${row.attempt}` : '',
        row.reason ? `— ${row.reason}` : '',
        row.note ? `— ${row.note}` : '',
      ]
        .filter(Boolean)
        .join(' '),
    ),
  ].join('\n');
}

/**
 * What a run came to, from what happened rather than from how far it got: `failed: <error>`,
 * `partial`, `complete`, each `with` its rejected, dead-lettered or parked records.
 */
export function runOutcome(run: RunSummary): string {
  if (run.status === 'failed') return `failed${run.error ? `: ${run.error}` : ''}`;
  const base =
    {
      partial: 'partial (stopped early; the next run continues)',
      polled: 'polled (the writers finish it)',
      polling: 'polling (still running, or interrupted)',
    }[run.status ?? ''] ??
    run.status ??
    'unknown';
  const problems = [
    run.rejected ? `${run.rejected} rejected` : '',
    run.deadLettered ? `${run.deadLettered} dead-lettered` : '',
    run.parked ? `${run.parked} parked` : '',
    run.waiting ? `${run.waiting} waiting` : '',
  ].filter(Boolean);
  return problems.length > 0 ? `${base} with ${problems.join(', ')}` : base;
}

/** One line per run: kind (poll or replay), start, outcome, counters. */
export function formatRun(run: RunSummary | undefined): string {
  if (!run) return 'no runs yet';
  const [startedAt, kind] = run.runId.split('~');
  const counters = [
    `read ${n(run.read)}`,
    `enqueued ${n(run.enqueued)}`,
    ...(run.replayed ? [`replayed ${run.replayed}`] : []),
    `created ${n(run.created)}`,
    `updated ${n(run.updated)}`,
    `deleted ${n(run.deleted)}`,
    ...(run.notFound ? [`already absent ${run.notFound}`] : []),
    `skipped ${n(run.skippedUnchanged)}`,
    `rejected ${n(run.rejected)}`,
    `dead-lettered ${n(run.deadLettered)}`,
    `API calls ${n(run.apiCalls)}`,
  ];
  return `${(kind ?? 'run').padEnd(6)} ${startedAt ?? run.runId}  ${runOutcome(run)}; ${counters.join(', ')}`;
}

/**
 * Progress on stderr. On a terminal, one line rewritten in place. Otherwise (a pipe, a log file)
 * plain lines, at most one per interval and none for a run shorter than that; the empty text ends
 * the progress: it clears the terminal line, or writes the final counts if any line went out, so
 * the last progress line never contradicts the summary that follows.
 */
export function progressPrinter(
  stream: Pick<NodeJS.WriteStream, 'isTTY' | 'write'> = process.stderr,
  options: { readonly intervalMs?: number; readonly now?: () => number } = {},
): (text: string) => void {
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 2000;
  let lastPrinted = now();
  let printedAny = false;
  let latest = '';
  return (text) => {
    if (stream.isTTY) {
      stream.write(`\r\x1b[K${text}`);
      return;
    }
    if (text === '') {
      if (printedAny && latest) stream.write(`${latest}\n`);
      latest = '';
      printedAny = false;
      lastPrinted = now();
      return;
    }
    latest = text;
    if (now() - lastPrinted >= interval) {
      stream.write(`${text}\n`);
      lastPrinted = now();
      printedAny = true;
      latest = '';
    }
  };
}
