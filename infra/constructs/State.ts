import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { stateTableDefinition } from '../../shared/state/tableDefinition';
import type { ConnectorFunction } from './ConnectorFunction';

export interface StateProps {
  /** Name of the table (the local runtime uses the same one, from `resourceNames`). */
  readonly tableName: string;
  /** Alias of the customer-managed key, e.g. `alias/ml-connector/acme`. */
  readonly keyAlias: string;
}

/** The DynamoDB actions the pipeline uses: cursors, record state, audit rows, run summaries. */
const TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:DescribeTable',
] as const;

/** What a principal needs of the key to read and write data it protects through AWS services. */
export const KEY_DATA_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] as const;

/**
 * The customer-managed KMS key (rotation on) that encrypts everything at rest, and the single
 * state table: cursors, record state, audit rows (expired by TTL), run summaries, token cache.
 * Both are retained when the stack is deleted: the audit trail and the cursors outlive a teardown.
 */
export class State extends Construct {
  public readonly key: Key;
  public readonly table: Table;

  public constructor(scope: Construct, id: string, props: StateProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: `ml-connector: encrypts the state table, queues, secrets and alert topic (${props.tableName})`,
      enableKeyRotation: true,
      alias: props.keyAlias,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table = new Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: stateTableDefinition.partitionKey, type: AttributeType.STRING },
      sortKey: { name: stateTableDefinition.sortKey, type: AttributeType.STRING },
      timeToLiveAttribute: stateTableDefinition.timeToLiveAttribute,
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Lets a function read and write the table (no scans, no deletes) and sets `TABLE_NAME`, and
   * `TOKEN_KEY_ARN`: shared OAuth tokens in the table are sealed with the key (kms:Encrypt /
   * kms:Decrypt, granted with the key's data use below).
   */
  public bindTo(fn: ConnectorFunction): void {
    fn.addEnvironment('TABLE_NAME', this.table.tableName);
    fn.addEnvironment('TOKEN_KEY_ARN', this.key.keyArn);
    fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: [...TABLE_ACTIONS], resources: [this.table.tableArn] }));
    this.grantKeyUse(fn);
  }

  /** Data-key use of the customer-managed key (the table, queues and secrets are encrypted with it). */
  public grantKeyUse(fn: ConnectorFunction): void {
    fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: [...KEY_DATA_ACTIONS], resources: [this.key.keyArn] }));
  }
}
