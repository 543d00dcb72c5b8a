import type { TargetLimits } from '../connectors/TargetConnector';
import type { CallLimiter } from './CallLimiter';

/** What a connector asks for: the budget of one target account under these limits. */
export interface LimiterRequest {
  readonly target: string;
  /** The account whose budget this is (e.g. the target's base URL): callers of one account share it. */
  readonly account: string;
  /** The declared limits, possibly lowered by the customer's config. */
  readonly limits: TargetLimits;
  /** How long an in-flight slot holds if its caller dies: at least the call's own timeout. */
  readonly leaseMs?: number;
}

/** Builds the limiter of a budget; the runtime decides where budgets live (process or table). */
export type LimiterFactory = (request: LimiterRequest) => CallLimiter;
