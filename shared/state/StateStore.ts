import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ErrorKind, ExternalSystemError } from '../errors';
import type { AuditEvent, AuditRow, CredentialsPark, Cursor, QuotaPark, RecordState, RunCounters, RunSummary } from './types';

const BATCH_WRITE_MAX = 25;
const BATCH_GET_MAX = 100;
const MAX_UNPROCESSED_ROUNDS = 8;

export interface StateStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Days an audit row lives before the table's TTL removes it. */
  readonly auditRetentionDays: number;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

const key = {
  cursor: (flow: string) => ({ pk: `CURSOR#${flow}`, sk: 'CURSOR' }),
  record: (flow: string, sourceId: string, object: string) => ({ pk: `RECORD#${flow}#${sourceId}`, sk: `OBJECT#${object}` }),
  audit: (sourceId: string) => `AUDIT#${sourceId}`,
  run: (flow: string) => `RUN#${flow}`,
  quota: (target: string) => ({ pk: `TARGET#${target}`, sk: 'QUOTA' }),
  credentials: (target: string) => ({ pk: `TARGET#${target}`, sk: 'CREDENTIALS' }),
  parkNotice: (flow: string, sourceId: string) => ({ pk: `RECORD#${flow}#${sourceId}`, sk: 'PARKED' }),
};

/**
 * Everything ml-connector remembers, in one DynamoDB table: cursors (conditional, forward-only),
 * record state (last written payload hash and target id), audit rows (with a TTL) and run
 * summaries. Only conditional writes are used, so it runs the same on DynamoDB and dynalite.
 */
export class StateStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;
  private auditSeq = 0;

  public constructor(private readonly options: StateStoreOptions) {
    this.doc = DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  // --- cursors ---------------------------------------------------------------------------------

  public async getCursor(flow: string): Promise<Cursor | undefined> {
    const { Item } = await this.call('GetItem cursor', () =>
      this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: key.cursor(flow), ConsistentRead: true })),
    );
    return Item ? { flow, until: Item.until as string, runId: Item.runId as string, updatedAt: Item.updatedAt as string } : undefined;
  }

  /**
   * Moves the flow's cursor to `until` if that is later than where it stands. Returns false when
   * another poller already moved it as far or further: a cursor never moves backwards.
   */
  public async advanceCursor(flow: string, until: string, runId: string): Promise<boolean> {
    try {
      await this.call('UpdateItem cursor', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: key.cursor(flow),
            UpdateExpression: 'SET #until = :until, runId = :runId, updatedAt = :now',
            ConditionExpression: 'attribute_not_exists(#until) OR #until < :until',
            ExpressionAttributeNames: { '#until': 'until' },
            ExpressionAttributeValues: { ':until': until, ':runId': runId, ':now': this.now().toISOString() },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  // --- record state ----------------------------------------------------------------------------

  public async getRecordStates(
    refs: ReadonlyArray<{ flow: string; sourceId: string; object: string }>,
  ): Promise<Map<string, RecordState>> {
    const found = new Map<string, RecordState>();
    const unique = [...new Map(refs.map((ref) => [recordStateKey(ref), ref])).values()];
    const items = await this.batchGet(
      'BatchGetItem record state',
      unique.map((ref) => key.record(ref.flow, ref.sourceId, ref.object)),
    );
    for (const item of items) {
      const state = item as unknown as RecordState;
      found.set(recordStateKey(state), state);
    }
    return found;
  }

  public async putRecordStates(states: readonly RecordState[]): Promise<void> {
    await this.batchWrite(
      'BatchWriteItem record state',
      states.map((state) => ({ ...key.record(state.flow, state.sourceId, state.object), ...state })),
    );
  }

  // --- audit -----------------------------------------------------------------------------------

  /** Appends audit rows; each row gets the table TTL of the configured retention. */
  public async appendAudit(rows: ReadonlyArray<Omit<AuditRow, 'at'> & { at?: string }>): Promise<void> {
    const now = this.now();
    const expiresAt = Math.floor(now.getTime() / 1000) + this.options.auditRetentionDays * 86_400;
    await this.batchWrite(
      'BatchWriteItem audit',
      rows.map((row) => {
        const at = row.at ?? now.toISOString();
        this.auditSeq = (this.auditSeq + 1) % 1_000_000;
        return {
          pk: key.audit(row.sourceId),
          sk: `${at}#${row.flow}#${String(this.auditSeq).padStart(6, '0')}${randomUUID().slice(0, 4)}`,
          ...row,
          at,
          expiresAt,
        };
      }),
    );
  }

  /** One record's audit trail across flows and runs, oldest first. */
  public async auditTrail(sourceId: string, limit = 500): Promise<AuditRow[]> {
    const rows: AuditRow[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.call('Query audit', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.options.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': key.audit(sourceId) },
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of result.Items ?? []) {
        const { pk: _pk, sk: _sk, expiresAt: _ttl, ...row } = item;
        rows.push(row as AuditRow);
      }
      startKey = result.LastEvaluatedKey;
    } while (startKey && rows.length < limit);
    return rows.slice(0, limit);
  }

  // --- runs ------------------------------------------------------------------------------------

  /** A new run id that sorts by start time. */
  public newRunId(kind: 'poll' | 'replay' = 'poll'): string {
    return `${this.now().toISOString()}~${kind}~${randomUUID().slice(0, 8)}`;
  }

  /** Adds to a run's counters (atomic increments; any handler may contribute). */
  public async addRunCounters(flow: string, runId: string, counters: Partial<RunCounters>, info: Record<string, string> = {}): Promise<void> {
    const entries = Object.entries(counters).filter(([, value]) => value !== undefined && value !== 0);
    const infoEntries = Object.entries(info);
    if (entries.length === 0 && infoEntries.length === 0) return;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':now': this.now().toISOString() };
    const adds = entries.map(([name, value], index) => {
      names[`#c${index}`] = name;
      values[`:c${index}`] = value;
      return `#c${index} :c${index}`;
    });
    const sets = infoEntries.map(([name, value], index) => {
      names[`#i${index}`] = name;
      values[`:i${index}`] = value;
      return `#i${index} = :i${index}`;
    });
    const expression = [`SET updatedAt = :now${sets.length ? `, ${sets.join(', ')}` : ''}`, adds.length ? `ADD ${adds.join(', ')}` : '']
      .filter(Boolean)
      .join(' ');
    await this.call('UpdateItem run summary', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: key.run(flow), sk: runId },
          UpdateExpression: expression,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  public async getRun(flow: string, runId: string): Promise<RunSummary | undefined> {
    const { Item } = await this.call('GetItem run summary', () =>
      this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: { pk: key.run(flow), sk: runId }, ConsistentRead: true })),
    );
    return Item ? toRunSummary(flow, Item) : undefined;
  }

  /** The flow's most recent runs, newest first. */
  public async latestRuns(flow: string, limit = 1): Promise<RunSummary[]> {
    const result = await this.call('Query run summaries', () =>
      this.doc.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': key.run(flow) },
          ScanIndexForward: false,
          Limit: limit,
          ConsistentRead: true,
        }),
      ),
    );
    return (result.Items ?? []).map((item) => toRunSummary(flow, item));
  }

  // --- target quota ----------------------------------------------------------------------------

  public async getQuotaPark(target: string): Promise<QuotaPark | undefined> {
    const { Item } = await this.call('GetItem quota', () =>
      this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: key.quota(target), ConsistentRead: true })),
    );
    if (!Item || Date.parse(Item.resetsAt as string) <= this.now().getTime()) return undefined;
    return { target, resetsAt: Item.resetsAt as string, since: Item.since as string };
  }

  /**
   * Records that a target's quota is used up until `resetsAt`. Returns true only for the first
   * caller of a quota period, so exactly one alert is raised.
   */
  public async parkTarget(target: string, resetsAt: string): Promise<boolean> {
    try {
      await this.call('PutItem quota', () =>
        this.doc.send(
          new PutCommand({
            TableName: this.options.tableName,
            Item: { ...key.quota(target), resetsAt, since: this.now().toISOString() },
            ConditionExpression: 'attribute_not_exists(resetsAt) OR resetsAt <> :resetsAt',
            ExpressionAttributeValues: { ':resetsAt': resetsAt },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  // --- refused credentials ---------------------------------------------------------------------

  public async getCredentialsPark(target: string): Promise<CredentialsPark | undefined> {
    const { Item } = await this.call('GetItem credentials park', () =>
      this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: key.credentials(target), ConsistentRead: true })),
    );
    return Item ? toCredentialsPark(target, Item) : undefined;
  }

  /**
   * Parks a target whose credentials were refused until `probeAt`. `started` is true only for the
   * caller that began the outage, so exactly one alert is raised; later callers move the probe.
   */
  public async parkForCredentials(target: string, secretName: string, probeAt: string): Promise<{ park: CredentialsPark; started: boolean }> {
    const since = this.now().toISOString();
    try {
      await this.call('PutItem credentials park', () =>
        this.doc.send(
          new PutCommand({
            TableName: this.options.tableName,
            Item: { ...key.credentials(target), secretName, since, probeAt },
            ConditionExpression: 'attribute_not_exists(since)',
          }),
        ),
      );
      return { park: { target, secretName, since, probeAt }, started: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { Attributes } = await this.call('UpdateItem credentials park', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: key.credentials(target),
          UpdateExpression: 'SET probeAt = :probeAt, secretName = :secretName',
          ExpressionAttributeValues: { ':probeAt': probeAt, ':secretName': secretName },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return { park: toCredentialsPark(target, Attributes ?? { secretName, since, probeAt }), started: false };
  }

  /**
   * Claims the next probe of a credentials park whose probe time (`probeAt`) is at or before
   * `now`: true for exactly one caller, which then tries the target; the probe time moves to
   * `nextProbeAt` for the others.
   */
  public async claimCredentialsProbe(target: string, now: string, nextProbeAt: string): Promise<boolean> {
    try {
      await this.call('UpdateItem credentials probe', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: key.credentials(target),
            UpdateExpression: 'SET probeAt = :next',
            ConditionExpression: 'attribute_exists(since) AND probeAt <= :now',
            ExpressionAttributeValues: { ':next': nextProbeAt, ':now': now },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Hands an unused probe back (the claiming batch had nothing to send): a batch from `now` on probes. */
  public async releaseCredentialsProbe(target: string, now: string): Promise<void> {
    try {
      await this.call('UpdateItem credentials probe', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: key.credentials(target),
            UpdateExpression: 'SET probeAt = :now',
            ConditionExpression: 'attribute_exists(since)',
            ExpressionAttributeValues: { ':now': now },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** Ends a credentials park; returns it for the one caller that ended it (to say so once). */
  public async clearCredentialsPark(target: string): Promise<CredentialsPark | undefined> {
    const { Attributes } = await this.call('DeleteItem credentials park', () =>
      this.doc.send(new DeleteCommand({ TableName: this.options.tableName, Key: key.credentials(target), ReturnValues: 'ALL_OLD' })),
    );
    return Attributes ? toCredentialsPark(target, Attributes) : undefined;
  }

  // --- park notices ----------------------------------------------------------------------------

  /**
   * Of `sourceIds`, those already audited as parked during `parkId` (one park period), so a
   * message that comes back while its target is still parked is not audited again.
   */
  public async parkNoticesOf(flow: string, parkId: string, sourceIds: readonly string[]): Promise<Set<string>> {
    const noticed = new Set<string>();
    const items = await this.batchGet('BatchGetItem park notices', [...new Set(sourceIds)].map((id) => key.parkNotice(flow, id)));
    for (const item of items) if (item.park === parkId) noticed.add(item.sourceId as string);
    return noticed;
  }

  /** Remembers that these records were audited as parked during `parkId`. */
  public async noteParked(flow: string, parkId: string, sourceIds: readonly string[]): Promise<void> {
    const now = this.now();
    const at = now.toISOString();
    // Gone with the audit rows it stands for; a newer park overwrites it anyway.
    const expiresAt = Math.floor(now.getTime() / 1000) + this.options.auditRetentionDays * 86_400;
    await this.batchWrite(
      'BatchWriteItem park notices',
      [...new Set(sourceIds)].map((sourceId) => ({ ...key.parkNotice(flow, sourceId), flow, sourceId, park: parkId, at, expiresAt })),
    );
  }

  // --- plumbing --------------------------------------------------------------------------------

  /** Consistent BatchGetItem in chunks of 100, retrying unprocessed keys with backoff. */
  private async batchGet(operation: string, allKeys: ReadonlyArray<Record<string, unknown>>): Promise<Array<Record<string, unknown>>> {
    const found: Array<Record<string, unknown>> = [];
    for (let i = 0; i < allKeys.length; i += BATCH_GET_MAX) {
      let keys: Array<Record<string, unknown>> | undefined = allKeys.slice(i, i + BATCH_GET_MAX);
      for (let round = 0; keys && keys.length > 0; round += 1) {
        if (round > MAX_UNPROCESSED_ROUNDS) throw this.throttled(operation);
        if (round > 0) await this.sleep(50 * 2 ** round);
        const pending = keys;
        const result = await this.call(operation, () =>
          this.doc.send(new BatchGetCommand({ RequestItems: { [this.options.tableName]: { Keys: pending, ConsistentRead: true } } })),
        );
        found.push(...(result.Responses?.[this.options.tableName] ?? []));
        keys = result.UnprocessedKeys?.[this.options.tableName]?.Keys as Array<Record<string, unknown>> | undefined;
      }
    }
    return found;
  }

  private async batchWrite(operation: string, items: ReadonlyArray<Record<string, unknown>>): Promise<void> {
    for (let i = 0; i < items.length; i += BATCH_WRITE_MAX) {
      let requests: Array<Record<string, unknown>> | undefined = items
        .slice(i, i + BATCH_WRITE_MAX)
        .map((item) => ({ PutRequest: { Item: item } }));
      for (let round = 0; requests && requests.length > 0; round += 1) {
        if (round > MAX_UNPROCESSED_ROUNDS) throw this.throttled(operation);
        if (round > 0) await this.sleep(50 * 2 ** round);
        const pending = requests;
        const result = await this.call(operation, () =>
          this.doc.send(new BatchWriteCommand({ RequestItems: { [this.options.tableName]: pending as never } })),
        );
        requests = result.UnprocessedItems?.[this.options.tableName] as Array<Record<string, unknown>> | undefined;
      }
    }
  }

  private throttled(operation: string): ExternalSystemError {
    return new ExternalSystemError('DynamoDB left items unprocessed after repeated retries', {
      system: 'dynamodb',
      operation,
      kind: ErrorKind.Retryable,
    });
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (isConditionFailure(error)) throw error;
      const name = (error as Error).name;
      const retryable = /Throughput|Throttl|InternalServer|ServiceUnavailable|RequestLimit|TimeoutError|ECONN/.test(
        `${name} ${(error as Error).message}`,
      );
      throw new ExternalSystemError(`${name}: ${(error as Error).message}`, {
        system: 'dynamodb',
        operation: `${operation} on ${this.options.tableName}`,
        kind: retryable ? ErrorKind.Retryable : ErrorKind.Misconfigured,
        cause: error,
      });
    }
  }
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as Error | undefined)?.name === 'ConditionalCheckFailedException';
}

export function recordStateKey(ref: { flow: string; sourceId: string; object: string }): string {
  return `${ref.flow}#${ref.sourceId}#${ref.object}`;
}

function toCredentialsPark(target: string, item: Record<string, unknown>): CredentialsPark {
  return { target, secretName: item.secretName as string, since: item.since as string, probeAt: item.probeAt as string };
}

function toRunSummary(flow: string, item: Record<string, unknown>): RunSummary {
  const { pk: _pk, sk, ...rest } = item;
  return { ...(rest as Partial<RunSummary>), flow, runId: sk as string } as RunSummary;
}

export type { AuditEvent };
