import { ItemOutcome, TargetAction, type ItemResult, type TargetItem } from '../../shared/connectors';
import { PeopleSoftCiConnector, peoplesoftCiSettingsSchema } from '../../shared/connectors/peoplesoft-ci';
import { startPeopleSoftCiSimulator } from '../../simulators/peoplesoft-ci';

/**
 * SOAP calls per record written into PeopleSoft through its CI services (one record a call, Find
 * by origin first): creating purchase orders, updating them, posting journals, and a create
 * whose answer timed out (read back instead of written again). Records/s at the default four
 * calls in flight against a simulator answering each call after `latencyMs`.
 */
export async function peoplesoftCiCalls(records: number, latencyMs = 20): Promise<void> {
  const sim = await startPeopleSoftCiSimulator({ latencyMs });
  const connector = new PeopleSoftCiConnector({
    settings: peoplesoftCiSettingsSchema.parse({ secret: 'bench', baseUrl: sim.url, node: 'PSFT_EP', requestTimeoutMs: 2_000 }),
    credentials: { userId: 'ML_SYNC', password: 'sim-peoplesoft-ci-password' },
    hostPolicy: { allowLoopback: true, allowPrivate: false },
  });
  const po = (id: number, descr: string): TargetItem => ({
    ref: `po-${id}`,
    key: `PC-${id}`,
    payload: { BUSINESS_UNIT: 'US001', VENDOR_ID: '0000000004', PO_DT: '2025-04-01', DESCR254_MIXED: descr, PO_LINE: [{ LINE_NBR: 1, QTY_PO: 2, PRICE_PO: '10.00' }] },
  });
  const journal = (id: number): TargetItem => ({
    ref: `je-${id}`,
    key: `DC-${id}`,
    payload: { BUSINESS_UNIT: 'US001', JOURNAL_DATE: '2025-04-30', JRNL_LN: [{ ACCOUNT: '610000', MONETARY_AMOUNT: '42.00' }, { ACCOUNT: '200100', MONETARY_AMOUNT: '-42.00' }] },
  });
  const run = async (label: string, object: string, items: TargetItem[], expected: ItemOutcome): Promise<void> => {
    const before = sim.calls();
    const started = performance.now();
    const results: ItemResult[] = [];
    for (let i = 0; i < items.length; i += 10) results.push(...(await connector.write(object, TargetAction.Upsert, items.slice(i, i + 10))));
    const seconds = (performance.now() - started) / 1000;
    const calls = sim.calls() - before;
    const ok = results.filter((result) => result.outcome === expected).length;
    console.log(`  ${label}: ${ok}/${items.length} ${expected}; ${calls} calls = ${(calls / items.length).toFixed(2)} calls per record; ${(items.length / seconds).toFixed(0)} records/s`);
  };
  try {
    const ids = Array.from({ length: records }, (_, index) => index + 1);
    await run('purchase orders created', 'purchase-orders', ids.map((id) => po(id, 'first')), ItemOutcome.Created);
    await run('purchase orders updated', 'purchase-orders', ids.map((id) => po(id, 'changed')), ItemOutcome.Updated);
    await run('journals posted', 'journals', ids.map(journal), ItemOutcome.Created);
    await run('journals sent again (found, not posted twice)', 'journals', ids.map(journal), ItemOutcome.Updated);
    sim.fail({ kind: 'slow', method: 'create', delayMs: 2_500, lands: true }, 10);
    await run('purchase orders whose create timed out but landed', 'purchase-orders', ids.slice(0, 10).map((id) => po(records + id, 'late')), ItemOutcome.Created);
    console.log(`  purchase orders held: ${sim.records('ML_PO').length} (${records + 10} distinct origins); journals held: ${sim.records('ML_JOURNAL').length}`);
  } finally {
    await sim.stop();
  }
}
