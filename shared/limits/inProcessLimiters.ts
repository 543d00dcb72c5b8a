import { CallLimiter } from './CallLimiter';
import { InProcessBudgetStore } from './InProcessBudgetStore';
import type { LimiterFactory } from './LimiterFactory';

/** Budgets of this process, by target, account and limits. */
const budgets = new Map<string, InProcessBudgetStore>();

/**
 * Limiters whose budgets live in this process (local runs): every limiter asked for the same
 * target account, by any flow or session of the process, shares one budget.
 */
export function inProcessLimiters(clock: { now?: () => number; sleep?: (ms: number) => Promise<void> } = {}): LimiterFactory {
  return (request) => {
    const key = JSON.stringify([request.target, request.account, request.limits]);
    let store = budgets.get(key);
    if (!store) {
      store = new InProcessBudgetStore();
      budgets.set(key, store);
    }
    return new CallLimiter({
      target: request.target,
      limits: request.limits,
      store,
      // Nothing to read over a network: look again often while the in-flight slots are taken.
      inFlightPollMs: 10,
      ...(request.leaseMs ? { leaseMs: request.leaseMs } : {}),
      ...clock,
    });
  };
}
