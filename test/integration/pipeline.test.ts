import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalSession } from '../../shared/local';
import { pollFlow } from '../../shared/pipeline';
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
  const peoplesoft = await startPeopleSoftSimulator({ employees });
  const marketo = await startMarketoSimulator({});
  cleanups.push(() => peoplesoft.stop(), () => marketo.stop());
  const session = await LocalSession.open({ config: demoConfig(edit), stateDir, simulators: { peoplesoft, targets: { marketo } } });
  cleanups.push(() => session.close());
  return { session, peoplesoft, marketo };
}

/** The source clock (an HTTP Date header) has one-second resolution: let it pass the changes. */
const pastTheSecond = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1100));

const leadWrites = (marketo: MarketoSimulator): number =>
  marketo.calls((entry) => entry.method === 'POST' && entry.path === '/rest/v1/leads.json');

describe('poller', () => {
  it('loses nothing and writes nothing twice when killed after enqueueing and before saving the cursor', async () => {
    const { session, marketo } = await start(600);
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
    expect(marketo.leads()).toHaveLength(600);
    const writesAfterCrash = leadWrites(marketo);

    const rerun = await session.sync(FLOW); // the next run re-reads the same window

    expect(rerun.read).toBe(600);
    expect(rerun.skippedUnchanged).toBe(1200);
    expect(leadWrites(marketo)).toBe(writesAfterCrash);
    expect(marketo.leads()).toHaveLength(600);
    expect((await session.store.getCursor(FLOW))?.until).toBe(rerun.windowTo);
  });

  it('never moves the cursor backwards when two pollers race', async () => {
    const { session } = await start(10);
    expect(await session.store.advanceCursor(FLOW, '2026-11-02T00:00:00.000Z', 'run-b')).toBe(true);
    expect(await session.store.advanceCursor(FLOW, '2026-11-01T00:00:00.000Z', 'run-a')).toBe(false);
    expect((await session.store.getCursor(FLOW))?.until).toBe('2026-11-02T00:00:00.000Z');
  });

  it('stops near the deadline with its progress saved, and the next invocation continues from there', async () => {
    const { session, marketo } = await start(1000, (yaml) => yaml.replace('pageSize: 1000', 'pageSize: 100\n      maxRowsPerWindow: 100'));
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
    expect(marketo.leads()).toHaveLength(1000);
  });

  it('rejects an invalid record with an audit row naming the field while its neighbours go on', async () => {
    const { session, peoplesoft, marketo } = await start(50);
    const [bad] = peoplesoft.employeeIds(1);
    peoplesoft.update(bad!, { EMAIL_ADDR: 'bob@@example' });
    await pastTheSecond();
    const summary = await session.sync(FLOW);
    expect(summary.rejected).toBe(1);
    expect(marketo.leads()).toHaveLength(49);
    const trail = await session.store.auditTrail(bad!);
    expect(trail).toEqual([expect.objectContaining({ event: 'rejected', reason: expect.stringMatching(/^EMAIL_ADDR: .*bob@@example/) })]);
  });
});

describe('dead letters and replay', () => {
  it('replays a dead-lettered record with the fixed mapping, audited, in a later CLI session', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'ml-connector-'));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    const peoplesoft = await startPeopleSoftSimulator({ employees: 20 });
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
    const [a, b] = peoplesoft.employeeIds(2);
    peoplesoft.changeTitle(a!, 'X'.repeat(300));
    peoplesoft.changeTitle(b!, 'Y'.repeat(300));
    await pastTheSecond();
    await session.sync(FLOW);
    const result = await session.replay(FLOW, { key: b! });
    expect(result).toMatchObject({ replayed: 1, kept: 1 });
    expect((await session.deadLetters(session.flow(FLOW))).map((letter) => letter.sourceId)).toEqual([a]);
  });
});
