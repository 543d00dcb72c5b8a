import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CallLimiter } from './CallLimiter';
import { DynamoBudgetStore } from './DynamoBudgetStore';
import type { LimiterFactory } from './LimiterFactory';

export interface DynamoLimitersOptions {
  readonly client: DynamoDBClient;
  /** The stack's state table. */
  readonly tableName: string;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Limiters whose budgets live in the stack's table (deployed): every writer container of every
 * flow that calls the same target account shares one budget item.
 */
export function dynamoLimiters(options: DynamoLimitersOptions): LimiterFactory {
  return (request) =>
    new CallLimiter({
      target: request.target,
      limits: request.limits,
      store: new DynamoBudgetStore({
        client: options.client,
        tableName: options.tableName,
        target: request.target,
        account: request.account,
        ...(options.sleep ? { sleep: options.sleep } : {}),
      }),
      // Each look is a read of the table: not too often while the in-flight slots are taken.
      inFlightPollMs: 100,
      ...(request.leaseMs ? { leaseMs: request.leaseMs } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
}
