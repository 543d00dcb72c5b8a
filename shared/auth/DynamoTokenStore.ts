import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ErrorKind, ExternalSystemError } from '../errors';
import type { StoredToken, TokenEntry, TokenStore } from './TokenStore';

export interface DynamoTokenStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** The item's partition key is `TOKEN#<system>`. */
  readonly system: string;
  /** The item's sort key: which account of the system (never a secret). */
  readonly account: string;
}

/**
 * One shared access token in the state table, changed only by conditional writes (no
 * transactions, so it runs the same on DynamoDB and dynalite): the refresh lock is taken over
 * the version read, the new token is stored only by the lock's holder.
 */
export class DynamoTokenStore implements TokenStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly key: { pk: string; sk: string };

  public constructor(private readonly options: DynamoTokenStoreOptions) {
    this.doc = DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
    this.key = { pk: `TOKEN#${options.system}`, sk: options.account };
  }

  public async read(): Promise<TokenEntry> {
    const { Item } = await this.send('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: this.key, ConsistentRead: true })),
    );
    if (!Item) return { version: 0 };
    return {
      version: Number(Item.version ?? 0),
      ...(typeof Item.sealed === 'string'
        ? {
            token: {
              sealed: Item.sealed,
              fingerprint: String(Item.fingerprint ?? ''),
              issuedAt: Number(Item.issuedAt ?? 0),
              expiresAt: Number(Item.expiresAt ?? 0),
              meta: (Item.meta as Record<string, string> | undefined) ?? {},
            },
          }
        : {}),
      ...(typeof Item.lockHolder === 'string' ? { lock: { holder: Item.lockHolder, until: Number(Item.lockUntil ?? 0) } } : {}),
    };
  }

  public async lock(holder: string, until: number, version: number): Promise<boolean> {
    if (version === 0) {
      return this.conditional('PutItem lock', () =>
        this.doc.send(
          new PutCommand({
            TableName: this.options.tableName,
            Item: { ...this.key, lockHolder: holder, lockUntil: until, version: 1 },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
    }
    return this.conditional('UpdateItem lock', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key,
          UpdateExpression: 'SET lockHolder = :holder, lockUntil = :until, version = :next',
          ConditionExpression: 'version = :version',
          ExpressionAttributeValues: { ':holder': holder, ':until': until, ':next': version + 1, ':version': version },
        }),
      ),
    );
  }

  public async put(holder: string, token: StoredToken): Promise<boolean> {
    return this.conditional('UpdateItem token', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key,
          UpdateExpression:
            'SET sealed = :sealed, fingerprint = :fingerprint, issuedAt = :issuedAt, expiresAt = :expiresAt, meta = :meta, version = version + :one REMOVE lockHolder, lockUntil',
          ConditionExpression: 'lockHolder = :holder',
          ExpressionAttributeValues: {
            ':sealed': token.sealed,
            ':fingerprint': token.fingerprint,
            ':issuedAt': token.issuedAt,
            ':expiresAt': token.expiresAt,
            ':meta': token.meta,
            ':one': 1,
            ':holder': holder,
          },
        }),
      ),
    );
  }

  public async unlock(holder: string): Promise<void> {
    await this.conditional('UpdateItem unlock', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key,
          UpdateExpression: 'SET version = version + :one REMOVE lockHolder, lockUntil',
          ConditionExpression: 'lockHolder = :holder',
          ExpressionAttributeValues: { ':one': 1, ':holder': holder },
        }),
      ),
    );
  }

  /** True when the conditional write went through, false when its condition did not hold. */
  private async conditional(operation: string, call: () => Promise<unknown>): Promise<boolean> {
    try {
      await this.send(operation, call);
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  private async send<R>(operation: string, call: () => Promise<R>): Promise<R> {
    try {
      return await call();
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') throw error;
      throw new ExternalSystemError(`${(error as Error).name}: ${(error as Error).message}`, {
        system: 'dynamodb',
        operation: `${operation} ${this.key.pk} on ${this.options.tableName}`,
        kind: ErrorKind.Retryable,
        cause: error,
      });
    }
  }
}
