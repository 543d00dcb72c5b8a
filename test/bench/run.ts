/**
 * `npm run bench`: figures for the local pipeline (the same cores the Lambdas run, on the
 * embedded emulators and the simulators). Prints; asserts nothing.
 *   BENCH_EMPLOYEES (default 100000) sizes the throughput runs.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { progressPrinter } from '../../shared/cli/format';
import { LocalSession } from '../../shared/local';
import { startMarketoSimulator } from '../../simulators/marketo';
import { startPeopleSoftSimulator } from '../../simulators/peoplesoft';
import { demoConfig } from '../support/factories';
import { marketoCallBudget } from './marketoCallBudget';
import { ibPushParsing } from './ibPush';
import { pollerThroughputPerSystem } from './peoplesoftSystems';
import { zohoThroughput } from './zohoThroughput';
import { mailchimpThroughput } from './mailchimpThroughput';
import { zendeskThroughput } from './zendeskThroughput';
import { peoplesoftCiCalls } from './peoplesoftCiCalls';
import { procoreThroughput } from './procoreThroughput';
import { procoreFlowCalls } from './procoreFlows';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const employees = Number(process.env.BENCH_EMPLOYEES ?? 100_000);
const CEILING = (100 / 20) * 300; // records/s Marketo allows: 100 calls per 20 s × 300 records
// Leads only, so one Marketo call carries 300 records and the ceiling above applies.
const leadsOnly = (yaml: string): string =>
  yaml.replace(/      - object: salespersons[\s\S]*?(?=      - object: leads)/, '').replace('pageSize: 1000', 'pageSize: 2000');

async function throughput(rateLimit: boolean, count: number): Promise<void> {
  const peoplesoft = await startPeopleSoftSimulator({ employees: count });
  const marketo = await startMarketoSimulator({ rateLimit: { enabled: rateLimit }, dailyQuota: Number.POSITIVE_INFINITY });
  const session = await LocalSession.open({ config: demoConfig(leadsOnly), stateDir: null, simulators: { peoplesoft, targets: { marketo } } });
  try {
    const progress = progressPrinter();
    const summary = await session.sync('employees-to-marketo', {
      onProgress: (p) => progress(`  ${p.phase}: read ${p.read}, processed ${p.written}`),
    });
    progress('');
    const written = (summary.created ?? 0) + (summary.updated ?? 0);
    const seconds = summary.elapsedMs / 1000;
    const rate = written / seconds;
    const calls = marketo.calls((entry) => entry.method === 'POST' && entry.path === '/rest/v1/leads.json');
    console.log(
      `  rate limit ${rateLimit ? 'on ' : 'off'}: ${written} leads in ${seconds.toFixed(1)} s = ${rate.toFixed(0)} records/s` +
        (rateLimit ? ` (${((rate / CEILING) * 100).toFixed(0)}% of the ${CEILING} records/s ceiling)` : '') +
        `; ${calls} lead calls = ${(calls / written).toFixed(5)} calls per written record` +
        `; 606/615 answers: ${marketo.calls((entry) => entry.code === '606' || entry.code === '615')}`,
    );
  } finally {
    await session.close();
    await peoplesoft.stop();
    await marketo.stop();
  }
}


async function pollerMemory(count: number): Promise<void> {
  const config = demoConfig(leadsOnly);
  const peoplesoft = await startPeopleSoftSimulator({ employees: count });
  const marketo = await startMarketoSimulator({});
  const session = await LocalSession.open({ config, stateDir: null, simulators: { peoplesoft, targets: { marketo } } });
  try {
    const queues = session.aws.flowQueues('employees-to-marketo');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', fileURLToPath(new URL('./pollerProcess.ts', import.meta.url))],
      {
        env: {
          ...process.env,
          BENCH_CONFIG: JSON.stringify(config),
          BENCH_SQS: session.aws.endpoints.sqs,
          BENCH_DYNAMO: session.aws.endpoints.dynamodb,
          BENCH_TABLE: session.context.tableName,
          BENCH_QUEUE_URL: queues.queueUrl,
          BENCH_DLQ_URL: queues.deadLetterQueueUrl,
          BENCH_PEOPLESOFT_URL: peoplesoft.url,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        maxBuffer: 1 << 20,
      },
    );
    const figures = JSON.parse(stdout.trim().split('\n').at(-1)!) as { enqueued: number; seconds: number; peakHeapBytes: number; maxRssBytes: number };
    const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
    console.log(
      `  ${String(count).padStart(7)} employees: enqueued ${figures.enqueued} in ${figures.seconds.toFixed(1)} s; ` +
        `peak live heap ${mib(figures.peakHeapBytes)} MiB, peak RSS ${mib(figures.maxRssBytes)} MiB`,
    );
  } finally {
    await session.close();
    await peoplesoft.stop();
    await marketo.stop();
  }
}

console.log(`ml-connector benchmark (node ${process.version}, ${employees} employees, leads only)`);
console.log('Throughput through the local pipeline (poller → SQS emulator → writer → Marketo simulator):');
await throughput(false, employees);
await throughput(true, employees);
console.log('Marketo call budget use (poller → SQS emulator → writer → rate-limited Marketo simulator):');
// At least 40,000 employees, so the run spans enough steady 20-s windows to take a median.
await marketoCallBudget(Math.max(employees, 40_000));
console.log('Zendesk users (a filled SQS emulator queue → writers → Zendesk simulator at 400 requests/min, jobs of 100 taking 0.5 s):');
// At least 250 users per request a minute allows, so the run spans steady minutes to take a median over.
await zendeskThroughput(Math.max(Math.min(employees, 100_000), 400 * 250), 400);
console.log('Poller peak memory (poller in its own process; emulators and simulator in this one):');
await pollerThroughputPerSystem(employees);
await pollerMemory(10_000);
await pollerMemory(100_000);
console.log('Zoho CRM (writer containers sharing the token and the budget → Zoho simulator, 1 s per 100-record upsert; then the whole local pipeline):');
await zohoThroughput(Math.min(employees, 20_000));
// 4 s a 500-member call: at 2 s the ceiling (2,500 records/s) is more than this process's own
// queue and state emulation sustains on two cores, so the figure would measure the machine.
// `npx tsx test/bench/mailchimpThroughput.ts 60000 2000` shows that case.
console.log('Mailchimp throughput (a filled SQS emulator queue → writers → Mailchimp simulator, 10 connections, 4 s a call as for a 500-member batch):');
await mailchimpThroughput(60_000, 4_000);
console.log('PeopleSoft CI writes (connector → CI-service simulator, 20 ms a call, 4 calls in flight):');
await peoplesoftCiCalls(400);
console.log('Procore (connector → Procore simulator enforcing the hourly and 10-s spike windows; 4 writers of one commitment each):');
await procoreThroughput();
console.log('Procore ↔ PeopleSoft calls per changed record (LocalSession: poller / front door → SQS emulator → writers → simulators):');
await procoreFlowCalls(20);
console.log('Push parsing (Integration Broker rowset XML through the hardened reader):');
ibPushParsing();
