import { LocalSession } from '../../shared/local';
import { startMailchimpSimulator } from '../../simulators/mailchimp';
import { startPeopleSoftSimulator } from '../../simulators/peoplesoft';
import { demoConfig, employee, envelopeOf } from '../support/factories';

const FLOW = 'employees-to-mailchimp';
const LIST = 'e5a1b2c3d4';
/** Members per batch subscribe call and connections per user, as Mailchimp documents them. */
const MAX_BATCH = 500;
const CONNECTIONS = 10;
/** Calls one upsert batch makes in sequence: the unsubscribed read, the cleaned read, the write. */
const CALLS_PER_BATCH = 3;

/**
 * Sustained records/s into a Mailchimp audience (F3): `count` employee envelopes are put on the
 * flow's queue first (so the poller's pace does not cap the figure), then the flow's writers
 * drain it, as deployed, against a simulator whose every call takes `latencyMs` and which
 * refuses an 11th connection.
 * The ceiling is what 10 connections allow when each holds a 500-member batch for the
 * `CALLS_PER_BATCH` calls it needs: 10 × 500 / (3 × latency) records/s. Also counted: answers
 * 429 / 403 drawn by the connector's own pacing (should be none), and calls per changed record
 * on a second run that changes a few records.
 */
export async function mailchimpThroughput(count: number, latencyMs: number): Promise<void> {
  const peoplesoft = await startPeopleSoftSimulator({ employees: count });
  const mailchimp = await startMailchimpSimulator({ latencyMs });
  const config = demoConfig((yaml) => yaml.replace('pageSize: 1000', 'pageSize: 2000'));
  const session = await LocalSession.open({ config, stateDir: null, simulators: { peoplesoft, targets: { mailchimp } } });
  try {
    const flow = session.flow(FLOW);
    const queue = session.queue(flow);
    for (let sent = 0; sent < count; sent += 1_000) {
      await queue.send(Array.from({ length: Math.min(1_000, count - sent) }, () => ({ envelope: envelopeOf(flow, employee()) })));
    }
    const started = Date.now();
    await session.drain(FLOW);
    const seconds = (Date.now() - started) / 1000;
    const written = mailchimp.audience(LIST).members.size;
    const rate = written / seconds;
    const ceiling = (CONNECTIONS * MAX_BATCH) / ((CALLS_PER_BATCH * latencyMs) / 1000);
    const writes = mailchimp.calls.filter((call) => call.method === 'POST' && call.path === `/3.0/lists/${LIST}`).length;
    console.log(
      `  ${written} members in ${seconds.toFixed(1)} s = ${rate.toFixed(0)} records/s ` +
        `(${((rate / ceiling) * 100).toFixed(0)}% of the ${ceiling.toFixed(0)} records/s that 10 connections allow at ${latencyMs} ms a call); ` +
        `${writes} batch writes for ${written} records (⌈n/500⌉ = ${Math.ceil(written / MAX_BATCH)}), ${mailchimp.calls.length} calls in all; ` +
        `peak connections ${mailchimp.peakConnections()}; 429/403 answers: ${mailchimp.overloadAnswers()}`,
    );

    // The seeded directory through a sync, then a few changes: calls per changed record.
    await session.sync(FLOW);
    const ids = peoplesoft.employeeIds(2_000).filter((id) => peoplesoft.employee(id)!.EMPL_STATUS === 'A').slice(0, 700);
    for (const id of ids) peoplesoft.changeTitle(id, 'Principal');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const before = mailchimp.calls.length;
    const writtenBefore = mailchimp.audience(LIST).members.size;
    const beforeWrites = mailchimp.calls.filter((call) => call.method === 'POST').length;
    const second = await session.sync(FLOW);
    const calls = mailchimp.calls.length - before;
    const secondWrites = mailchimp.calls.filter((call) => call.method === 'POST').length - beforeWrites;
    console.log(
      `  then ${ids.length} changed of ${writtenBefore}: ${second.updated ?? 0} updated, ${second.skippedUnchanged ?? 0} unchanged; ` +
        `${secondWrites} batch writes (⌈n/500⌉ = ${Math.ceil(ids.length / MAX_BATCH)}), ${calls} calls with the status reads, 0 for the unchanged`,
    );
  } finally {
    await session.close();
    await peoplesoft.stop();
    await mailchimp.stop();
  }
}
