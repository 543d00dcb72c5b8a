import { TargetAction, type TargetItem } from '../../shared/connectors';
import { ProcoreConnector, procoreSettingsSchema } from '../../shared/connectors/procore';
import { inProcessLimiters } from '../../shared/limits';
import { startProcoreSimulator, type ProcoreSimulator, type ProcoreWindow } from '../../simulators/procore';
import { callBudgetUse } from './callBudgetUse';

function connectorFor(procore: ProcoreSimulator, hourly: ProcoreWindow, spike: ProcoreWindow): ProcoreConnector {
  return new ProcoreConnector({
    settings: procoreSettingsSchema.parse({
      secret: 'procore',
      baseUrl: procore.url,
      loginUrl: procore.url,
      companyId: String(procore.companyId),
      projects: procore.projectIds.map(String),
      rateLimits: { hourly: { calls: hourly.calls, seconds: hourly.windowMs / 1000 }, spike: { calls: spike.calls, seconds: spike.windowMs / 1000 } },
    }),
    credentials: { clientId: 'sim-procore-client', clientSecret: 'sim-procore-secret' },
    hostPolicy: { allowLoopback: true, allowPrivate: false },
    limiters: inProcessLimiters(),
  });
}

const vendorItem = (index: number, name = `Vendor ${index}`): TargetItem => ({ ref: `v${index}`, key: `SHARE-${index}`, payload: { origin_id: `SHARE-${index}`, name } });
const accountItem = (index: number): TargetItem => ({ ref: `a${index}`, key: `SHARE-${100_000 + index * 10}`, payload: { origin_id: `SHARE-${100_000 + index * 10}`, code: String(100_000 + index * 10), name: `Account ${index}` } });
const orderItem = (project: number, index: number, vendors: number, accounts: number, title = `PO ${index}`): TargetItem => ({
  ref: `po${index}`,
  key: `${project}|US001-${index}`,
  payload: {
    project_id: String(project),
    origin_id: `US001-${index}`,
    vendor: `SHARE-${index % vendors}`,
    title,
    status: 'D',
    line_items: [0, 1, 2].map((line) => ({ cost_code: `SHARE-${100_000 + ((index + line) % accounts) * 10}`, description: `Line ${line + 1}`, quantity: 2, unit_cost: 10, amount: 20 })),
  },
});

/** Dimensions in place so commitments can be written (not counted in the pacing figures). */
async function seed(connector: ProcoreConnector, vendors: number, accounts: number): Promise<void> {
  await connector.write('vendors', TargetAction.Upsert, Array.from({ length: vendors }, (_, index) => vendorItem(index)));
  await connector.write('cost-codes', TargetAction.Upsert, Array.from({ length: accounts }, (_, index) => accountItem(index)));
}

/** Writers keep writing single commitments for `seconds`; returns the API arrivals the simulator logged meanwhile. */
async function sustain(procore: ProcoreSimulator, connector: ProcoreConnector, seconds: number, writers = 4): Promise<number[]> {
  const from = Date.now();
  const until = from + seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (Date.now() < until) {
        const index = next++;
        await connector.write('commitments', TargetAction.Upsert, [orderItem(procore.projectIds[index % 2]!, index, 50, 20)]);
      }
    }),
  );
  return procore.callLog.filter((entry) => entry.path.startsWith('/rest/') && entry.at.getTime() >= from).map((entry) => entry.at.getTime());
}

async function ceilingUse(label: string, hourly: ProcoreWindow, spike: ProcoreWindow, seconds: number, bound: 'spike' | 'hourly'): Promise<void> {
  const procore = await startProcoreSimulator({ hourly, spike });
  try {
    const connector = connectorFor(procore, hourly, spike);
    await seed(connector, 50, 20);
    const throttledBefore = procore.calls((entry) => entry.status === 429);
    const arrivals = await sustain(procore, connector, seconds);
    const window = bound === 'spike' ? spike : hourly;
    const use = callBudgetUse(arrivals, window.windowMs, 1_000);
    console.log(
      `  ${label}: ${arrivals.length} calls in ${seconds} s; sustained ${use.sustained} per ${window.windowMs / 1000}-s window = ` +
        `${((use.sustained / window.calls) * 100).toFixed(0)}% of the ${bound} ceiling of ${window.calls} (median of ${use.windows} windows, busiest ${use.busiest}); ` +
        `429 answers: ${procore.calls((entry) => entry.status === 429) - throttledBefore}`,
    );
  } finally {
    await procore.stop();
  }
}

async function callsPerRecord(): Promise<void> {
  const procore = await startProcoreSimulator({ hourly: { calls: 100_000, windowMs: 3_600_000 }, spike: { calls: 100_000, windowMs: 10_000 } });
  try {
    const connector = connectorFor(procore, { calls: 100_000, windowMs: 3_600_000 }, { calls: 100_000, windowMs: 10_000 });
    const measure = async (label: string, records: number, work: () => Promise<unknown>): Promise<void> => {
      const before = procore.calls((entry) => entry.path.startsWith('/rest/'));
      await work();
      const calls = procore.calls((entry) => entry.path.startsWith('/rest/')) - before;
      console.log(`  ${label}: ${records} records, ${calls} calls = ${(calls / records).toFixed(3)} calls per changed record`);
    };
    const [project1, project2] = procore.projectIds as [number, number];
    await measure('vendors (one sync of 1,000)', 1_000, () => connector.write('vendors', TargetAction.Upsert, Array.from({ length: 1_000 }, (_, index) => vendorItem(index))));
    await measure('GL accounts → cost codes in 2 projects (one sync of 200 per project)', 200, () =>
      connector.write('cost-codes', TargetAction.Upsert, Array.from({ length: 200 }, (_, index) => accountItem(index))),
    );
    const orders = (title?: string): TargetItem[][] =>
      Array.from({ length: 5 }, (_, batch) => Array.from({ length: 100 }, (_, index) => orderItem(batch % 2 === 0 ? project1 : project2, batch * 100 + index, 1_000, 200, title)));
    await measure('purchase orders → commitments with 3 lines, new (batches of 100)', 500, async () => {
      for (const batch of orders()) await connector.write('commitments', TargetAction.Upsert, batch);
    });
    await measure('purchase orders → commitments, changed title', 500, async () => {
      for (const batch of orders('Renamed')) await connector.write('commitments', TargetAction.Upsert, batch);
    });
    const cold = connectorFor(procore, { calls: 100_000, windowMs: 3_600_000 }, { calls: 100_000, windowMs: 10_000 });
    await measure('the same, by a fresh container (vendor and cost-code ids looked up first)', 500, async () => {
      for (const batch of orders('Renamed again')) await cold.write('commitments', TargetAction.Upsert, batch);
    });
    await measure('commitments fetched by id after a webhook (header + lines)', 100, () =>
      connector.fetchByIds('commitments', [...procore.commitments.values()].slice(0, 100).map((record) => ({ id: String(record.id), scope: { project_id: String(record['project_id']) } }))),
    );
  } finally {
    await procore.stop();
  }
}

/**
 * Procore pacing against a simulator enforcing both windows: the calls sustained as a fraction of
 * the spike ceiling (25 per 10 s) and of an hourly ceiling scaled down to 60 calls per 30 s so a
 * run spans several windows, with the 429s drawn; then the API calls per changed record.
 */
export async function procoreThroughput(): Promise<void> {
  await ceilingUse('spike-bound (25 / 10 s, hourly out of reach)', { calls: 1_000_000, windowMs: 3_600_000 }, { calls: 25, windowMs: 10_000 }, 60, 'spike');
  await ceilingUse('hourly-bound (hourly scaled to 60 / 30 s, spike 25 / 10 s)', { calls: 60, windowMs: 30_000 }, { calls: 25, windowMs: 10_000 }, 120, 'hourly');
  await callsPerRecord();
}
