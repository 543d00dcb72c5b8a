import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSession } from '../../shared/local';
import { startPeopleSoftSimulator, type PeopleSoftSimulator } from '../../simulators/peoplesoft';
import { startZendeskSimulator, type ZendeskSimulator } from '../../simulators/zendesk';
import { demoConfig } from '../support/factories';

const USERS_FLOW = 'employees-to-zendesk';
const ORGS_FLOW = 'vendors-to-zendesk';
const EMPLOYEES = 450;
const VENDORS = 150;

let peoplesoft: PeopleSoftSimulator;
let financials: PeopleSoftSimulator;
let zendesk: ZendeskSimulator;
let session: LocalSession;

beforeAll(async () => {
  // As the demo's two PeopleSoft systems: HCM in Chicago, Financials in New York.
  peoplesoft = await startPeopleSoftSimulator({ employees: EMPLOYEES, timeZone: 'America/Chicago' });
  financials = await startPeopleSoftSimulator({ node: 'PSFT_EP', vendors: VENDORS, timeZone: 'America/New_York' });
  zendesk = await startZendeskSimulator({ jobDurationMs: 20, requestsPerMinute: 2_500 });
  const config = demoConfig((yaml) => yaml.replace('requestsPerMinute: 200', 'requestsPerMinute: 2500').replace('pageSize: 1000', 'pageSize: 500'));
  session = await LocalSession.open({ config, stateDir: null, simulators: { peoplesoft: { hcm: peoplesoft, financials }, targets: { zendesk } } });
});
afterAll(async () => {
  await session?.close();
  await zendesk?.stop();
  await peoplesoft?.stop();
  await financials?.stop();
});

const writes = (): number => zendesk.calls((entry) => entry.path === '/api/v2/users/create_or_update_many');
/** A poll window ends at a whole second before now: changes made this second wait for the next one. */
const nextSecond = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1_100 - (Date.now() % 1_000)));
const jobCalls = (): number => zendesk.calls((entry) => entry.path.startsWith('/api/v2/job_statuses/'));

describe('employees into Zendesk users through the pipeline', () => {
  it('writes every active employee in jobs of 100, then makes no call for unchanged ones', async () => {
    const first = await session.sync(USERS_FLOW);
    const active = peoplesoft.employeeIds().filter((id) => peoplesoft.employee(id)!.EMPL_STATUS === 'A').length;
    expect(first.created).toBe(active);
    expect(writes()).toBe(Math.ceil(active / 100));
    // Every call beyond the job submissions is a look at a job's status.
    expect(first.apiCalls).toBe(writes() + jobCalls());
    const someone = zendesk.user(peoplesoft.employeeIds().find((id) => peoplesoft.employee(id)!.EMPL_STATUS === 'A')!)!;
    expect(someone.user_fields).toMatchObject({ department: expect.any(String), title: expect.any(String) });

    const before = zendesk.calls();
    const again = await session.sync(USERS_FLOW, { since: new Date(0) });
    expect(again.skippedUnchanged).toBe(active);
    expect(zendesk.calls()).toBe(before);
    expect(again.apiCalls ?? 0).toBe(0);
  });

  it('suspends a terminated employee (never deletes), un-suspends the rehire, and audits both', async () => {
    const id = peoplesoft.employeeIds().find((candidate) => peoplesoft.employee(candidate)!.EMPL_STATUS === 'A')!;
    const changedTitle = peoplesoft.employeeIds().filter((candidate) => candidate !== id && peoplesoft.employee(candidate)!.EMPL_STATUS === 'A').slice(0, 3);
    peoplesoft.terminate(id);
    for (const other of changedTitle) peoplesoft.changeTitle(other, 'Principal Estimator');
    const submissions = writes();
    await nextSecond();
    const terminated = await session.sync(USERS_FLOW);
    expect(zendesk.user(id)).toMatchObject({ suspended: true, active: true });
    expect(terminated.deleted).toBe(1);
    expect(terminated.updated).toBe(3);
    // One job for the three updates, one for the suspension: at most ⌈n/100⌉ per action.
    expect(writes() - submissions).toBe(2);
    const trail = await session.store.auditTrail(id);
    expect(trail.find((row) => row.flow === USERS_FLOW && row.event === 'written' && row.outcome === 'deleted')?.note).toBe('user suspended (never deleted)');

    peoplesoft.rehire(id);
    await nextSecond();
    const rehired = await session.sync(USERS_FLOW);
    expect(rehired.updated).toBe(1);
    expect(zendesk.user(id)!.suspended).toBe(false);
  });
});

describe('vendors into Zendesk organizations through the pipeline', () => {
  it('creates one organization per PeopleSoft vendor, keyed by SETID and VENDOR_ID, in jobs of 100 after one read each', async () => {
    const first = await session.sync(ORGS_FLOW);
    expect(first.created).toBe(VENDORS);
    expect(zendesk.organizations.size).toBe(VENDORS);
    expect([...zendesk.organizations.values()].every((org) => /^VENDOR-[A-Z0-9]+-\d+$/.test(org.external_id ?? '') && org.name !== '')).toBe(true);
    expect(zendesk.calls((entry) => entry.path === '/api/v2/organizations/create_many')).toBe(Math.ceil(VENDORS / 100));
    expect(zendesk.calls((entry) => entry.path === '/api/v2/organizations/show_many')).toBe(Math.ceil(VENDORS / 100));
  });
});
