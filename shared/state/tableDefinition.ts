/**
 * The state table's key schema, shared by the CDK stack and the local runtime so both build the
 * same table: a string partition key `pk`, a string sort key `sk`, and TTL on `expiresAt`.
 */
export const stateTableDefinition = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
} as const;
