import { afterEach, describe, expect, it } from 'vitest';
import { ItemOutcome, TargetAction } from '../../shared/connectors';
import { MailchimpConnector, subscriberHash, type MailchimpConfig } from '../../shared/connectors/mailchimp';
import { CredentialsRefusedError, ErrorKind, ExternalSystemError } from '../../shared/errors';
import { LocalSession } from '../../shared/local';
import { runTargetSetup } from '../../shared/cli/commands/targetSetup';
import { startMailchimpSimulator, SIMULATED_API_KEY, type MailchimpSimulator } from '../../simulators/mailchimp';
import { startPeopleSoftSimulator, type PeopleSoftSimulator } from '../../simulators/peoplesoft';
import { demoConfig } from '../support/factories';

const FLOW = 'employees-to-mailchimp';
const EMPLOYEES = 'e5a1b2c3d4';
const loopback = { allowLoopback: true, allowPrivate: false };
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});
const open = { push: (...things: Array<{ stop: () => Promise<void> }>) => things.forEach((thing) => cleanups.push(() => thing.stop())) };

/** Employees the simulator serves as active (the seed includes people terminated before any sync). */
const activeIds = (peoplesoft: PeopleSoftSimulator, limit?: number): string[] =>
  peoplesoft.employeeIds(limit).filter((id) => peoplesoft.employee(id)!.EMPL_STATUS === 'A');
/** The source clock has one-second resolution: let it pass the changes. */
const pastTheSecond = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1100));

async function start(employees: number, mailchimpOptions: Parameters<typeof startMailchimpSimulator>[0] = {}) {
  // The database clock of the demo's HCM system, whose wall time the poller's queries carry.
  const peoplesoft = await startPeopleSoftSimulator({ employees, timeZone: 'America/Chicago' });
  const mailchimp = await startMailchimpSimulator(mailchimpOptions);
  open.push(peoplesoft, mailchimp);
  const session = await LocalSession.open({ config: demoConfig(), stateDir: null, simulators: { peoplesoft, targets: { mailchimp } } });
  cleanups.push(() => session.close());
  return { peoplesoft, mailchimp, session };
}

const batchesTo = (mailchimp: MailchimpSimulator, listId: string) => mailchimp.calls.filter((c) => c.method === 'POST' && c.path === `/3.0/lists/${listId}`);
const emailOf = (peoplesoft: PeopleSoftSimulator, id: string): string => String(peoplesoft.employee(id)!.EMAIL_ADDR).toLowerCase();

function connectorFor(mailchimp: MailchimpSimulator, overrides: Partial<MailchimpConfig> = {}, apiKey = SIMULATED_API_KEY, virtualClock = true): MailchimpConnector {
  const config: MailchimpConfig = {
    simulator: false,
    secret: 'acme/mailchimp',
    baseUrl: mailchimp.url,
    network: 'public',
    audiences: { employees: EMPLOYEES },
    concurrency: 10,
    requestTimeoutMs: 10_000,
    ...overrides,
  };
  // A virtual clock: the limiter's pause after an overload answer costs no real time.
  let at = Date.parse('2026-03-02T12:00:00Z');
  const clock = virtualClock ? { now: () => new Date(at), sleep: async (ms: number) => void (at += ms) } : {};
  return new MailchimpConnector({ config, apiKey, hostPolicy: loopback, ...clock });
}

describe('employees into a Mailchimp audience (F3)', () => {
  it('subscribes every employee with FNAME, LNAME and the department, title and EMPLID merge fields, in calls of at most 500, and calls nothing for unchanged records', async () => {
    const { peoplesoft, mailchimp, session } = await start(1_200);
    const summary = await session.sync(FLOW);
    const audience = mailchimp.audience(EMPLOYEES);
    const active = activeIds(peoplesoft).length;
    expect(summary.created).toBe(active);
    expect(audience.members.size).toBe(active);
    const [id] = activeIds(peoplesoft, 1);
    const someone = peoplesoft.employee(id!)!;
    expect(audience.member(String(someone.EMAIL_ADDR))).toMatchObject({
      id: subscriberHash(String(someone.EMAIL_ADDR)),
      status: 'subscribed',
      merge_fields: { FNAME: someone.FIRST_NAME, LNAME: someone.LAST_NAME, DEPT: someone.DEPT_DESCR, TITLE: someone.JOBTITLE, EMPLID: id },
    });
    const writes = batchesTo(mailchimp, EMPLOYEES);
    expect(writes.length).toBe(Math.ceil(active / 500));
    // The batch write is the only call: no status reads beside it.
    expect(mailchimp.calls.filter((c) => c.path.startsWith(`/3.0/lists/${EMPLOYEES}`)).length).toBe(writes.length);
    expect(mailchimp.batches.every((batch) => (batch.body.members as unknown[]).length <= 500 && batch.body.update_existing === true)).toBe(true);

    const before = mailchimp.calls.length;
    const again = await session.sync(FLOW, { since: new Date('1970-01-01T00:00:00Z') });
    expect(again.skippedUnchanged).toBe(active);
    expect(mailchimp.calls.length).toBe(before);
  });

  it('keeps members who unsubscribed or bounced as Mailchimp holds them, a rehire included, audits it, and never re-adds a forgotten address', async () => {
    const { peoplesoft, mailchimp, session } = await start(20);
    await session.sync(FLOW);
    const audience = mailchimp.audience(EMPLOYEES);
    const [unsubscribed, cleaned, forgotten, rehired] = activeIds(peoplesoft, 8) as [string, string, string, string];
    audience.put(emailOf(peoplesoft, unsubscribed), 'unsubscribed');
    audience.put(emailOf(peoplesoft, cleaned), 'cleaned');
    audience.forget(emailOf(peoplesoft, forgotten));
    peoplesoft.terminate(rehired);
    await pastTheSecond();
    await session.sync(FLOW);
    expect(audience.member(emailOf(peoplesoft, rehired))?.status).toBe('unsubscribed');

    for (const id of [unsubscribed, cleaned, forgotten]) peoplesoft.changeTitle(id, 'Director');
    peoplesoft.rehire(rehired);
    await pastTheSecond();
    await session.sync(FLOW);

    expect(audience.member(emailOf(peoplesoft, unsubscribed))).toMatchObject({ status: 'unsubscribed', merge_fields: { TITLE: 'Director' } });
    expect(audience.member(emailOf(peoplesoft, cleaned))).toMatchObject({ status: 'cleaned', merge_fields: { TITLE: 'Director' } });
    expect(audience.member(emailOf(peoplesoft, rehired))?.status).toBe('unsubscribed');
    expect(audience.member(emailOf(peoplesoft, forgotten))).toBeUndefined();
    const lastWrite = async (id: string) => (await session.store.auditTrail(id)).filter((row) => row.event === 'written').at(-1);
    expect((await lastWrite(unsubscribed))?.note).toBe('kept unsubscribed (compliance)');
    expect((await lastWrite(cleaned))?.note).toBe('kept cleaned (compliance)');
    expect((await lastWrite(rehired))?.note).toBe('kept unsubscribed (compliance)');
    expect(await lastWrite(forgotten)).toMatchObject({ outcome: 'not-found', note: expect.stringContaining('forgotten') });
    const trail = await session.store.auditTrail(forgotten);
    expect(trail.some((row) => row.event === 'dead-lettered')).toBe(false);
    // What the connector sent: an upsert names only the status of a new member, never `status`.
    const sentFor = (email: string) => mailchimp.batches.flatMap((b) => (b.body.members as Array<Record<string, unknown>>).filter((m) => m.email_address === email));
    for (const id of [unsubscribed, cleaned, rehired]) {
      const last = sentFor(emailOf(peoplesoft, id)).at(-1);
      expect(last).toMatchObject({ status_if_new: 'subscribed' });
      expect(last).not.toHaveProperty('status');
    }
  });

  it('unsubscribes a terminated employee and never archives or deletes a member', async () => {
    const { peoplesoft, mailchimp, session } = await start(10);
    await session.sync(FLOW);
    const [leaver] = activeIds(peoplesoft, 5) as [string];
    peoplesoft.terminate(leaver);
    await pastTheSecond();
    const summary = await session.sync(FLOW);
    expect(summary.deleted).toBe(1);
    expect(mailchimp.audience(EMPLOYEES).member(emailOf(peoplesoft, leaver))?.status).toBe('unsubscribed');
    expect(mailchimp.calls.some((c) => c.method === 'DELETE' || c.path.includes('delete-permanent'))).toBe(false);
  });

  it('dead-letters only the member Mailchimp refuses, with its reason, and writes its neighbours', async () => {
    const { peoplesoft, mailchimp, session } = await start(10);
    await session.sync(FLOW);
    const [bad, good] = activeIds(peoplesoft, 10) as [string, string];
    peoplesoft.changeTitle(bad, 'x'.repeat(300));
    peoplesoft.changeTitle(good, 'Controller');
    await pastTheSecond();
    const summary = await session.sync(FLOW);
    expect(summary.updated).toBe(1);
    expect(summary.deadLettered).toBe(1);
    const dead = await session.deadLetters(session.flow(FLOW));
    expect(dead).toEqual([expect.objectContaining({ sourceId: bad, reason: expect.stringContaining('TITLE: Text values are at most 255 characters') })]);
    expect(mailchimp.audience(EMPLOYEES).member(emailOf(peoplesoft, good))?.merge_fields.TITLE).toBe('Controller');
  });
});

describe('customers\' contacts into a second audience (F4)', () => {
  it('writes each CUSTOMER_CI contact to its own audience, separate from the employees', async () => {
    const { peoplesoft, mailchimp, session } = await start(5);
    await session.sync('employees-to-mailchimp');
    const contacts = await session.sync('contacts-to-mailchimp');
    const audience = mailchimp.audience('c0ffee1234');
    expect(contacts.created).toBeGreaterThan(0);
    expect(audience.members.size).toBe(contacts.created);
    for (const member of audience.members.values()) {
      expect(member.email_address).toMatch(/@customer\.example$/);
      expect(member.merge_fields).toMatchObject({ FNAME: expect.any(String), LNAME: expect.any(String), COMPANY: expect.any(String), CUSTID: expect.any(String) });
    }
    expect(mailchimp.audience(EMPLOYEES).members.size).toBe(activeIds(peoplesoft).length);
  });
});

describe('Mailchimp connector at the boundary', () => {
  it('reads a bare 403 as overload: rate-limited with a wait, counted as throttled', async () => {
    const mailchimp = await startMailchimpSimulator();
    open.push(mailchimp);
    mailchimp.failNext(1, 'bare-403');
    const connector = connectorFor(mailchimp);
    const item = { ref: 'r1', key: 'Ada@Example.com', payload: { email_address: 'Ada@Example.com', FNAME: 'Ada' } };
    const error = await connector.write('employees', TargetAction.Upsert, [item]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExternalSystemError);
    expect((error as ExternalSystemError).kind).toBe(ErrorKind.RateLimited);
    expect((error as ExternalSystemError).retryAfterMs).toBeGreaterThan(0);
    expect(connector.stats().throttled).toBe(1);
    const [result] = await connector.write('employees', TargetAction.Upsert, [item]);
    expect(result).toMatchObject({ outcome: ItemOutcome.Created, targetId: subscriberHash('ada@example.com') });
  });

  it('names the secret when Mailchimp refuses the API key, and never shows the key', async () => {
    const mailchimp = await startMailchimpSimulator();
    open.push(mailchimp);
    const wrongKey = 'deadbeefdeadbeefdeadbeefdeadbeef-us6';
    const connector = connectorFor(mailchimp, {}, wrongKey);
    const error = await connector.write('employees', TargetAction.Delete, [{ ref: 'r', key: 'a@example.com', payload: {} }]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CredentialsRefusedError);
    expect((error as CredentialsRefusedError).secretName).toBe('acme/mailchimp');
    expect((error as Error).message).not.toContain(wrongKey);
    const checks = await connector.ping();
    expect(checks[0]).toMatchObject({ ok: false, detail: expect.stringContaining('API Key Invalid') });
  });

  it('keeps 10 connections at most from many concurrent writes: no overload answer', async () => {
    const mailchimp = await startMailchimpSimulator({ latencyMs: 20 });
    open.push(mailchimp);
    const connector = connectorFor(mailchimp, {}, SIMULATED_API_KEY, false);
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        connector.write('employees', TargetAction.Delete, [{ ref: `r${i}`, key: `p${i}@example.com`, payload: {} }]),
      ),
    );
    expect(mailchimp.peakConnections()).toBeLessThanOrEqual(10);
    expect(mailchimp.overloadAnswers()).toBe(0);
  });

  it('describes the audience by its merge tags, so a missing one is named, and target-setup creates it', async () => {
    const mailchimp = await startMailchimpSimulator({ audiences: [{ id: EMPLOYEES, name: 'Bare' }] });
    open.push(mailchimp);
    const connector = connectorFor(mailchimp);
    const before = await connector.describeFields('employees');
    expect(before.has('FNAME')).toBe(true);
    expect(before.has('EMPLID')).toBe(false);
    // The employees flow alone (the flows after F4 and the pushed source feeding one of them go).
    const config = demoConfig((yaml) => yaml.replace(/  # F4: one record per[\s\S]*$/, '').replace(/^pushed:[\s\S]*?(?=^flows:)/m, ''));
    const lines = await runTargetSetup(config, async () => connector, 'mailchimp');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringContaining('created merge field DEPT'),
        expect.stringContaining('created merge field TITLE'),
        expect.stringContaining('created merge field EMPLID'),
      ]),
    );
    const after = await connector.describeFields('employees');
    for (const tag of ['DEPT', 'TITLE', 'EMPLID']) expect(after.has(tag)).toBe(true);
    expect(await runTargetSetup(config, async () => connector, 'mailchimp')).toContain('mailchimp employees: every mapped field exists');
  });
});
