import type { FlowPlan } from '../pipeline';
import type { AuditRow, RunSummary } from '../state';
import type { SyncSummary } from '../local/LocalSession';

const n = (value: number | undefined): string => String(value ?? 0);

/** The per-flow summary printed after a sync. */
export function formatSummary(summary: SyncSummary): string {
  const written = (summary.created ?? 0) + (summary.updated ?? 0) + (summary.deleted ?? 0) + (summary.notFound ?? 0);
  const lines = [
    `flow ${summary.flow}  (run ${summary.runId})`,
    `  window            ${summary.windowFrom ?? '?'} → ${summary.windowTo ?? '?'}${summary.complete ? '' : '  (stopped early; next run continues)'}`,
    `  read              ${n(summary.read)}`,
    `  enqueued          ${n(summary.enqueued)}`,
    `  target writes     ${written}  (created ${n(summary.created)} / updated ${n(summary.updated)} / deleted ${n(summary.deleted)}${summary.notFound ? ` / already absent ${summary.notFound}` : ''})`,
    `  skipped-unchanged ${n(summary.skippedUnchanged)}`,
    ...(summary.superseded ? [`  superseded        ${summary.superseded}  (older than the version already written; not written)`] : []),
    ...(summary.inactiveNeverSynced ? [`  inactive, never synced ${summary.inactiveNeverSynced}  (deactivations of records never written; no call)`] : []),
    `  rejected          ${n(summary.rejected)}`,
    ...summary.rejectedReasons.slice(0, 10).map((r) => `    - ${r.sourceId}: ${r.reason}`),
    `  dead-lettered     ${n(summary.deadLettered)}${summary.deadLetterDepth ? `  (dead-letter queue holds ${summary.deadLetterDepth}; fix and run "ml-connector replay")` : ''}`,
    ...summary.deadLetterReasons.slice(0, 10).map((r) => `    - ${r.sourceId}: ${r.reason}`),
    ...(summary.parked ? [`  parked            ${summary.parked}  (target quota exhausted or credentials refused; waiting on the queue, resumes on its own)`] : []),
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
    lines.push(`  ${object}: ${p.creates} creates, ${p.updates} updates, ${p.deletes} deletes, ${p.unchanged} unchanged${extra}`);
    for (const example of p.examples) lines.push(`    e.g. ${example.change} ${example.key}: ${JSON.stringify(example.payload)}`);
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
      ]
        .filter(Boolean)
        .join(' '),
    ),
  ].join('\n');
}

export function formatRun(run: RunSummary | undefined): string {
  if (!run) return 'no runs yet';
  return `${run.runId} ${run.status ?? ''}: read ${n(run.read)}, enqueued ${n(run.enqueued)}, created ${n(run.created)}, updated ${n(run.updated)}, deleted ${n(run.deleted)}, skipped ${n(run.skippedUnchanged)}, rejected ${n(run.rejected)}, dead-lettered ${n(run.deadLettered)}, API calls ${n(run.apiCalls)}`;
}

/** A progress line on stderr: rewritten in place on a terminal, one line per update otherwise. */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): (text: string) => void {
  let last = 0;
  return (text) => {
    if (stream.isTTY) {
      stream.write(`\r\x1b[K${text}`);
    } else if (Date.now() - last > 2000) {
      stream.write(`${text}\n`);
      last = Date.now();
    }
  };
}
