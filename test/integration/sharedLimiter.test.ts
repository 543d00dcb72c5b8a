import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TargetAction, type TargetLimits } from '../../shared/connectors';
import { MarketoConnector, type MarketoConfig } from '../../shared/connectors/marketo';
import { CallLimiter, DynamoBudgetStore, dynamoLimiters } from '../../shared/limits';
import { LocalAws } from '../../shared/local';
import { startMarketoSimulator } from '../../simulators/marketo';
import { demoConfig } from '../support/factories';
import { busiestWindow, VirtualClock } from '../support/virtualClock';

let aws: LocalAws;
let tableName: string;
let budgets = 0;

beforeAll(async () => {
  const config = demoConfig();
  aws = await LocalAws.start({});
  await aws.provision(config);
  tableName = aws.tableName(config);
});
afterAll(async () => {
  await aws.stop();
});

/** One writer container's limiter: its own store object, the same budget item in the table. */
function container(limits: TargetLimits, clock: VirtualClock, account: string, leaseMs = 60_000): CallLimiter {
  return new CallLimiter({
    target: 'toy',
    limits,
    store: new DynamoBudgetStore({ client: aws.dynamo, tableName, target: 'toy', account, sleep: clock.sleep }),
    leaseMs,
    now: clock.now,
    sleep: clock.sleep,
  });
}

/** A fresh budget per test: the account is the sort key of the budget item. */
const freshAccount = (): string => `https://toy-${(budgets += 1)}.example`;

/** `workers` per container, each making calls of `callMs` until `calls` were made in total. */
async function drive(clock: VirtualClock, containers: CallLimiter[], workersEach: number, calls: number, callMs: number) {
  const starts: Array<{ at: number; container: number }> = [];
  let left = calls;
  let inFlight = 0;
  let peak = 0;
  await Promise.all(
    containers.flatMap((limiter, index) =>
      Array.from({ length: workersEach }, () =>
        clock.task(async () => {
          while (left > 0) {
            left -= 1;
            await limiter.run(async () => {
              starts.push({ at: clock.now(), container: index });
              inFlight += 1;
              peak = Math.max(peak, inFlight);
              await clock.sleep(callMs);
              inFlight -= 1;
            });
          }
        }),
      ),
    ),
  );
  return { times: starts.map((start) => start.at), byContainer: (index: number) => starts.filter((start) => start.container === index).length, peak };
}

describe('call limiter shared through the state table', () => {
  const limits: TargetLimits = { windows: [{ calls: 10, windowMs: 20_000 }], inFlight: 3 };

  it('keeps two containers sharing a budget under it together, each getting calls', async () => {
    const clock = new VirtualClock();
    const account = freshAccount();
    const run = await drive(clock, [container(limits, clock, account), container(limits, clock, account)], 3, 40, 300);

    expect(run.times).toHaveLength(40);
    expect(busiestWindow(run.times, 20_000)).toBe(10);
    expect(run.peak).toBeLessThanOrEqual(3);
    expect(run.byContainer(0)).toBeGreaterThan(0);
    expect(run.byContainer(1)).toBeGreaterThan(0);
  });

  it('lets one container alone use the whole budget', async () => {
    const clock = new VirtualClock();
    const run = await drive(clock, [container(limits, clock, freshAccount())], 3, 25, 300);

    expect(busiestWindow(run.times, 20_000)).toBe(10);
    expect(run.peak).toBe(3);
  });

  it('frees the in-flight slot of a caller that died once its lease expires', async () => {
    const clock = new VirtualClock();
    const account = freshAccount();
    const single: TargetLimits = { windows: [{ calls: 100, windowMs: 20_000 }], inFlight: 1 };
    const started = clock.now();
    // The first container takes the only slot and dies without releasing it.
    await clock.task(() => container(single, clock, account, 5_000).acquire());

    const other = container(single, clock, account, 5_000);
    let grantedAfter = -1;
    await clock.task(() => other.run(async () => void (grantedAfter = clock.now() - started)));

    expect(grantedAfter).toBeGreaterThanOrEqual(5_000);
    expect(grantedAfter).toBeLessThan(5_000 + 1_000);
  });

  it('pauses every container when one of them is told no calls are left', async () => {
    const clock = new VirtualClock();
    const account = freshAccount();
    const reporting: TargetLimits = {
      windows: [{ calls: 100, windowMs: 60_000 }],
      inFlight: 5,
      headers: { remaining: 'X-Rate-Limit-Remaining', reset: { header: 'X-Rate-Limit-Reset', format: 'epoch-seconds' } },
    };
    const resetAt = clock.now() + 30_000;
    const answer = new Headers({ 'X-Rate-Limit-Remaining': '0', 'X-Rate-Limit-Reset': String(resetAt / 1000) });
    await clock.task(() => container(reporting, clock, account).run(async () => answer, (headers) => headers));

    let nextCallAt = -1;
    await clock.task(() => container(reporting, clock, account).run(async () => void (nextCallAt = clock.now())));

    expect(nextCallAt).toBeGreaterThanOrEqual(resetAt);
  });

  it('keeps two Marketo writers under 100 calls per 20 s together, with no 606 or 615', async () => {
    const clock = new VirtualClock();
    const marketo = await startMarketoSimulator({ now: clock.date, latencyMs: 2, dailyQuota: Number.POSITIVE_INFINITY });
    try {
      const limiters = dynamoLimiters({ client: aws.dynamo, tableName, now: clock.now, sleep: clock.sleep });
      const config = { ...(demoConfig().targets.marketo as MarketoConfig), baseUrl: marketo.url };
      const writers = [0, 1].map(
        () =>
          new MarketoConnector({
            config,
            credentials: { clientId: 'sim-client', clientSecret: 'sim-secret' },
            hostPolicy: { allowLoopback: true, allowPrivate: false },
            now: clock.date,
            sleep: clock.sleep,
            limiters,
          }),
      );
      let next = 0;
      await Promise.all(
        writers.flatMap((writer) =>
          Array.from({ length: 6 }, () =>
            clock.task(async () => {
              while (next < 130) {
                const email = `lead${(next += 1)}@example.com`;
                await writer.write('leads', TargetAction.Upsert, [{ ref: email, key: email, payload: { email } }]);
              }
            }),
          ),
        ),
      );
      const arrivals = marketo.callLog.map((entry) => entry.at.getTime());

      expect(marketo.calls((entry) => entry.code === '606' || entry.code === '615')).toBe(0);
      expect(marketo.leads()).toHaveLength(130);
      expect(busiestWindow(arrivals, 20_000)).toBe(100);
      expect(writers.every((writer) => writer.stats().totalCalls > 0)).toBe(true);
    } finally {
      await marketo.stop();
    }
  });
});
