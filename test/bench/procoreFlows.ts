import { LocalSession, startFrontDoorServer } from '../../shared/local';
import { startPeopleSoftSimulator } from '../../simulators/peoplesoft';
import type { PeopleSoftCiSimulator } from '../../simulators/peoplesoft-ci';
import type { ProcoreSimulator } from '../../simulators/procore';
import { demoConfig, withoutTarget } from '../support/factories';

const TOKEN = 'procore-hook-token-for-the-bench';
const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1100));

/**
 * Calls per changed record through the whole local pipeline, both directions, on the demo's
 * Procore flows: PeopleSoft purchase orders into Procore commitments (F13: created, then changed;
 * the vendors and cost codes already written by F12), and Procore commitments and direct costs
 * back into PeopleSoft (F16 webhook → fetch from Procore → F14 / F15 SOAP writes), each counted
 * at the simulators (Procore API calls without token requests; SOAP calls).
 */
export async function procoreFlowCalls(records = 20): Promise<void> {
  const financials = await startPeopleSoftSimulator({ node: 'PSFT_EP', timeZone: 'America/New_York', vendors: 10, customers: 1, glAccounts: 6, purchaseOrders: 0 });
  const config = demoConfig((yaml) => ['marketo', 'zoho', 'mailchimp', 'zendesk', 'audit'].reduce(withoutTarget, yaml));
  const session = await LocalSession.open({
    config,
    stateDir: null,
    env: { ML_SECRET_PROCORE_WEBHOOK: JSON.stringify({ token: TOKEN }) },
    simulators: { peoplesoft: { financials } },
  });
  const procore = session.simulators.targets!['procore'] as ProcoreSimulator;
  const ci = session.simulators.targets!['peoplesoft-ci'] as PeopleSoftCiSimulator;
  const server = await startFrontDoorServer({ session, port: 0 });
  const apiCalls = (): number => procore.calls((entry) => entry.path.startsWith('/rest/'));
  const measure = async (label: string, changed: number, act: () => Promise<void>): Promise<void> => {
    const procoreBefore = apiCalls();
    const soapBefore = ci.calls();
    await act();
    const procoreCalls = apiCalls() - procoreBefore;
    const soapCalls = ci.calls() - soapBefore;
    console.log(
      `  ${label}: ${changed} records; Procore ${procoreCalls} calls = ${(procoreCalls / changed).toFixed(2)} per record; ` +
        `PeopleSoft SOAP ${soapCalls} calls = ${(soapCalls / changed).toFixed(2)} per record`,
    );
  };
  try {
    await session.sync('vendors-to-procore');
    await session.sync('gl-accounts-to-procore');
    await session.subscribe(`${server.url}/webhooks`);
    const keys = Array.from({ length: records }, (_, index) => `US001|BENCH${String(index).padStart(5, '0')}`);
    for (const key of keys) {
      financials.addRow('purchase-orders', {
        BUSINESS_UNIT: 'US001', PO_ID: key.split('|')[1], VENDOR_SETID: 'SHARE', VENDOR_ID: '0000000003', PO_DT: '2026-03-02', PO_STATUS: 'A',
        CURRENCY_CD: 'USD', PROJECT_ID: 'PRJ-TOWER', PO_REF: '',
        LINES: [1, 2].map((line) => ({ LINE_NBR: line, DESCR254_MIXED: `Line ${line}`, QTY_PO: 2, PRICE_PO: 150, MERCHANDISE_AMT: 300, ACCOUNT: '100010' })),
      });
    }
    await pause();
    await measure('PeopleSoft → Procore, commitments created (F13)', records, async () => void (await session.sync('purchase-orders-to-procore')));
    for (const key of keys) financials.updateRow('purchase-orders', key, { PO_STATUS: 'D' });
    await pause();
    await measure('PeopleSoft → Procore, commitments changed (F13)', records, async () => void (await session.sync('purchase-orders-to-procore')));
    await measure('Procore → (echoes of those writes, skipped by F14)', records * 2, async () => {
      await procore.idle!();
      await server.idle();
    });
    const project = procore.projectIds[0]!;
    const vendor = procore.vendorByOrigin('0000000003')!.id;
    const code = procore.costCodeByOrigin(`${project}:100010`)!;
    await measure('Procore → PeopleSoft, commitments made in Procore (F16 + F14)', records, async () => {
      for (let index = 0; index < records; index += 1) {
        procore.userCreatesCommitment(project, {
          title: `Bench ${index}`, vendor_id: vendor, contract_date: '2026-03-05',
          line_items: [{ description: 'Scaffold', quantity: 1, unit_cost: 100, amount: 100, cost_code_id: code.id }],
        });
      }
      await procore.idle!();
      await server.idle();
    });
    await measure('Procore → PeopleSoft, direct costs into GL journals (F16 + F15)', records, async () => {
      for (let index = 0; index < records; index += 1) {
        procore.userCreatesDirectCost(project, {
          direct_cost_type: 'invoice', invoice_number: `B-${index}`, direct_cost_date: '2026-03-06', status: 'approved', description: 'Bench',
          line_items: [{ id: index + 1, description: 'Bench', amount: 99.5, cost_code: { id: code.id, full_code: code['full_code'] } }],
        });
      }
      await procore.idle!();
      await server.idle();
    });
  } finally {
    await server.close();
    await session.close();
    await financials.stop();
  }
}
