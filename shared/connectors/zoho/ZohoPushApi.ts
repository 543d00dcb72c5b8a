/** One Zoho API call as the push hooks ask the connector to make it (see `ZohoConnector`). */
export interface ZohoPushCall {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path under `/crm/{version}`, e.g. `/actions/watch`. */
  readonly path: string;
  readonly query?: URLSearchParams;
  readonly body?: unknown;
  /** Credits it costs (1 for everything the push hooks call). */
  readonly cost: number;
  readonly heavy: boolean;
}

/**
 * What the push hooks (watch channel, fetch by id, changed records) need of the connector: its
 * API version, one call through its shared token, limiter and credit ledger, the field names of
 * a module, and its clock.
 */
export interface ZohoPushApi {
  readonly apiVersion: () => string;
  readonly call: (stat: string, call: ZohoPushCall) => Promise<Record<string, unknown> | undefined>;
  readonly fieldNames: (module: string) => Promise<readonly string[]>;
  readonly now: () => Date;
}
