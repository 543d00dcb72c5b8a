import type { TargetLimits } from '../connectors/TargetConnector';
import { nextMidnightInZone, wallClockAt } from '../time';
import type { BudgetState } from './BudgetState';

/** Why a call cannot start yet, and for how long at least. */
export type Admission =
  | { readonly kind: 'granted'; readonly state: BudgetState }
  | { readonly kind: 'wait'; readonly waitMs: number; readonly reason: string }
  | { readonly kind: 'quota'; readonly resetsAt: Date; readonly used: number };

export interface AdmitRequest {
  readonly leaseId: string;
  /** How long the lease holds if its caller never releases it (a crashed container). */
  readonly leaseMs: number;
  /**
   * Targets count a call when it arrives, which is some time after it starts. Until the answer
   * comes back, a call holds the window from `now + arrivalMarginMs`; the answer then moves it
   * back to the answer's time if that is earlier (it cannot have arrived later than answered).
   */
  readonly arrivalMarginMs: number;
  /** Longest wait while every in-flight slot is taken (a release may come at any moment). */
  readonly inFlightPollMs: number;
  /** What the call counts against the daily quota (default 1). */
  readonly cost?: number;
}

function dayIn(timeZone: string, ms: number): string {
  const wall = wallClockAt(ms, timeZone);
  return `${wall.year}-${String(wall.month).padStart(2, '0')}-${String(wall.day).padStart(2, '0')}`;
}

function liveLeases(state: BudgetState, now: number): Record<string, BudgetState['leases'][string]> {
  return Object.fromEntries(Object.entries(state.leases).filter(([, lease]) => lease.expires > now));
}

/**
 * The limiter's algorithm as pure functions of the budget state, so the in-process and the
 * DynamoDB store run exactly the same rules. Times are epoch milliseconds.
 */
export const budgetRules = {
  /** Grants a call (counting it and leasing an in-flight slot) or says how long to wait. */
  admit(state: BudgetState, limits: TargetLimits, now: number, request: AdmitRequest): Admission {
    if (state.pausedUntil > now) return { kind: 'wait', waitMs: state.pausedUntil - now, reason: 'paused after the target signalled a limit' };
    if (state.reported && state.reported.until > now && state.reported.remaining <= 0) {
      return { kind: 'wait', waitMs: state.reported.until - now, reason: 'the target reported no calls left' };
    }
    let quota = state.quota;
    if (limits.dailyQuota) {
      const day = dayIn(limits.dailyQuota.timeZone, now);
      if (quota?.day !== day) quota = { day, used: 0 };
      if (quota.used + (request.cost ?? 1) > limits.dailyQuota.calls) {
        return { kind: 'quota', resetsAt: nextMidnightInZone(limits.dailyQuota.timeZone, new Date(now)), used: quota.used };
      }
    }
    const leases = liveLeases(state, now);
    const inFlight = Object.values(leases);
    if (inFlight.length >= limits.inFlight) {
      const firstExpiry = Math.min(...inFlight.map((lease) => lease.expires));
      return { kind: 'wait', waitMs: Math.max(1, Math.min(request.inFlightPollMs, firstExpiry - now)), reason: `${inFlight.length} calls in flight` };
    }
    let waitMs = 0;
    for (const window of limits.windows) {
      // A logged call no longer counts once it lies a whole window before this call's start
      // (which is no later than its arrival).
      const inWindow = state.calls.filter((at) => at > now - window.windowMs);
      if (inWindow.length >= window.calls) {
        waitMs = Math.max(waitMs, inWindow[inWindow.length - window.calls]! + window.windowMs - now);
      }
    }
    if (waitMs > 0) return { kind: 'wait', waitMs, reason: 'the call window is full' };

    const at = now + request.arrivalMarginMs;
    const longest = Math.max(0, ...limits.windows.map((window) => window.windowMs));
    const keep = Math.max(0, ...limits.windows.map((window) => window.calls));
    // Only the newest `calls` entries of the largest window can still decide a later admission.
    const calls = keep === 0 ? [] : [...state.calls.filter((logged) => logged > now - longest), at].sort((a, b) => a - b).slice(-keep);
    return {
      kind: 'granted',
      state: {
        ...state,
        version: state.version + 1,
        calls,
        leases: { ...leases, [request.leaseId]: { at, expires: now + request.leaseMs } },
        ...(state.reported && state.reported.until > now
          ? { reported: { ...state.reported, remaining: state.reported.remaining - 1 } }
          : { reported: undefined }),
        ...(quota ? { quota: { day: quota.day, used: quota.used + (request.cost ?? 1) } } : {}),
      },
    };
  },

  /** Ends a call: frees its slot and logs it no later than its answer. Undefined when nothing changes. */
  release(state: BudgetState, now: number, leaseId: string): BudgetState | undefined {
    const lease = state.leases[leaseId];
    if (!lease) return undefined;
    const { [leaseId]: _released, ...leases } = state.leases;
    let calls = state.calls;
    const index = calls.indexOf(lease.at);
    if (now < lease.at && index >= 0) {
      calls = [...calls.slice(0, index), now, ...calls.slice(index + 1)].sort((a, b) => a - b);
    }
    return { ...state, version: state.version + 1, calls, leases };
  },

  /** Holds every call back until `until`. Undefined when the budget is already paused as long. */
  pause(state: BudgetState, until: number): BudgetState | undefined {
    if (state.pausedUntil >= until) return undefined;
    return { ...state, version: state.version + 1, pausedUntil: until };
  },

  /** Takes what the target reported as left (until `until`). */
  report(state: BudgetState, remaining: number, until: number): BudgetState {
    return { ...state, version: state.version + 1, reported: { remaining, until } };
  },
};
