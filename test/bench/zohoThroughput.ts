import { progressPrinter } from '../../shared/cli/format';
import { LocalSession } from '../../shared/local';
import { startPeopleSoftSimulator } from '../../simulators/peoplesoft';
import { startZohoSimulator } from '../../simulators/zoho';
import { demoConfig } from '../support/factories';

/** Time one simulated Zoho call takes: enough for the concurrency limits to be what bounds the rate. */
const LATENCY_MS = 200;
const HEAVY_IN_FLIGHT = 10;

/**
 * The demo's F6 then F5 flows into a simulated Zoho org whose calls take `LATENCY_MS`: records/s
 * against what the heavy-upsert limit allows (10 calls of 100 records in flight), credits per
 * changed record, access tokens issued per 10,000 records, and 429 answers.
 */
export async function zohoThroughput(count: number): Promise<void> {
  const peoplesoft = await startPeopleSoftSimulator({ employees: count });
  const zoho = await startZohoSimulator({ latencyMs: LATENCY_MS, credits: 10_000_000 });
  const config = demoConfig((yaml) => yaml.replace('pageSize: 1000', 'pageSize: 2000').replace('dataCenter: us', 'dataCenter: us\n    credits: { dailyBudget: 1000000 }'));
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
    const ceiling = (HEAVY_IN_FLIGHT * 100 * 1000) / LATENCY_MS;
    const credits = zoho.creditsUsed - creditsBefore;
    console.log(
      `  ${written} contacts in ${seconds.toFixed(1)} s = ${rate.toFixed(0)} records/s ` +
        `(${((rate / ceiling) * 100).toFixed(0)}% of the ${ceiling} records/s that ${HEAVY_IN_FLIGHT} heavy upserts in flight at ${LATENCY_MS} ms allow; ` +
        `the 50,000-credit default budget allows 500,000 records a day); ` +
        `${(credits / Math.max(1, written)).toFixed(3)} credits per changed record; ` +
        `${((zoho.tokensIssued / Math.max(1, written)) * 10_000).toFixed(2)} access tokens issued per 10,000 records (${zoho.tokensIssued} in all); ` +
        `429 answers: ${zoho.throttled}; peak heavy calls in flight: ${zoho.peakHeavyInFlight}`,
    );
  } finally {
    await session.close();
    await peoplesoft.stop();
    await zoho.stop();
  }
}
