import { pathToFileURL } from 'node:url';
import { LocalSession } from '../../shared/local';
import { startMailchimpSimulator, type MailchimpSimulator } from '../../simulators/mailchimp';
import { startPeopleSoftSimulator } from '../../simulators/peoplesoft';
import { demoConfig, employee, envelopeOf } from '../support/factories';

const FLOW = 'employees-to-mailchimp';
const LIST = 'e5a1b2c3d4';
/** Members per batch subscribe call and connections per user, as Mailchimp documents them. */
const MAX_BATCH = 500;
const CONNECTIONS = 10;
/** The demo's HCM system keeps its database clock in this zone; the simulator must too. */
const HCM_TIME_ZONE = 'America/Chicago';

const batchWrites = (mailchimp: MailchimpSimulator): number => mailchimp.calls.filter((call) => call.method === 'POST' && call.path === `/3.0/lists/${LIST}`).length;
const audienceCalls = (mailchimp: MailchimpSimulator): number => mailchimp.calls.filter((call) => call.path.startsWith(`/3.0/lists/${LIST}`)).length;

/**
 * Sustained records/s into a Mailchimp audience (F3): `count` employee envelopes are put on the
 * flow's queue first (so the poller's pace does not cap the figure), then the flow's writers
 * drain it, as deployed, against a simulator whose every call takes `latencyMs` and which
 * refuses an 11th connection. The ceiling is what 10 connections allow when each holds one
 * 500-member batch call at a time: 10 × 500 / latency records/s. Also counted: answers 429 / 403
 * drawn by the connector's own pacing (should be none).
 * Then calls per changed record, through the poller against a simulator without latency: a full
 * sync of `changedBase` employees, a sync after some of them changed, and a full re-read with
 * nothing changed (which must cost no call).
 */
export async function mailchimpThroughput(count: number, latencyMs: number, changedBase = 5_000): Promise<void> {
  await sustained(count, latencyMs);
  await callsPerChange(changedBase);
}

async function sustained(count: number, latencyMs: number): Promise<void> {
  const mailchimp = await startMailchimpSimulator({ latencyMs });
  const session = await LocalSession.open({ config: demoConfig(), stateDir: null, simulators: { targets: { mailchimp } } });
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
    const ceiling = (CONNECTIONS * MAX_BATCH) / (latencyMs / 1000);
    const writes = batchWrites(mailchimp);
    // Sustained: from the first call's arrival to the last answer, with how busy the 10
    // connections were in that span (the ramp-up before the first batch is not the target's).
    const first = Math.min(...mailchimp.calls.map((call) => call.startedAt));
    const last = Math.max(...mailchimp.calls.map((call) => call.endedAt));
    const spanSeconds = (last - first) / 1000;
    const busy = mailchimp.calls.reduce((sum, call) => sum + (call.endedAt - call.startedAt), 0) / 1000;
    const sustainedRate = written / spanSeconds;
    const steady = steadyConnectionUse(mailchimp.calls, first, last);
    console.log(
      `  sustained: ${sustainedRate.toFixed(0)} records/s from the first call to the last answer (${((sustainedRate / ceiling) * 100).toFixed(0)}% of ${ceiling.toFixed(0)}); ` +
        `connections busy ${((busy / (CONNECTIONS * spanSeconds)) * 100).toFixed(0)}% of that time; ` +
        `steady state (median 10-s window, ramp-up and last round left out): ${(steady * 100).toFixed(0)}% busy = ${(steady * ceiling).toFixed(0)} records/s`,
    );
    console.log(
      `  ${written} members in ${seconds.toFixed(1)} s = ${rate.toFixed(0)} records/s ` +
        `(${((rate / ceiling) * 100).toFixed(0)}% of the ${ceiling.toFixed(0)} records/s that 10 connections allow at ${latencyMs} ms a 500-member call); ` +
        `${writes} batch writes for ${written} records (⌈n/500⌉ = ${Math.ceil(written / MAX_BATCH)}), ${audienceCalls(mailchimp)} audience calls in all; ` +
        `peak connections ${mailchimp.peakConnections()}; 429/403 answers: ${mailchimp.overloadAnswers()}`,
    );
  } finally {
    await session.close();
    await mailchimp.stop();
  }
}

/**
 * Median share of the 10 connections busy over 10-second windows between the first call and the
 * last answer, leaving out the first and last 2 s (the ramp-up and the final round, which no
 * target limit sets).
 */
function steadyConnectionUse(calls: ReadonlyArray<{ startedAt: number; endedAt: number }>, first: number, last: number): number {
  const windowMs = 10_000;
  const stepMs = 50;
  const shares: number[] = [];
  for (let start = first + 2_000; start + windowMs <= last - 2_000; start += 1_000) {
    let busy = 0;
    let samples = 0;
    for (let at = start; at < start + windowMs; at += stepMs) {
      busy += calls.filter((call) => call.startedAt <= at && at < call.endedAt).length;
      samples += 1;
    }
    shares.push(busy / samples / CONNECTIONS);
  }
  if (shares.length === 0) return Number.NaN;
  shares.sort((a, b) => a - b);
  return shares[Math.floor(shares.length / 2)]!;
}

async function callsPerChange(employees: number): Promise<void> {
  const peoplesoft = await startPeopleSoftSimulator({ employees, timeZone: HCM_TIME_ZONE });
  const mailchimp = await startMailchimpSimulator();
  const config = demoConfig((yaml) => yaml.replace('pageSize: 1000', 'pageSize: 2000'));
  const session = await LocalSession.open({ config, stateDir: null, simulators: { peoplesoft, targets: { mailchimp } } });
  try {
    const first = await session.sync(FLOW);
    const firstCalls = audienceCalls(mailchimp);
    const ids = peoplesoft
      .employeeIds()
      .filter((id) => peoplesoft.employee(id)!.EMPL_STATUS === 'A')
      .slice(0, Math.round(employees * 0.14));
    for (const id of ids) peoplesoft.changeTitle(id, 'Principal');
    // The source clock has one-second resolution: let it pass the changes.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await session.sync(FLOW);
    const secondCalls = audienceCalls(mailchimp) - firstCalls;
    const third = await session.sync(FLOW, { since: new Date('1970-01-01T00:00:00Z') });
    const thirdCalls = audienceCalls(mailchimp) - firstCalls - secondCalls;
    console.log(
      `  full sync of ${employees} employees: ${first.created ?? 0} created in ${firstCalls} calls (⌈n/500⌉ = ${Math.ceil((first.created ?? 0) / MAX_BATCH)}); ` +
        `${ids.length} changed: ${second.updated ?? 0} updated in ${secondCalls} calls (⌈n/500⌉ = ${Math.ceil(ids.length / MAX_BATCH)}); ` +
        `full re-read: ${third.skippedUnchanged ?? 0} unchanged, ${thirdCalls} calls`,
    );
  } finally {
    await session.close();
    await peoplesoft.stop();
    await mailchimp.stop();
  }
}

// `npx tsx test/bench/mailchimpThroughput.ts [count] [latencyMs]` runs this section alone.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  await mailchimpThroughput(Number(process.argv[2] ?? 20_000), Number(process.argv[3] ?? 2_000));
}
