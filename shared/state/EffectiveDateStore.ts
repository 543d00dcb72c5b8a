import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DeleteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ErrorKind, ExternalSystemError } from '../errors';

/** A future-dated source row waiting for its effective date. */
export interface PendingRow {
  readonly sourceId: string;
  /** `YYYY-MM-DD` in the source system's time zone. */
  readonly effectiveDate: string;
  /** The validated row as the poller read it (record, operation, last update). */
  readonly item: Readonly<Record<string, unknown>>;
}

export interface EffectiveDateStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

const BATCH_GET_MAX = 100;

const key = {
  pending: (flow: string) => `PENDING#${flow}`,
  pendingSort: (effectiveDate: string, sourceId: string) => `${effectiveDate}#${sourceId}`,
  delivered: (flow: string, sourceId: string) => ({ pk: `EFFDT#${flow}#${sourceId}`, sk: 'DELIVERED' }),
};

/**
 * What effective dating remembers per flow, in the state table: future-dated rows waiting for
 * their day (sorted by that day, so the rows due are one query), and per key the effective date
 * of the row last delivered (so a changed history row never replaces the current one).
 */
export class EffectiveDateStore {
  private readonly doc: DynamoDBDocumentClient;

  public constructor(private readonly options: EffectiveDateStoreOptions) {
    this.doc = DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /** Keeps a future row until its day; a newer read of the same key and date replaces it. */
  public async putPending(flow: string, rows: readonly PendingRow[]): Promise<void> {
    for (const row of rows) {
      await this.call('PutItem pending row', () =>
        this.doc.send(
          new PutCommand({
            TableName: this.options.tableName,
            Item: { pk: key.pending(flow), sk: key.pendingSort(row.effectiveDate, row.sourceId), ...row },
          }),
        ),
      );
    }
  }

  /** The pending rows whose effective date is `today` or earlier, oldest first. */
  public async duePending(flow: string, today: string): Promise<PendingRow[]> {
    const rows: PendingRow[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.call('Query pending rows', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.options.tableName,
            KeyConditionExpression: 'pk = :pk AND sk < :after',
            // '$' sorts after '#', so every `${today}#...` key is below it.
            ExpressionAttributeValues: { ':pk': key.pending(flow), ':after': `${today}$` },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        rows.push({ sourceId: item.sourceId as string, effectiveDate: item.effectiveDate as string, item: item.item as Record<string, unknown> });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return rows;
  }

  /** Forgets released rows. */
  public async deletePending(flow: string, rows: readonly Pick<PendingRow, 'sourceId' | 'effectiveDate'>[]): Promise<void> {
    for (const row of rows) {
      await this.call('DeleteItem pending row', () =>
        this.doc.send(new DeleteCommand({ TableName: this.options.tableName, Key: { pk: key.pending(flow), sk: key.pendingSort(row.effectiveDate, row.sourceId) } })),
      );
    }
  }

  /** The effective date of the row last delivered, per source id (absent: none yet). */
  public async delivered(flow: string, sourceIds: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const unique = [...new Set(sourceIds)];
    for (let index = 0; index < unique.length; index += BATCH_GET_MAX) {
      let keys: Record<string, unknown>[] | undefined = unique.slice(index, index + BATCH_GET_MAX).map((id) => key.delivered(flow, id));
      while (keys && keys.length > 0) {
        const pending = keys;
        const result = await this.call('BatchGetItem delivered effective dates', () =>
          this.doc.send(new BatchGetCommand({ RequestItems: { [this.options.tableName]: { Keys: pending, ConsistentRead: true } } })),
        );
        for (const item of result.Responses?.[this.options.tableName] ?? []) found.set(item.sourceId as string, item.effectiveDate as string);
        keys = result.UnprocessedKeys?.[this.options.tableName]?.Keys as Record<string, unknown>[] | undefined;
      }
    }
    return found;
  }

  /** Records the effective date delivered for a key; never moves it back. */
  public async markDelivered(flow: string, sourceId: string, effectiveDate: string): Promise<void> {
    try {
      await this.call('UpdateItem delivered effective date', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: key.delivered(flow, sourceId),
            UpdateExpression: 'SET effectiveDate = :date, sourceId = :id',
            ConditionExpression: 'attribute_not_exists(effectiveDate) OR effectiveDate <= :date',
            ExpressionAttributeValues: { ':date': effectiveDate, ':id': sourceId },
          }),
        ),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) && (error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') throw error;
      throw new ExternalSystemError(`${operation} failed: ${(error as Error).name}`, { system: 'dynamodb', operation, kind: ErrorKind.Retryable, cause: error });
    }
  }
}
