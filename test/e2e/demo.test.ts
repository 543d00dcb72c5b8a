import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VENDORS, runDemo, type DemoResult } from '../../shared/local';
import type { MarketoSimulator } from '../../simulators/marketo';
import type { PeopleSoftCiSimulator } from '../../simulators/peoplesoft-ci';
import type { ProcoreSimulator } from '../../simulators/procore';

const EMPLOYEES = 5000;
let demo: DemoResult & { marketo: MarketoSimulator };

const leadWrites = (entries: MarketoSimulator['callLog']): number =>
  entries.filter((entry) => entry.method === 'POST' && entry.path === '/rest/v1/leads.json').length;

describe('the demo scenario (npm start)', () => {
  let initialLeadCalls = 0;
  let callsAfterInitial = 0;

  beforeAll(async () => {
    const result = await runDemo({ employees: EMPLOYEES });
    demo = { ...result, marketo: result.targets.marketo as MarketoSimulator };
  }, 600_000);
  afterAll(async () => demo?.close());

  it('syncs the whole seeded directory with one lead call per 300 active employees, none for those already gone', () => {
    const [companies, employees] = demo.initial;
    expect(companies!.created).toBe(8);
    expect(employees!.read).toBe(EMPLOYEES);
    expect(employees!.enqueued).toBe(EMPLOYEES);
    const initialEnd = demo.marketo.callLog.findIndex((entry) => entry.at.getTime() >= Date.parse(demo.incremental[0]!.startedAt!));
    const initialCalls = initialEnd < 0 ? demo.marketo.callLog : demo.marketo.callLog.slice(0, initialEnd);
    initialLeadCalls = leadWrites(initialCalls);
    callsAfterInitial = initialCalls.length;
    // Employees terminated before the first sync: no call for either object (sales person, lead).
    const alreadyGone = (employees!.inactiveNeverSynced ?? 0) / 2;
    expect(alreadyGone).toBeGreaterThan(0);
    expect(initialCalls.filter((entry) => entry.path.endsWith('/delete.json'))).toHaveLength(0);
    expect(initialLeadCalls).toBe(Math.ceil((EMPLOYEES - alreadyGone) / 300));
    // 8 HCM companies and every Financials vendor (F2), from the two PeopleSoft systems.
    // (And the vendor the changes add in Financials.)
    expect(demo.marketo.companies()).toHaveLength(8 + DEMO_VENDORS + 1);
    expect(demo.initial[2]).toMatchObject({ flow: 'vendors-to-marketo', read: DEMO_VENDORS, created: DEMO_VENDORS });
  });

  it('writes the 10 changed employees with one lead call and rejects the invalid e-mail', () => {
    const employees = demo.incremental[1]!;
    const { changes } = demo;
    expect(employees.read).toBe(11);
    expect(employees.enqueued).toBe(10);
    expect(employees.rejected).toBe(1);
    expect(employees.rejectedReasons).toEqual([{ sourceId: changes.invalidEmail, reason: expect.stringContaining('EMAIL_ADDR') }]);
    expect(leadWrites(demo.marketo.callLog.slice(callsAfterInitial))).toBe(1);
    expect(employees.deadLettered ?? 0).toBe(0);
  });

  it('leaves Marketo in the state PeopleSoft describes', () => {
    const { peoplesoft, marketo, changes } = demo;
    for (const id of changes.hired) {
      const email = String(peoplesoft.employee(id)!.EMAIL_ADDR).toLowerCase();
      expect(marketo.lead(email)?.fields.title).toBe(peoplesoft.employee(id)!.JOBTITLE);
    }
    for (const id of changes.retitled) {
      expect(marketo.lead(String(peoplesoft.employee(id)!.EMAIL_ADDR))?.fields.title).toBe('Senior Project Manager');
    }
    for (const id of changes.transferred) {
      expect(marketo.lead(String(peoplesoft.employee(id)!.EMAIL_ADDR))?.fields.department).toBe(peoplesoft.employee(id)!.DEPT_DESCR);
    }
    const salesPeople = new Set(marketo.salesPersons().map((person) => String(person.fields.externalSalesPersonId)));
    for (const id of changes.terminated) {
      expect(salesPeople.has(String(peoplesoft.employee(id)!.EMAIL_ADDR).toLowerCase())).toBe(false);
      expect(marketo.lead(String(peoplesoft.employee(id)!.EMAIL_ADDR))).toBeDefined();
    }
    for (const id of changes.rehired) {
      expect(salesPeople.has(String(peoplesoft.employee(id)!.EMAIL_ADDR).toLowerCase())).toBe(true);
    }
    const active = peoplesoft.employeeIds().filter((id) => peoplesoft.employee(id)!.EMPL_STATUS === 'A');
    // One sales person per active employee; the one whose new e-mail was rejected keeps its old entry.
    expect(marketo.salesPersons()).toHaveLength(active.length);
    expect(marketo.lead('not-an-email@')).toBeUndefined();
  });

  it('writes the vendors renamed in Financials, read from that system with its own node and query form', () => {
    const vendors = demo.incremental[2]!;
    // The two renamed, and the vendor added (not yet approved: F12 holds it back, F2 does not).
    expect(vendors).toMatchObject({ read: 3, enqueued: 3, updated: 2, created: 1 });
    const financials = demo.financials.financials!;
    for (const key of demo.changes.renamedVendors) {
      const company = demo.marketo.companies().find((entry) => entry.fields.externalCompanyId === `VENDOR-${key.replace('|', '-')}`);
      expect(company?.fields.company).toBe(financials.row('vendors', key)!.NAME1);
    }
    const vendorCalls = financials.requests.filter((request) => request.path.includes('ML_VENDORS_GET'));
    expect(vendorCalls.every((request) => request.path.includes('/PSFT_EP/'))).toBe(true);
    // Wall time in New York, as the default `local` form asks.
    expect(vendorCalls.at(-1)!.query.updated_before).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  });

  it('runs the Procore flows both ways: a held commitment released, Procore records into PeopleSoft, echoes skipped', async () => {
    const procore = demo.targets['procore'] as ProcoreSimulator;
    const ci = demo.targets['peoplesoft-ci'] as PeopleSoftCiSimulator;
    const byFlow = (runs: typeof demo.incremental, flow: string) => runs.find((run) => run.flow === flow)!;
    expect(byFlow(demo.incremental, 'vendors-to-procore')).toMatchObject({ skipped: 1 });
    expect(byFlow(demo.incremental, 'purchase-orders-to-procore')).toMatchObject({ waiting: 1 });
    expect(byFlow(demo.followUp, 'purchase-orders-to-procore')).toMatchObject({ created: 1, skipped: 1 });
    expect(procore.commitmentByOrigin('US001-DEMO000001')).toMatchObject({ vendor_id: procore.vendorByOrigin(demo.changes.pendingVendor!.split('|')[1]!)!.id });
    // The user's commitment became one PO; the direct cost, delivered twice, and the change order one journal each.
    expect(ci.records('ML_PO')).toHaveLength(1);
    expect(ci.records('ML_PO')[0]!.fields['PO_REF']).toMatch(/^PROCORE:\d+$/);
    expect(ci.records('ML_JOURNAL')).toHaveLength(2);
    expect(demo.pushed.repeated).toBeGreaterThanOrEqual(1);
    expect(demo.pushed.skipped).toBeGreaterThanOrEqual(1);
    expect(demo.pushed.forged).toContainEqual({ source: 'procore-events', status: 401 });
  });

  it('audits the rejected record and the terminated one', async () => {
    const rejected = await demo.session.store.auditTrail(demo.changes.invalidEmail);
    const rejectedFor = (flow: string) => rejected.filter((row) => row.flow === flow).at(-1);
    // Each flow reading employees rejects the record at the source on its own.
    for (const flow of ['employees-to-marketo', 'employees-to-zendesk']) {
      expect(rejectedFor(flow)).toMatchObject({ event: 'rejected', flow });
      expect(rejectedFor(flow)!.reason).toContain('not-an-email@');
    }
    const terminated = await demo.session.store.auditTrail(demo.changes.terminated[0]!);
    expect(terminated.some((row) => row.event === 'written' && row.object === 'salespersons' && row.outcome === 'deleted')).toBe(true);
    expect(terminated.some((row) => row.lifecycle === 'termination')).toBe(true);
  });

  it('delivers the simulated webhook through the front door: signed events audited, the redelivery once, the forgery refused', async () => {
    expect(demo.deliveries.map((delivery) => [delivery.source, delivery.status])).toEqual([
      ['zendesk-events', 202],
      ['zendesk-events', 202],
      ['zendesk-events', 200],
      ['zendesk-events', 401],
    ]);
    const [created, , again, forged] = demo.deliveries;
    const writes = (await demo.session.store.auditTrail(created!.ids[0]!)).filter((row) => row.flow === 'zendesk-events-to-audit' && row.event === 'written');
    expect(again!.ids).toEqual(created!.ids);
    expect(writes).toHaveLength(1);
    expect(await demo.session.store.auditTrail(forged!.ids[0]!)).toEqual([]);
  });

  it('writes nothing when everything is re-read unchanged', async () => {
    const callsBefore = demo.marketo.calls();
    const rerun = await demo.session.sync('employees-to-marketo', { since: new Date('1970-01-01T00:00:00Z') });
    expect(rerun.read).toBe(EMPLOYEES + 3);
    expect(rerun.apiCalls ?? 0).toBe(0);
    expect(demo.marketo.calls()).toBe(callsBefore);
    expect(rerun.skippedUnchanged).toBeGreaterThan(EMPLOYEES);
  });
});
