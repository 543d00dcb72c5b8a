import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ErrorKind, ExternalSystemError } from '../errors';
import { emptyBudget, type BudgetState } from './BudgetState';
import type { BudgetChange, BudgetStore } from './BudgetStore';

export interface DynamoBudgetStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Target name: the item's partition key is `LIMIT#<target>`. */
  readonly target: string;
  /** Which account of the target (its base URL): the item's sort key. */
  readonly account: string;
  /** Attempts before giving up when other callers keep winning the conditional write. */
  readonly maxAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A budget shared by every writer container of the stack: one item in the state table, changed
 * by read-then-conditional-put on its `version` (optimistic locking; no transactions needed, so it
 * runs the same on DynamoDB and dynalite).
 */
export class DynamoBudgetStore implements BudgetStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly key: { pk: string; sk: string };
  private readonly sleep: (ms: number) => Promise<void>;

  public constructor(private readonly options: DynamoBudgetStoreOptions) {
    this.doc = DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
    this.key = { pk: `LIMIT#${options.target}`, sk: options.account };
    this.sleep = options.sleep ?? defaultSleep;
  }

  public async update<T>(change: (state: BudgetState) => BudgetChange<T>): Promise<T> {
    const attempts = this.options.maxAttempts ?? 50;
    for (let attempt = 1; ; attempt += 1) {
      const { Item } = await this.send('GetItem', () =>
        this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: this.key, ConsistentRead: true })),
      );
      const current = Item ? toState(Item) : emptyBudget;
      const decided = change(current);
      if (!decided.state) return decided.result;
      try {
        await this.send('PutItem', () =>
          this.doc.send(
            new PutCommand({
              TableName: this.options.tableName,
              Item: { ...this.key, ...decided.state },
              ...(Item
                ? { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': current.version } }
                : { ConditionExpression: 'attribute_not_exists(pk)' }),
            }),
          ),
        );
        return decided.result;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        if (attempt >= attempts) {
          throw new ExternalSystemError(`the call budget changed under ${attempt} attempts in a row`, {
            system: 'dynamodb',
            operation: `update ${this.key.pk} on ${this.options.tableName}`,
            kind: ErrorKind.Retryable,
          });
        }
        // Another caller changed the budget first: read it again, after a jittered pause so the
        // losers of one race do not collide again.
        await this.sleep(Math.random() * Math.min(50, 5 * attempt));
      }
    }
  }

  private async send<R>(operation: string, call: () => Promise<R>): Promise<R> {
    try {
      return await call();
    } catch (error) {
      if (isConditionFailure(error)) throw error;
      const name = (error as Error).name;
      throw new ExternalSystemError(`${name}: ${(error as Error).message}`, {
        system: 'dynamodb',
        operation: `${operation} ${this.key.pk} on ${this.options.tableName}`,
        kind: /Throughput|Throttl|InternalServer|ServiceUnavailable|RequestLimit|TimeoutError|ECONN/.test(`${name} ${(error as Error).message}`)
          ? ErrorKind.Retryable
          : ErrorKind.Misconfigured,
        cause: error,
      });
    }
  }
}

function toState(item: Record<string, unknown>): BudgetState {
  return {
    version: Number(item.version ?? 0),
    calls: ((item.calls as number[] | undefined) ?? []).map(Number),
    leases: (item.leases as BudgetState['leases'] | undefined) ?? {},
    pausedUntil: Number(item.pausedUntil ?? 0),
    ...(item.reported ? { reported: item.reported as NonNullable<BudgetState['reported']> } : {}),
    ...(item.quota ? { quota: item.quota as NonNullable<BudgetState['quota']> } : {}),
  };
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as Error | undefined)?.name === 'ConditionalCheckFailedException';
}
