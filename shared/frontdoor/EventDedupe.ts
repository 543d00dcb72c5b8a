import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ErrorKind, ExternalSystemError } from '../errors';

export interface EventDedupeOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly now?: () => Date;
  /**
   * A claim whose holder neither confirmed nor released it within this time (the invocation
   * died in between) may be taken over by a redelivery. @default 120
   */
  readonly leaseSeconds?: number;
}

/** How a claim on an event id ended. */
export type EventClaim = 'claimed' | 'duplicate';

const Status = { Claimed: 'claimed', Queued: 'queued', Released: 'released' } as const;

/**
 * Remembers the event ids of pushed deliveries in the state table (`EVENT#<source>#<id>`, expired
 * by the table's TTL), so a redelivered event is acknowledged without being queued again. A
 * delivery first *claims* its id (a conditional put), queues its records, then *confirms*; when
 * queuing fails it *releases* the id, so the sender's retry is not mistaken for a duplicate.
 * Conditional writes only: it runs the same on DynamoDB and dynalite.
 */
export class EventDedupe {
  private readonly doc: DynamoDBDocumentClient;
  private readonly now: () => Date;
  private readonly leaseMs: number;

  public constructor(private readonly options: EventDedupeOptions) {
    this.doc = DynamoDBDocumentClient.from(options.client);
    this.now = options.now ?? (() => new Date());
    this.leaseMs = (options.leaseSeconds ?? 120) * 1000;
  }

  /** Claims an event id for `rememberHours`; `duplicate` when it was queued (or is being queued) already. */
  public async claim(source: string, eventId: string, rememberHours: number): Promise<EventClaim> {
    const now = this.now().getTime();
    try {
      await this.call('PutItem event claim', () =>
        this.doc.send(
          new PutCommand({
            TableName: this.options.tableName,
            Item: {
              ...key(source, eventId),
              status: Status.Claimed,
              claimedAt: now,
              expiresAt: Math.floor(now / 1000) + rememberHours * 3600,
            },
            // TTL deletes lazily, so an expired row is treated as absent.
            ConditionExpression:
              'attribute_not_exists(pk) OR expiresAt < :nowSeconds OR #status = :released OR (#status = :claimed AND claimedAt < :leaseCutoff)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':nowSeconds': Math.floor(now / 1000),
              ':released': Status.Released,
              ':claimed': Status.Claimed,
              ':leaseCutoff': now - this.leaseMs,
            },
          }),
        ),
      );
      return 'claimed';
    } catch (error) {
      if (isConditionFailure(error)) return 'duplicate';
      throw error;
    }
  }

  /** The event's records are on their queues: a redelivery is a duplicate until the id expires. */
  public async confirm(source: string, eventId: string): Promise<void> {
    await this.mark(source, eventId, Status.Queued);
  }

  /** Queuing failed: a redelivery of this event must be taken as new. */
  public async release(source: string, eventId: string): Promise<void> {
    await this.mark(source, eventId, Status.Released);
  }

  private async mark(source: string, eventId: string, status: string): Promise<void> {
    await this.call(`UpdateItem event ${status}`, () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: key(source, eventId),
          UpdateExpression: 'SET #status = :status, updatedAt = :at',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status, ':at': this.now().toISOString() },
        }),
      ),
    );
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (isConditionFailure(error)) throw error;
      throw new ExternalSystemError(`${(error as Error).name}: ${(error as Error).message}`, {
        system: 'dynamodb',
        operation: `${operation} on ${this.options.tableName}`,
        kind: ErrorKind.Retryable,
        cause: error,
      });
    }
  }
}

function key(source: string, eventId: string): { pk: string; sk: string } {
  return { pk: `EVENT#${source}#${eventId}`, sk: 'EVENT' };
}

function isConditionFailure(error: unknown): boolean {
  return (error as Error | undefined)?.name === 'ConditionalCheckFailedException';
}
