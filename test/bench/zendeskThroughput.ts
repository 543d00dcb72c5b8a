import { progressPrinter } from '../../shared/cli/format';
import { LocalSession } from '../../shared/local';
import { startPeopleSoftSimulator } from '../../simulators/peoplesoft';
import { startZendeskSimulator } from '../../simulators/zendesk';
import { demoConfig } from '../support/factories';
import { callBudgetUse } from './callBudgetUse';

/**
 * Employees into Zendesk users against a simulator enforcing the plan's requests per minute:
 * records/s sustained, as a fraction of the ceiling the plan allows (every call a 100-user job,
 * no status polls), the share of the minute's calls used, and the 429s drawn.
 */
export async function zendeskThroughput(employees: number, requestsPerMinute = 700): Promise<void> {
  const peoplesoft = await startPeopleSoftSimulator({ employees });
  const zendesk = await startZendeskSimulator({ requestsPerMinute, jobDurationMs: 500 });
  const config = demoConfig((yaml) => yaml.replace('requestsPerMinute: 200', `requestsPerMinute: ${requestsPerMinute}`).replace('pageSize: 1000', 'pageSize: 2000'));
  const session = await LocalSession.open({ config, stateDir: null, simulators: { peoplesoft, targets: { zendesk } } });
  try {
    const progress = progressPrinter();
    const summary = await session.sync('employees-to-zendesk', { onProgress: (p) => progress(`  ${p.phase}: read ${p.read}, processed ${p.written}`) });
    progress('');
    const written = (summary.created ?? 0) + (summary.updated ?? 0);
    const seconds = summary.elapsedMs / 1000;
    const ceiling = (requestsPerMinute / 60) * 100;
    const jobs = zendesk.calls((entry) => entry.path === '/api/v2/users/create_or_update_many' && entry.status === 200);
    const polls = zendesk.calls((entry) => entry.path.startsWith('/api/v2/job_statuses/'));
    const use = callBudgetUse(zendesk.callLog.map((entry) => entry.at.getTime()), 60_000);
    console.log(
      `  ${written} users in ${seconds.toFixed(1)} s = ${(written / seconds).toFixed(0)} records/s ` +
        `(${((written / seconds / ceiling) * 100).toFixed(0)}% of the ${ceiling.toFixed(0)} records/s a ${requestsPerMinute}-rpm plan allows at 100 users a call); ` +
        `${jobs} jobs + ${polls} status polls = ${((jobs + polls) / jobs).toFixed(2)} calls per 100 users; ` +
        `busiest minute ${use.busiest} calls (${((use.busiest / requestsPerMinute) * 100).toFixed(0)}% of ${requestsPerMinute}); ` +
        `429 answers: ${zendesk.calls((entry) => entry.status === 429)}`,
    );
  } finally {
    await session.close();
    await zendesk.stop();
    await peoplesoft.stop();
  }
}
