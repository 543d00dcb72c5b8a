import { DynamoTokenStore } from '../../shared/auth';
import { progressPrinter } from '../../shared/cli/format';
import { ItemOutcome, TargetAction, type TargetItem } from '../../shared/connectors';
import { ZohoConnector, zohoDeclaration, zohoSettingsSchema } from '../../shared/connectors/zoho';
import { zohoEditionConcurrency } from '../../shared/connectors/zoho/zohoSettingsSchema';
import { inProcessLimiters } from '../../shared/limits';
import { LocalAws, LocalSession } from '../../shared/local';
import { startPeopleSoftSimulator } from '../../simulators/peoplesoft';
import { ZOHO_SIMULATOR_CREDENTIALS, startZohoSimulator, type ZohoSimulator } from '../../simulators/zoho';
import { demoConfig } from '../support/factories';

/**
 * Time one simulated Zoho call takes (an upsert of 100 records takes about a second on a real
 * org). It sets the ceiling: 10 heavy calls in flight × 100 records / 1 s = 1,000 records/s. At
 * 200 ms the ceiling (5,000 records/s) is more JSON than this one process, which also plays the
 * org, can parse and check on two shared cores: the bench then measures its own CPU, not pacing.
 */
const LATENCY_MS = 1_000;
/** Zoho's sub-concurrency for heavy calls (upserts of more than 10 records), whatever the edition. */
const HEAVY_IN_FLIGHT = 10;
const BATCH = 100;
/** Credits of the simulated org, and the ledger's daily budget (ml-connector's own). */
const ORG_CREDITS = 10_000_000;
const DAILY_BUDGET = 1_000_000;
/**
 * The token clock runs this much faster than the wall clock: an access token's hour lasts 24 s
 * (the 30-s refresh lock still lasts 200 ms), so a run of half a minute spans about an hour of
 * token life; budgets and call pacing keep real time.
 */
const TOKEN_CLOCK_SPEED = 150;

/** Records/s Zoho's limits allow: calls in flight (edition, and 10 heavy) × 100 records / latency. */
function concurrencyCeiling(edition: keyof typeof zohoEditionConcurrency = 'enterprise'): number {
  return (Math.min(zohoEditionConcurrency[edition], HEAVY_IN_FLIGHT) * BATCH * 1000) / LATENCY_MS;
}

/** Changed records a daily credit budget allows: an upsert of 100 costs ⌈100/10⌉ = 10 credits. */
function creditCeiling(credits: number): number {
  return (credits / Math.ceil(BATCH / 10)) * BATCH;
}

/**
 * Zoho figures, printed by `npm run bench`:
 *
 * 1. Writers against Zoho's limits. `writers` writer containers (own connector, own memory) share
 *    what deployed writers share through the state table (dynalite here): the call budget
 *    (credits, calls in flight, heavy calls in flight) and the one access token. They upsert
 *    contacts in batches of 100 into a simulated org whose calls take `LATENCY_MS`: records/s
 *    against what the limits allow, 429 answers, credits per changed record, and access tokens
 *    issued per 10,000 records and per hour of (token-clock) work.
 * 2. The whole local pipeline (PeopleSoft → queue → writer → Zoho on the embedded emulators), where
 *    one process on this machine plays every container: what bounds it, next to Zoho's ceiling.
 */
export async function zohoThroughput(count: number): Promise<void> {
  // The declared writer concurrency (10: the heavy-call limit), and twice as many.
  for (const writers of [zohoDeclaration.limits.inFlight, zohoDeclaration.limits.inFlight * 2]) await writersAgainstLimits(count, writers);
  await pipelineEndToEnd(count);
}

async function writersAgainstLimits(count: number, writers: number): Promise<void> {
  const started = Date.now();
  const tokenClock = (): Date => new Date(started + (Date.now() - started) * TOKEN_CLOCK_SPEED);
  const zoho = await startZohoSimulator({ latencyMs: LATENCY_MS, credits: ORG_CREDITS, now: () => tokenClock().getTime() });
  const aws = await LocalAws.start({});
  try {
    const config = demoConfig();
    await aws.provision(config);
    const tableName = aws.tableName(config);
    const settings = zohoSettingsSchema.parse({
      ...config.targets['zoho'],
      baseUrl: zoho.url,
      accountLookup: { field: 'Account_Name', by: 'Vendor_ID' },
      credits: { dailyBudget: DAILY_BUDGET },
    });
    const limiters = inProcessLimiters();
    const container = (): ZohoConnector =>
      new ZohoConnector({
        settings,
        credentials: ZOHO_SIMULATOR_CREDENTIALS,
        hostPolicy: { allowLoopback: true, allowPrivate: false },
        // The token in the table, as deployed. The budget is one in-process store running the
        // same rules as the table's budget item: dynalite, one worker thread, answers the item's
        // 8 reads and conditional writes per call (4 per limiter: heavy, then calls in flight
        // and credits) slower than DynamoDB does, and the bench would measure dynalite.
        limiters,
        tokenStores: ({ system, account }) => new DynamoTokenStore({ client: aws.dynamo, tableName, system, account }),
        now: tokenClock,
      });
    const accounts = Array.from({ length: 20 }, (_, i) => ({ ref: `a${i}`, key: `V${i}`, payload: { Account_Name: `Vendor ${i}`, Vendor_ID: `V${i}` } }));
    await container().write('Accounts', TargetAction.Upsert, accounts);
    const callsBefore = zoho.calls.length;
    const items: TargetItem[] = Array.from({ length: count }, (_, i) => ({
      ref: `e${i}`,
      key: `e${i}@example.com`,
      payload: { Last_Name: `Person${i}`, Email: `e${i}@example.com`, Employee_ID: `E${i}`, Title: 'Analyst', Account_Name: `V${i % accounts.length}` },
    }));
    let next = 0;
    let changed = 0;
    let failedBatches = 0;
    const begin = Date.now();
    // Each container takes the next batch as soon as its last call is answered, like a writer
    // Lambda whose event source mapping always has a full batch waiting.
    await Promise.all(
      Array.from({ length: writers }, async () => {
        const connector = container();
        while (next < items.length) {
          const batch = items.slice(next, next + BATCH);
          next += BATCH;
          // A failed batch is tried again, as SQS would redeliver it.
          for (;;) {
            try {
              const results = await connector.write('Contacts', TargetAction.Upsert, batch);
              changed += results.filter((result) => result.outcome === ItemOutcome.Created || result.outcome === ItemOutcome.Updated).length;
              break;
            } catch (error) {
              failedBatches += 1;
              console.log(`  batch failed, tried again: ${(error as Error).message}`);
            }
          }
        }
      }),
    );
    const seconds = (Date.now() - begin) / 1000;
    // Tokens over the whole run (the first was issued for the accounts), per hour since it began.
    const tokenHours = (tokenClock().getTime() - started) / 3_600_000;
    const rate = changed / seconds;
    const ceiling = concurrencyCeiling(settings.edition);
    // From the call log: the simulated org's rolling 24 h runs on the token clock.
    const credits = zoho.calls.slice(callsBefore).reduce((sum, call) => sum + call.credits, 0);
    const tokens = zoho.tokensIssued;
    console.log(
      `  ${String(writers).padStart(2)} writer container(s): ${changed} contacts in ${seconds.toFixed(1)} s = ${rate.toFixed(0)} records/s ` +
        `(${((rate / ceiling) * 100).toFixed(0)}% of the ${ceiling} records/s that ${Math.min(zohoEditionConcurrency[settings.edition], HEAVY_IN_FLIGHT)} heavy upserts in flight at ${LATENCY_MS} ms allow; ` +
        `the ${DAILY_BUDGET.toLocaleString('en-US')}-credit budget allows ${creditCeiling(DAILY_BUDGET).toLocaleString('en-US')} changed records a day); ` +
        `429 answers: ${zoho.throttled}; batches failed and tried again: ${failedBatches}; peak heavy calls in flight: ${zoho.peakHeavyInFlight}; ` +
        `${(credits / Math.max(1, changed)).toFixed(3)} credits per changed record; ` +
        `${((tokens / Math.max(1, changed)) * 10_000).toFixed(2)} access tokens per 10,000 records = ${(tokens / Math.max(tokenHours, 1e-9)).toFixed(2)} per hour of work ` +
        `(${tokens} in ${tokenHours.toFixed(1)} token-clock hours, clock ×${TOKEN_CLOCK_SPEED}; refused: ${zoho.tokenRequestsRefused})`,
    );
  } finally {
    await aws.stop();
    await zoho.stop();
  }
}

async function pipelineEndToEnd(count: number): Promise<void> {
  const peoplesoft = await startPeopleSoftSimulator({ employees: count });
  const zoho: ZohoSimulator = await startZohoSimulator({ latencyMs: LATENCY_MS, credits: ORG_CREDITS });
  const config = demoConfig((yaml) => yaml.replace('pageSize: 1000', 'pageSize: 2000').replace('dataCenter: us', `dataCenter: us\n    credits: { dailyBudget: ${DAILY_BUDGET} }`));
  const session = await LocalSession.open({ config, stateDir: null, simulators: { peoplesoft, targets: { zoho } } });
  try {
    await session.sync('companies-to-zoho');
    const creditsBefore = zoho.creditsUsed;
    const progress = progressPrinter();
    const summary = await session.sync('employees-to-zoho', { onProgress: (p) => progress(`  ${p.phase}: read ${p.read}, processed ${p.written}`) });
    progress('');
    const written = (summary.created ?? 0) + (summary.updated ?? 0);
    const seconds = summary.elapsedMs / 1000;
    const rate = written / seconds;
    const ceiling = concurrencyCeiling();
    const credits = zoho.creditsUsed - creditsBefore;
    const upserts = zoho.calls.filter((call) => call.path.endsWith('/Contacts/upsert') && call.status < 300).length;
    const averageInFlight = (upserts * LATENCY_MS) / summary.elapsedMs;
    console.log(
      `  whole local pipeline (one process plays PeopleSoft, poller, queues, table, ${zohoDeclaration.limits.inFlight} writers and Zoho): ` +
        `${written} contacts in ${seconds.toFixed(1)} s = ${rate.toFixed(0)} records/s (${((rate / ceiling) * 100).toFixed(0)}% of Zoho's ${ceiling} records/s; ` +
        `on average ${averageInFlight.toFixed(1)} of ${HEAVY_IN_FLIGHT} heavy calls in flight: the rest of the time the writers were reading the queue and writing state, on the same two cores); ` +
        `${(credits / Math.max(1, written)).toFixed(3)} credits per changed record; 429 answers: ${zoho.throttled}; ` +
        `${((zoho.tokensIssued / Math.max(1, written)) * 10_000).toFixed(2)} access tokens issued per 10,000 records (${zoho.tokensIssued} in all)`,
    );
  } finally {
    await session.close();
    await peoplesoft.stop();
    await zoho.stop();
  }
}
