import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { continuationEvent, type PollerEvent } from '../../functions/poller/continuationEvent';
import { resourceNames } from '../../shared/config';
import { recordEnvelopeSchema } from '../../shared/envelope';
import { LocalSession } from '../../shared/local';
import { pollFlow, type PollResult } from '../../shared/pipeline';
import { StateStore } from '../../shared/state';
import { startMarketoSimulator, type MarketoSimulator } from '../../simulators/marketo';
import { startPeopleSoftSimulator, type PeopleSoftSimulator } from '../../simulators/peoplesoft';
import { demoConfig, employeesFlow } from '../support/factories';

const FLOW = 'employees-to-marketo';
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function start(
  employees: number,
  edit: (yaml: string) => string = (yaml) => yaml,
  stateDir: string | null = null,
): Promise<{ session: LocalSession; peoplesoft: PeopleSoftSimulator; marketo: MarketoSimulator }> {
  // The database clock of the demo's HCM system, whose wall time the poller's queries carry.
  const peoplesoft = await startPeopleSoftSimulator({ employees, timeZone: 'America/Chicago' });
  const marketo = await startMarketoSimulator({});
  cleanups.push(() => peoplesoft.stop(), () => marketo.stop());
  const session = await LocalSession.open({ config: demoConfig(edit), stateDir, simulators: { peoplesoft, targets: { marketo } } });
  cleanups.push(() => session.close());
  return { session, peoplesoft, marketo };
}

/** Employees the simulator serves as active (the seed includes people terminated before any sync). */
const activeIds = (peoplesoft: PeopleSoftSimulator, limit?: number): string[] =>
  peoplesoft.employeeIds(limit).filter((id) => peoplesoft.employee(id)!.EMPL_STATUS === 'A');

/** The source clock (an HTTP Date header) has one-second resolution: let it pass the changes. */
const pastTheSecond = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1100));

const leadWrites = (marketo: MarketoSimulator): number =>
  marketo.calls((entry) => entry.method === 'POST' && entry.path === '/rest/v1/leads.json');

describe('poller', () => {
  it('loses nothing and writes nothing twice when killed after enqueueing and before saving the cursor', async () => {
    const { session, peoplesoft, marketo } = await start(600);
    const active = activeIds(peoplesoft).length;
    const flow = employeesFlow(session.config);
    const crashing = new (class extends StateStore {
      public override async advanceCursor(): Promise<boolean> {
        throw new Error('poller killed');
      }
    })({ client: session.aws.dynamo, tableName: session.context.tableName, auditRetentionDays: 30 });
    const source = await session.recordSource();

    await expect(pollFlow({ config: session.config, flow, source, queue: session.queue(flow), store: crashing })).rejects.toThrow(
      'poller killed',
    );
    expect(await session.store.getCursor(FLOW)).toBeUndefined();
    await session.drain(FLOW); // the writers still deliver what was queued
    expect(marketo.leads()).toHaveLength(active); // people terminated before any sync never become leads
    const writesAfterCrash = leadWrites(marketo);

    const rerun = await session.sync(FLOW); // the next run re-reads the same window

    expect(rerun.read).toBe(600);
    expect(rerun.skippedUnchanged).toBe(2 * active);
    expect(rerun.inactiveNeverSynced).toBe(2 * (600 - active));
    expect(leadWrites(marketo)).toBe(writesAfterCrash);
    expect(marketo.leads()).toHaveLength(active);
    expect((await session.store.getCursor(FLOW))?.until).toBe(rerun.windowTo);
  });

  it('never moves the cursor backwards when two pollers race', async () => {
    const { session } = await start(10);
    expect(await session.store.advanceCursor(FLOW, '2026-11-02T00:00:00.000Z', 'run-b')).toBe(true);
    expect(await session.store.advanceCursor(FLOW, '2026-11-01T00:00:00.000Z', 'run-a')).toBe(false);
    expect((await session.store.getCursor(FLOW))?.until).toBe('2026-11-02T00:00:00.000Z');
  });

  it('stops near the deadline with its progress saved, and the next invocation continues from there', async () => {
    const { session, peoplesoft, marketo } = await start(1000, (yaml) => yaml.replace('pageSize: 1000', 'pageSize: 100\n      maxRowsPerWindow: 100'));
    const flow = employeesFlow(session.config);
    const source = await session.recordSource();
    let windows = 0;
    const first = await pollFlow({
      config: session.config,
      flow,
      source: {
        system: source.system,
        sourceNow: (entity) => source.sourceNow(entity),
        read: async function* (entity, range) {
          for await (const event of source.read(entity, range)) {
            if (event.type === 'window-complete' && event.rows > 0) windows += 1;
            yield event;
          }
        },
      },
      queue: session.queue(flow),
      store: session.store,
      remainingTimeMs: () => (windows >= 3 ? 30_000 : 600_000),
    });

    expect(first.complete).toBe(false);
    expect(first.enqueued).toBeGreaterThan(0);
    expect(first.enqueued).toBeLessThan(1000);
    expect(first.cursor).toBeDefined();

    const second = await session.sync(FLOW);
    expect(second.complete).toBe(true);
    expect(marketo.leads()).toHaveLength(activeIds(peoplesoft).length);
  });

  it('rejects an invalid record with an audit row naming the field while its neighbours go on', async () => {
    const { session, peoplesoft, marketo } = await start(50);
    const active = activeIds(peoplesoft);
    const [bad] = active;
    peoplesoft.update(bad!, { EMAIL_ADDR: 'bob@@example' });
    await pastTheSecond();
    const summary = await session.sync(FLOW);
    expect(summary.rejected).toBe(1);
    expect(marketo.leads()).toHaveLength(active.length - 1);
    const trail = await session.store.auditTrail(bad!);
    expect(trail).toEqual([expect.objectContaining({ event: 'rejected', reason: expect.stringMatching(/^EMAIL_ADDR: .*bob@@example/) })]);
  });
});

/** Source ids of every message on the flow's queue (ready, delayed or in flight). */
async function queuedIds(session: LocalSession): Promise<Set<string>> {
  const messages = await session.aws.inspect(resourceNames(session.config).flow(employeesFlow(session.config)).queue);
  return new Set(messages.map((message) => recordEnvelopeSchema.parse(JSON.parse(message.body)).source.id));
}

/**
 * Invocations of the poller as the deployed handler chains them: the first with `event`, each
 * next with the continuation the previous result names. `pagesPerInvocation` pages fit before
 * the deadline margin is reached.
 */
async function invokeUntilComplete(
  session: LocalSession,
  event: PollerEvent,
  pagesPerInvocation: number,
  afterEach: (result: PollResult) => Promise<void> = async () => undefined,
): Promise<PollResult[]> {
  const flow = employeesFlow(session.config);
  const source = await session.recordSource();
  const results: PollResult[] = [];
  for (let next: PollerEvent | undefined = event; next; next = continuationEvent(results.at(-1)!)) {
    if (results.length > 50) throw new Error('the poller makes no progress');
    let pages = 0;
    const result = await pollFlow({
      config: session.config,
      flow,
      source,
      queue: session.queue(flow),
      store: session.store,
      ...(next.since ? { since: new Date(next.since) } : {}),
      ...(next.until ? { until: new Date(next.until) } : {}),
      onProgress: () => (pages += 1),
      remainingTimeMs: () => (pages >= pagesPerInvocation ? 30_000 : 600_000),
    });
    results.push(result);
    await afterEach(result);
  }
  return results;
}

describe('poller deadline and continuation', () => {
  const smallPages = (yaml: string): string => yaml.replace('pageSize: 1000', 'pageSize: 100');

  it('finishes a re-read from {since} that reaches the deadline, although the stored cursor is ahead of it', async () => {
    const { session, peoplesoft } = await start(1000, (yaml) => yaml.replace('pageSize: 1000', 'pageSize: 100\n      maxRowsPerWindow: 100'));
    const ahead = new Date(Date.now() + 3_600_000).toISOString();
    await session.store.advanceCursor(FLOW, ahead, 'a-later-run');

    const results = await invokeUntilComplete(session, { since: '2019-01-01T00:00:00.000Z' }, 3);

    expect(results.length).toBeGreaterThan(1);
    expect(results[0]!.complete).toBe(false);
    const queued = await queuedIds(session);
    expect(peoplesoft.employeeIds().filter((id) => !queued.has(id))).toEqual([]);
    // Each continuation reads the rest of the requested range, up to that range's end.
    expect(results.slice(1).map((result) => result.windowFrom)).toEqual(results.slice(0, -1).map((result) => result.resumeFrom));
    expect(new Set(results.map((result) => result.windowTo)).size).toBe(1);
    expect((await session.store.getCursor(FLOW))?.until).toBe(ahead);
  });

  it('stops between pages of one window, never saving the cursor past what is queued, and crosses the window over several invocations', async () => {
    const { session, peoplesoft } = await start(1000, smallPages);
    const stamps = new Map(peoplesoft.employeeIds().map((id) => [id, Date.parse(String(peoplesoft.employee(id)!.LASTUPDDTTM))]));

    const results = await invokeUntilComplete(session, {}, 1, async () => {
      const cursor = Date.parse((await session.store.getCursor(FLOW))?.until ?? '2000-01-01T00:00:00Z');
      const queued = await queuedIds(session);
      const behindCursorNotQueued = [...stamps].filter(([id, stamp]) => stamp < cursor && !queued.has(id));
      expect(behindCursorNotQueued).toEqual([]);
    });

    // The 1,000 rows are one window of ten pages; each invocation had time for one page.
    expect(results.length).toBeGreaterThanOrEqual(10);
    expect(results.slice(0, -1).every((result) => !result.complete && result.enqueued > 0)).toBe(true);
    expect(results.at(-1)!.complete).toBe(true);
    const queued = await queuedIds(session);
    expect(peoplesoft.employeeIds().filter((id) => !queued.has(id))).toEqual([]);
  });

  it('writes every row of a window without a row count although a row moves out of it between pages', async () => {
    const { session, peoplesoft, marketo } = await start(1000, (yaml) =>
      yaml.replace('pageSize: 1000', 'pageSize: 100\n      countPath: null'),
    );
    const active = activeIds(peoplesoft);
    const [firstRow] = active;
    // The first row of page 1 is terminated when the second page is asked for (the first list
    // call is the poller reading the source clock): it leaves the window, the rest move up.
    peoplesoft.faults.enqueue({ kind: 'change', apply: () => peoplesoft.terminate(firstRow!) }, 1, {
      operation: 'ML_EMPLOYEES_GET',
      after: 2,
    });

    const summary = await session.sync(FLOW);

    expect(peoplesoft.faults.pending).toBe(0);
    expect(summary.read).toBe(1000);
    // Every employee active when read has a lead (the terminated first row was read active first);
    // those terminated before any sync never become leads.
    expect(marketo.leads()).toHaveLength(active.length);
  });
});

describe('dead letters and replay', () => {
  it('replays a dead-lettered record with the fixed mapping, audited, in a later CLI session', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'ml-connector-'));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    const peoplesoft = await startPeopleSoftSimulator({ employees: 20, timeZone: 'America/Chicago' });
    const marketo = await startMarketoSimulator({});
    cleanups.push(() => peoplesoft.stop(), () => marketo.stop());
    const [victim] = peoplesoft.employeeIds(1);
    peoplesoft.changeTitle(victim!, 'Chief '.repeat(60)); // Marketo refuses a title over 255 characters
    await pastTheSecond();

    const first = await LocalSession.open({ config: demoConfig(), stateDir, simulators: { peoplesoft, targets: { marketo } } });
    const summary = await first.sync(FLOW);
    expect(summary.deadLettered).toBe(1);
    expect(summary.deadLetterReasons[0]).toMatchObject({ sourceId: victim });
    expect(summary.deadLetterReasons[0]!.reason).toMatch(/1001/);
    await first.close(); // the dead letter survives in the state dir

    // The customer drops the title from the mapping and replays.
    const fixed = demoConfig((yaml) => yaml.replace('          title: JOBTITLE\n', ''));
    const second = await LocalSession.open({ config: fixed, stateDir, simulators: { peoplesoft, targets: { marketo } } });
    cleanups.push(() => second.close());
    expect(await second.deadLetters(employeesFlow(fixed))).toHaveLength(1);
    const replay = await second.replay(FLOW, { key: victim! });
    await second.drain(FLOW);

    expect(replay).toMatchObject({ replayed: 1, kept: 0 });
    expect(await second.deadLetters(employeesFlow(fixed))).toHaveLength(0);
    const email = String(peoplesoft.employee(victim!)!.EMAIL_ADDR);
    expect(marketo.lead(email)).toBeDefined();
    const events = (await second.store.auditTrail(victim!)).map((row) => row.event);
    expect(events).toEqual(expect.arrayContaining(['dead-lettered', 'replayed', 'written']));
    expect(events.indexOf('replayed')).toBeGreaterThan(events.indexOf('dead-lettered'));

    // Replaying again is harmless: nothing is left, nothing is written.
    const calls = marketo.calls();
    expect((await second.replay(FLOW)).replayed).toBe(0);
    expect(marketo.calls()).toBe(calls);
  });

  it('keeps dead letters that do not match the selection', async () => {
    const { session, peoplesoft } = await start(20);
    const [a, b] = activeIds(peoplesoft);
    peoplesoft.changeTitle(a!, 'X'.repeat(300));
    peoplesoft.changeTitle(b!, 'Y'.repeat(300));
    await pastTheSecond();
    await session.sync(FLOW);
    const result = await session.replay(FLOW, { key: b! });
    expect(result).toMatchObject({ replayed: 1, kept: 1 });
    expect((await session.deadLetters(session.flow(FLOW))).map((letter) => letter.sourceId)).toEqual([a]);
  });
});
