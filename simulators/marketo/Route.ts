/** A REST call as a route handler sees it. */
export interface RestCall {
  /** Query parameters (plus form body parameters for a `_method=GET` override). */
  readonly params: URLSearchParams;
  /** Parsed JSON body of a POST; empty for a GET. */
  readonly body: Readonly<Record<string, unknown>>;
}

/** What a successful call puts in the envelope besides `requestId` and `success`. */
export interface RestResult {
  readonly result: readonly unknown[];
  readonly moreResult?: boolean;
  readonly nextPageToken?: string;
}

/** Implements one endpoint; throws `ResponseLevelError` to fail the whole call. */
export type RestHandler = (call: RestCall) => RestResult;

/** The methods one path answers. */
export type RouteMethods = Partial<Record<'GET' | 'POST', RestHandler>>;

/** Path (exact, e.g. `/rest/v1/leads.json`) to its methods. */
export type RouteTable = ReadonlyMap<string, RouteMethods>;
