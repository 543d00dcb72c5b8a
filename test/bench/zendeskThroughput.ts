import { pathToFileURL } from 'node:url';
import { LocalSession } from '../../shared/local';
import { startZendeskSimulator } from '../../simulators/zendesk';
import { demoConfig, employee, envelopeOf } from '../support/factories';
import { callBudgetUse } from './callBudgetUse';

const FLOW = 'employees-to-zendesk';
/** Users per `create_or_update_many` job, as Zendesk documents it. */
const MAX_BATCH = 100;
const MINUTE_MS = 60_000;

/**
 * Employees into Zendesk users against a simulator enforcing the plan's requests per minute
 * (rolling minute, 429 + Retry-After past it) whose jobs take `jobDurationMs`. `count` envelopes
 * are put on the flow's queue first (so the poller's pace does not cap the figure), then the
 * flow's writers drain it, as deployed. The ceiling is what the plan allows when every call is
 * a 100-user job: rpm / 60 × 100 records/s. The figure is taken over steady minutes only: the
 * median of rolling 60-s windows (1-s steps) that start after the first minute (a fresh minute
 * lets a burst through that no later minute does) and end by the last job, so the run must last
 * well over two minutes. Also shown: status looks per job, the busiest minute's calls, and the
 * 429s drawn by the connector's own pacing (should be none).
 */
export async function zendeskThroughput(count: number, requestsPerMinute: number, jobDurationMs = 500): Promise<void> {
  const zendesk = await startZendeskSimulator({ requestsPerMinute, jobDurationMs });
  const config = demoConfig((yaml) => yaml.replace('requestsPerMinute: 200', `requestsPerMinute: ${requestsPerMinute}`));
  const session = await LocalSession.open({ config, stateDir: null, simulators: { targets: { zendesk } } });
  try {
    const flow = session.flow(FLOW);
    const queue = session.queue(flow);
    for (let sent = 0; sent < count; sent += 1_000) {
      await queue.send(Array.from({ length: Math.min(1_000, count - sent) }, () => ({ envelope: envelopeOf(flow, employee()) })));
    }
    const started = Date.now();
    await session.drain(FLOW);
    const seconds = (Date.now() - started) / 1000;
    const jobTimes = zendesk.callLog
      .filter((entry) => entry.path === '/api/v2/users/create_or_update_many' && entry.status === 200)
      .map((entry) => entry.at.getTime());
    const looks = zendesk.calls((entry) => entry.path.startsWith('/api/v2/job_statuses'));
    const jobs = jobTimes.length;
    const steadyJobs = callBudgetUse(jobTimes, MINUTE_MS);
    const steadyCalls = callBudgetUse(zendesk.callLog.map((entry) => entry.at.getTime()), MINUTE_MS);
    const ceiling = (requestsPerMinute / 60) * MAX_BATCH;
    const sustained = (steadyJobs.sustained * MAX_BATCH) / 60;
    console.log(
      `  ${zendesk.users.size} users in ${seconds.toFixed(1)} s; steady minutes (median of ${steadyJobs.windows} rolling 60-s windows after the first minute): ` +
        `${steadyJobs.sustained} jobs = ${sustained.toFixed(0)} records/s (${((sustained / ceiling) * 100).toFixed(0)}% of the ${ceiling.toFixed(0)} records/s a ${requestsPerMinute}-rpm plan allows at 100 users a call), ` +
        `${steadyCalls.sustained} calls in all (${((steadyCalls.sustained / requestsPerMinute) * 100).toFixed(0)}% of ${requestsPerMinute}); ` +
        `${jobs} jobs + ${looks} status looks = ${((jobs + looks) / jobs).toFixed(2)} calls per 100 users; busiest minute ${steadyCalls.busiest} calls; ` +
        `429 answers: ${zendesk.calls((entry) => entry.status === 429)}` +
        (steadyJobs.windows === 0 ? ' (run too short for a steady minute: give more users)' : ''),
    );
  } finally {
    await session.close();
    await zendesk.stop();
  }
}

// `npx tsx test/bench/zendeskThroughput.ts [count] [requestsPerMinute]` runs this section alone.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  await zendeskThroughput(Number(process.argv[2] ?? 100_000), Number(process.argv[3] ?? 400));
}
