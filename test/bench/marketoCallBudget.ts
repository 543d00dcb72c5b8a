import { progressPrinter } from '../../shared/cli/format';
import { LocalSession } from '../../shared/local';
import { startMarketoSimulator } from '../../simulators/marketo';
import { startPeopleSoftSimulator } from '../../simulators/peoplesoft';
import { demoConfig } from '../support/factories';
import { callBudgetUse } from './callBudgetUse';

/** Marketo's documented ceiling: 100 calls per rolling 20 s. */
const CALLS_PER_20S = 100;

/**
 * The demo's employees flow (sales persons and leads) against a rate-limited Marketo: how much of
 * the 100 calls per 20 s it sustains, read from the simulator's log of arrivals.
 */
export async function marketoCallBudget(count: number): Promise<void> {
  const peoplesoft = await startPeopleSoftSimulator({ employees: count });
  const marketo = await startMarketoSimulator({ dailyQuota: Number.POSITIVE_INFINITY });
  const session = await LocalSession.open({ config: demoConfig(), stateDir: null, simulators: { peoplesoft, targets: { marketo } } });
  try {
    const progress = progressPrinter();
    const summary = await session.sync('employees-to-marketo', {
      onProgress: (p) => progress(`  ${p.phase}: read ${p.read}, processed ${p.written}`),
    });
    progress('');
    const use = callBudgetUse(marketo.callLog.map((entry) => entry.at.getTime()));
    const writes = marketo.callLog.filter((entry) => entry.method === 'POST' && entry.records !== undefined);
    const records = writes.reduce((sum, entry) => sum + (entry.records ?? 0), 0);
    console.log(
      `  ${count} employees, sales persons + leads: ${marketo.calls()} calls in ${(summary.elapsedMs / 1000).toFixed(1)} s; ` +
        `sustained ${use.sustained} calls per 20 s = ${((use.sustained / CALLS_PER_20S) * 100).toFixed(0)}% of the ${CALLS_PER_20S}-call ceiling ` +
        `(median of ${use.windows} steady 20-s windows; busiest ${use.busiest}); ` +
        `${(records / Math.max(1, writes.length)).toFixed(0)} records per write call; ` +
        `606/615 answers: ${marketo.calls((entry) => entry.code === '606' || entry.code === '615')}`,
    );
  } finally {
    await session.close();
    await peoplesoft.stop();
    await marketo.stop();
  }
}
