import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { peopleSoftSystems } from '../config/peopleSoftSystemOf';
import type { PeopleSoftConfig, PeopleSoftEntityConfig, PeopleSoftSystemConfig, QueryTimestampFormat } from '../config/schema';
import type { PingCheck } from '../connectors/TargetConnector';
import { ConfigError, ErrorKind, ExternalSystemError, MlConnectorError } from '../errors';
import { HostGuard, HttpClient, refusalReason, type HostPolicy, type HttpResponse } from '../http';
import {
  classifyPeopleSoftResponse,
  type PeopleSoftCallContext,
  type PeopleSoftPage,
  type PeopleSoftPrincipal,
} from './classifyPeopleSoftResponse';
import { formatQueryRange } from './formatQueryRange';
import { OAuth2TokenProvider } from './OAuth2TokenProvider';
import { probeTls } from './probeTls';
import type { SourceEvent, SourceItem } from './SourceEvent';
import { explodeRows } from './explodeRows';

/** The PeopleSoft secret's content, by auth kind. */
export type PeopleSoftCredentials =
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'oauth2'; readonly clientId: string; readonly clientSecret: string };

/** How transient failures of one request are retried. */
export interface PeopleSoftRetryOptions {
  /** Attempts per request, the first included. Default 4. */
  readonly attempts?: number;
  /** Wait before the second attempt; doubles for each further one. Default 500 ms. */
  readonly baseDelayMs?: number;
  /** Longest wait between attempts. Default 8 s. */
  readonly maxDelayMs?: number;
}

export interface PeopleSoftSourceOptions {
  readonly config: PeopleSoftConfig;
  /** The key of `config.systems` this source reads; may be omitted when there is one system. */
  readonly system?: string;
  readonly credentials: PeopleSoftCredentials;
  readonly hostPolicy: HostPolicy;
  readonly fetch?: typeof fetch;
  /** The local clock. */
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly retry?: PeopleSoftRetryOptions;
  /** DNS resolution (host → addresses). Default `dns.lookup`. */
  readonly resolveHost?: (host: string) => Promise<string[]>;
}

/** Query of one list call; omitted parts are left out of the URL. */
export interface OperationUrlParams {
  readonly since?: Date;
  readonly until?: Date;
  readonly page?: number;
  readonly pageSize?: number;
  /** How `since` / `until` are written; the entity's `timestamp.queryFormat` by default. */
  readonly queryFormat?: QueryTimestampFormat;
}

/** A half-open range of last-update times: from <= LASTUPDDTTM < to. */
export interface ReadRange {
  readonly from: Date;
  readonly to: Date;
}

interface PageCall {
  readonly page: PeopleSoftPage;
  readonly response: HttpResponse;
}

const SYSTEM = 'peoplesoft';
const MIN_SPLIT_MS = 1000;
const QUERY_FORMATS: readonly QueryTimestampFormat[] = ['local', 'peoplesoft', 'iso'];
// Ping's date-range query: a real range, short enough to cost the operation little.
const PING_RANGE_MS = 3_600_000;
// A window whose row count changes while it is paged is re-read from page 1; after this many
// tries the read gives up (retryable) rather than risk skipping a row that shifted pages.
const MAX_WINDOW_RESTARTS = 3;
const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const defaultResolve = async (host: string): Promise<string[]> =>
  (await lookup(host, { all: true })).map((entry) => entry.address);

/**
 * Reads entities from PeopleSoft's REST listening connector through the customer-built list
 * operations declared in `peoplesoft.entities`: window by last-update range, page, validate
 * each row and derive its lifecycle. Every request goes through the host-guarded `HttpClient`.
 */
export class PeopleSoftSource {
  /** The source system named in envelopes and audit rows. */
  public readonly system = 'peoplesoft';
  /** The key of `peoplesoft.systems` this source reads (`hcm`, `financials`, ...). */
  public readonly systemName: string;
  private readonly config: PeopleSoftConfig;
  /** The installation this source reads: base URL, node, credentials, time zone. */
  private readonly settings: PeopleSoftSystemConfig;
  private readonly basicAuthorization: string | undefined;
  private readonly hostPolicy: HostPolicy;
  private readonly http: HttpClient;
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly resolveHost: (host: string) => Promise<string[]>;
  private readonly retry: Required<PeopleSoftRetryOptions>;
  private readonly tokens: OAuth2TokenProvider | undefined;
  private readonly principal: PeopleSoftPrincipal;
  private readonly baseUrl: string;

  public constructor(options: PeopleSoftSourceOptions) {
    const { config, credentials } = options;
    const names = Object.keys(config.systems);
    const name = options.system ?? (names.length === 1 ? names[0]! : undefined);
    const settings = peopleSoftSystems(config).find((system) => system.name === name);
    if (!settings) {
      throw new ConfigError('peoplesoft', [
        { field: 'peoplesoft.systems', message: `has no system ${name === undefined ? '(none chosen)' : `"${name}"`} (known: ${names.join(', ')})` },
      ]);
    }
    if (settings.auth.kind !== credentials.kind) {
      throw new ConfigError('peoplesoft', [
        { field: `${settings.field}.auth.kind`, message: `is ${settings.auth.kind} but the secret holds ${credentials.kind} credentials` },
      ]);
    }
    this.config = config;
    this.settings = settings;
    this.systemName = settings.name;
    this.basicAuthorization =
      credentials.kind === 'basic'
        ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`
        : undefined;
    this.hostPolicy = options.hostPolicy;
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? defaultSleep;
    this.resolveHost = options.resolveHost ?? defaultResolve;
    this.retry = {
      attempts: Math.max(1, options.retry?.attempts ?? 4),
      baseDelayMs: options.retry?.baseDelayMs ?? 500,
      maxDelayMs: options.retry?.maxDelayMs ?? 8000,
    };
    this.http = new HttpClient({
      system: SYSTEM,
      guard: new HostGuard(options.hostPolicy, this.resolveHost),
      timeoutMs: settings.requestTimeoutMs,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    this.baseUrl = settings.baseUrl.replace(/\/+$/, '');
    if (credentials.kind === 'oauth2' && settings.auth.kind === 'oauth2') {
      this.tokens = new OAuth2TokenProvider({
        http: this.http,
        tokenUrl: settings.auth.tokenUrl,
        clientId: credentials.clientId,
        clientSecret: credentials.clientSecret,
        ...(settings.auth.scope ? { scope: settings.auth.scope } : {}),
        now: this.now,
      });
      this.principal = { kind: 'oauth2', clientId: credentials.clientId };
    } else {
      this.principal = { kind: 'basic', oprid: credentials.kind === 'basic' ? credentials.username : '' };
    }
  }

  /** The time zone of this source's database (its wall-clock columns hold time in it). */
  public get timeZone(): string {
    return this.settings.timeZone;
  }

  /** The entities this source's system serves. */
  public get entities(): string[] {
    return Object.keys(this.config.entities).filter((name) => this.config.entities[name]!.system === this.settings.name);
  }

  /**
   * `{baseUrl}/PSIGW/RESTListeningConnector/{node}/{operation}.v{version}` with the entity's query
   * parameter names, the date range written in its `timestamp.queryFormat` (see `formatQueryRange`).
   */
  public operationUrl(entity: string, params: OperationUrlParams = {}): URL {
    const declared = this.entity(entity);
    const node = encodeURIComponent(this.settings.node);
    const operation = `${encodeURIComponent(declared.operation)}.v${declared.version}`;
    const url = new URL(`${this.baseUrl}/PSIGW/RESTListeningConnector/${node}/${operation}`);
    const range = formatQueryRange(params.since, params.until, params.queryFormat ?? declared.timestamp.queryFormat, this.settings.timeZone);
    if (range.since !== undefined) url.searchParams.set(declared.params.since, range.since);
    if (range.until !== undefined) url.searchParams.set(declared.params.until, range.until);
    if (params.page !== undefined) url.searchParams.set(declared.params.page, String(params.page));
    if (params.pageSize !== undefined) url.searchParams.set(declared.params.pageSize, String(params.pageSize));
    return url;
  }

  /**
   * PeopleSoft's clock, read from the `Date` header of a one-row call over the last second, so
   * a poller can stop `lagSeconds` before the source's "now" even when the clocks disagree.
   * Falls back to the local clock when the header is missing or unreadable.
   */
  public async sourceNow(entity: string): Promise<Date> {
    const declared = this.entity(entity);
    const local = this.now();
    const url = this.operationUrl(entity, { since: new Date(local.getTime() - 1000), until: local, page: 1, pageSize: 1 });
    const { response } = await this.callPage(entity, declared, url, this.retry.attempts);
    const header = response.headers.get('date');
    const source = header ? Date.parse(header) : Number.NaN;
    return Number.isNaN(source) ? local : new Date(source);
  }

  /**
   * Streams the rows with `range.from <= last update < range.to`, page by page, without holding
   * the result. A window whose row count (`countPath`) exceeds `maxRowsPerWindow` is split in
   * halves until it fits or is one second long; after the last page of each window a
   * `window-complete` event carries its end. Transient failures of a page are retried with
   * backoff before the error is thrown.
   *
   * Offset paging skips a row when an earlier one leaves the window between two pages (it was
   * updated, so it sorts later now). When the window's row count changes between pages, the
   * window is read again from page 1; the rows read twice are harmless (writes are upserts).
   * An operation without a row count (`countPath: null`) cannot show that change, so its windows
   * are read by seeking past the last stamp read instead of by page number.
   *
   * Pages carry `readThrough` while the rows arrive sorted by their last-update stamp, as the
   * operation contract asks (docs/peoplesoft-setup.md): a poller out of time resumes there
   * instead of re-reading the whole window. Without that order no resume point is offered.
   */
  public async *read(entity: string, range: ReadRange): AsyncGenerator<SourceEvent> {
    const declared = this.entity(entity);
    let from = range.from.getTime();
    let to = range.to.getTime();
    if (Number.isNaN(from) || Number.isNaN(to) || from > to) {
      throw new RangeError(`read(${entity}): invalid range ${String(range.from)} .. ${String(range.to)}`);
    }
    if (declared.timestamp.queryFormat !== 'iso') {
      // Wall-clock parameters carry whole seconds: start at or before `from`, end at or before
      // `to` (the rest of the last second is the next window's), so the rows asked for are the
      // rows of the range.
      from = Math.floor(from / 1000) * 1000;
      to = Math.floor(to / 1000) * 1000;
    }
    if (from >= to) return;
    yield* this.readWindow(entity, declared, from, to);
  }

  /**
   * Checks, in order: DNS resolution of the host (and that the network policy allows its
   * addresses), TLS for https, the credentials, and each entity's service operation. Each
   * failure is one line saying what to fix; checks that cannot run after a failure say so.
   * Never throws.
   */
  public async ping(): Promise<PingCheck[]> {
    try {
      return await this.runChecks();
    } catch (error) {
      return [{ name: 'ping', ok: false, detail: `the checks could not run: ${describe(error, this.settings.field)}` }];
    }
  }

  private async runChecks(): Promise<PingCheck[]> {
    const checks: PingCheck[] = [];
    const base = new URL(this.baseUrl);
    const host = base.hostname.replace(/^\[|\]$/g, '');
    const entities = this.entities;
    const tlsPending = (): boolean => base.protocol === 'https:' && !checks.some((check) => check.name === 'TLS');
    const skipEntities = (reason: string): PingCheck[] =>
      entities.map((entity) => ({ name: this.entityCheckName(entity), ok: false, detail: reason }));
    const skipAll = (reason: string): PingCheck[] => [
      ...checks,
      ...(tlsPending() ? [{ name: 'TLS', ok: false, detail: reason }] : []),
      { name: 'credentials', ok: false, detail: reason },
      ...skipEntities(reason),
    ];

    const dns = await this.checkDns(host);
    checks.push(dns);
    if (!dns.ok) return skipAll(`not checked: ${host} cannot be reached (see DNS)`);

    if (base.protocol === 'https:') {
      const tls = await probeTls({ host, port: Number(base.port || 443), timeoutMs: this.settings.requestTimeoutMs });
      checks.push({ name: 'TLS', ...tls });
      if (!tls.ok) return skipAll('not checked: no trusted TLS connection (see TLS)');
    }

    if (this.tokens) {
      try {
        await this.tokens.token();
      } catch (error) {
        checks.push({ name: 'credentials', ok: false, detail: describe(error, this.settings.field) });
        return [...checks, ...skipEntities('not checked: no access token (see credentials)')];
      }
    }

    const results = await Promise.all(entities.map(async (entity) => ({ entity, error: await this.pingQuery(entity) })));
    checks.push(this.credentialsCheck(results.map((result) => result.error)));
    const rejected = results.some((result) => statusOf(result.error) === 401);
    for (const { entity, error } of results) {
      const declared = this.entity(entity);
      const name = this.entityCheckName(entity);
      if (error === undefined) {
        checks.push({
          name,
          ok: true,
          detail: `${declared.operation}.v${declared.version} answers a date-range query (${declared.timestamp.queryFormat} timestamps) on node ${this.settings.node}`,
        });
      } else if (rejected && statusOf(error) === 401) {
        checks.push({ name, ok: false, detail: 'not checked: credentials rejected (see credentials)' });
      } else {
        checks.push({ name, ok: false, detail: await this.refusedQueryDetail(entity, declared, error) });
      }
    }
    return checks;
  }

  /** One real date-range query of the last hour, in the entity's query form; the error, if any. */
  private async pingQuery(entity: string, queryFormat?: QueryTimestampFormat): Promise<unknown> {
    const local = this.now();
    const url = this.operationUrl(entity, {
      since: new Date(local.getTime() - PING_RANGE_MS),
      until: local,
      page: 1,
      pageSize: 1,
      ...(queryFormat ? { queryFormat } : {}),
    });
    try {
      await this.callPage(entity, this.entity(entity), url, 1);
      return undefined;
    } catch (error) {
      return error;
    }
  }

  /**
   * Why a ping query failed. An operation that fails on the configured timestamp form (an IB
   * 500 from its handler, or a 400) is asked again in the other forms: the one it answers is the
   * value to configure.
   */
  private async refusedQueryDetail(entity: string, declared: PeopleSoftEntityConfig, error: unknown): Promise<string> {
    const detail = describe(error, this.settings.field);
    const status = statusOf(error);
    const misconfiguredOperation =
      error instanceof ExternalSystemError && error.kind === ErrorKind.Misconfigured && status !== 400 && !isQueryRefusal(error);
    if (status === undefined || status === 401 || status === 403 || status === 404 || misconfiguredOperation) return detail;
    const field = `peoplesoft.entities.${entity}.timestamp.queryFormat`;
    const configured = declared.timestamp.queryFormat;
    for (const other of QUERY_FORMATS.filter((format) => format !== configured)) {
      if ((await this.pingQuery(entity, other)) === undefined) {
        return `${detail} — the operation refuses ${configured} date-range parameters (${this.sampleParameter(configured)}) but answers ${other} ones (${this.sampleParameter(other)}): set ${field} to ${other}`;
      }
    }
    return `${detail} — if the operation expects its date-range parameters in another form, set ${field} (iso, local or peoplesoft)`;
  }

  private sampleParameter(format: QueryTimestampFormat): string {
    return formatQueryRange(this.now(), undefined, format, this.settings.timeZone).since!;
  }

  private entityCheckName(entity: string): string {
    const declared = this.config.entities[entity]!;
    return `operation ${entity} (${declared.operation}.v${declared.version})`;
  }

  private credentialsCheck(errors: readonly unknown[]): PingCheck {
    const who = this.principal.kind === 'basic' ? `OPRID ${this.principal.oprid}` : `OAuth2 client ${this.principal.clientId}`;
    const refused = errors.find((error) => statusOf(error) === 401);
    if (refused !== undefined) return { name: 'credentials', ok: false, detail: describe(refused) };
    const answered = errors.filter((error) => error === undefined || statusOf(error) !== undefined);
    if (answered.length > 0) {
      return { name: 'credentials', ok: true, detail: `${who} accepted${this.tokens ? ' (token issued)' : ''}` };
    }
    if (errors.length === 0) {
      return { name: 'credentials', ok: false, detail: 'not checked: no entity is configured under peoplesoft.entities to call' };
    }
    return { name: 'credentials', ok: false, detail: `not checked: ${describe(errors[0])}` };
  }

  private async checkDns(host: string): Promise<PingCheck> {
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : await this.resolveHost(host);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return {
        name: 'DNS',
        ok: false,
        detail:
          code === 'EAI_AGAIN'
            ? `DNS lookup of ${host} timed out: retry; if it persists, check the DNS resolver of the connector's network`
            : `${host} does not resolve${typeof code === 'string' ? ` (${code})` : ''}: check the host in ${this.settings.field}.baseUrl (private names need the VPN's DNS)`,
      };
    }
    for (const address of addresses) {
      const reason = refusalReason(address, this.hostPolicy);
      if (reason) {
        const what = isIP(host) ? host : `${host} resolves to ${address}, which`;
        return { name: 'DNS', ok: false, detail: `${what} is refused: ${reason}` };
      }
    }
    return { name: 'DNS', ok: true, detail: isIP(host) ? `${host} is an IP address` : `${host} resolves to ${addresses.join(', ')}` };
  }

  private entity(name: string): PeopleSoftEntityConfig {
    const found = Object.hasOwn(this.config.entities, name) ? this.config.entities[name] : undefined;
    const declared = found?.system === this.settings.name ? found : undefined;
    if (!declared) {
      const known = this.entities.join(', ') || '(none)';
      throw new ConfigError('peoplesoft', [{ field: `peoplesoft.entities.${name}`, message: `is not declared (declared: ${known})` }]);
    }
    return declared;
  }

  /**
   * Reads one window, or its halves when it is crowded. `probe` is set for the halves of a
   * crowded window: they are likely crowded too, so their row count is read with a one-row
   * page first instead of a full page that would be thrown away. An operation without a row
   * count is read by seeking instead (see `readBySeeking`).
   */
  private async *readWindow(
    entity: string,
    declared: PeopleSoftEntityConfig,
    from: number,
    to: number,
    probe = false,
  ): AsyncGenerator<SourceEvent> {
    if (declared.countPath === null) {
      yield* this.readBySeeking(entity, declared, from, to);
      return;
    }
    const until = new Date(to);
    const url = (page: number, pageSize = declared.pageSize): URL =>
      this.operationUrl(entity, { since: new Date(from), until, page, pageSize });
    // A wall-clock window splits only into whole seconds, so it needs two of them.
    const splittable = declared.timestamp.queryFormat === 'iso' ? to - from > MIN_SPLIT_MS : to - from >= 2 * MIN_SPLIT_MS;
    const crowded = (total: number | undefined): boolean => total !== undefined && total > declared.maxRowsPerWindow && splittable;
    const split = async function* (this: PeopleSoftSource): AsyncGenerator<SourceEvent> {
      const half = Math.floor((to - from) / 2);
      // Halves of a wall-clock range split on a whole second, as its parameters are written.
      const middle = from + (declared.timestamp.queryFormat === 'iso' ? half : Math.floor(half / 1000) * 1000);
      yield* this.readWindow(entity, declared, from, middle, true);
      yield* this.readWindow(entity, declared, middle, to, true);
    };
    if (probe && crowded((await this.callPage(entity, declared, url(1, 1), this.retry.attempts)).page.total)) {
      yield* split.call(this);
      return;
    }
    for (let restart = 0; ; restart += 1) {
      const first = await this.callPage(entity, declared, url(1), this.retry.attempts);
      const total = first.page.total;
      if (crowded(total)) {
        yield* split.call(this);
        return;
      }

      let current = first;
      let pageNumber = 1;
      let rows = 0;
      let previousKeys: string | undefined;
      let shifted = false;
      const order = new StampOrder(from, to);
      for (;;) {
        const { page } = current;
        if (total !== undefined && page.total !== undefined && page.total !== total) {
          shifted = true;
          break;
        }
        const keys = pageKeys(page.records, declared.keyFields);
        if (keys === previousKeys) throw this.pageIgnored(entity, declared, pageNumber, url(pageNumber));
        previousKeys = keys;
        if (page.records.length > 0) {
          rows += page.records.length;
          const items = explodeRows(page.records, declared, this.settings.timeZone);
          // The count has not changed since page 1, so no row has left the window and shifted
          // the others: pages 1..n hold exactly the first rows of the window in its order.
          const readThrough = order.advance(items);
          const counted = total !== undefined && page.total !== undefined;
          yield { type: 'page', items, ...(readThrough && counted ? { readThrough } : {}) };
        }
        const more = declared.morePath && page.more !== undefined ? page.more : page.records.length >= declared.pageSize;
        if (!more) break;
        pageNumber += 1;
        current = await this.callPage(entity, declared, url(pageNumber), this.retry.attempts);
      }
      if (!shifted) {
        yield { type: 'window-complete', until, rows };
        return;
      }
      if (restart >= MAX_WINDOW_RESTARTS) throw this.keptChanging(entity, from, to);
    }
  }

  /**
   * Reads a window of an operation that reports no row count, so offset paging could not notice
   * a row leaving the window (it was updated, so it sorts after the window now) and the rows
   * after it moving up into a page already read. Instead each request asks for the first page of
   * what is left, `[last timestamp read, to)`: rows that leave behind that point shift nothing.
   * This relies on the documented contract that rows are sorted by their last-update stamp.
   * The rows of the last stamp are asked again and dropped by key. Two fallbacks read by offset,
   * verified: the instant itself when a full page shares one stamp (seeking cannot pass it), and
   * the rest of the window when a page is not sorted by the stamp or ignores the range.
   */
  private async *readBySeeking(entity: string, declared: PeopleSoftEntityConfig, from: number, to: number): AsyncGenerator<SourceEvent> {
    const until = new Date(to);
    let cursor = from;
    let seenAtCursor = new Set<string>();
    let rows = 0;
    for (;;) {
      const url = this.operationUrl(entity, { since: new Date(cursor), until, page: 1, pageSize: declared.pageSize });
      const { page } = await this.callPage(entity, declared, url, this.retry.attempts);
      const items = explodeRows(page.records, declared, this.settings.timeZone);
      const order = new StampOrder(cursor, to);
      const readThrough = order.advance(items);
      if (!order.sorted) {
        rows += yield* this.readVerified(entity, declared, cursor, to, seenAtCursor);
        yield { type: 'window-complete', until, rows };
        return;
      }
      const fresh = items.filter((item) => !seenAtCursor.has(identityOf(item)));
      if (fresh.length > 0) {
        rows += fresh.length;
        yield { type: 'page', items: fresh, ...(readThrough && readThrough.getTime() > from ? { readThrough } : {}) };
      }
      const more = declared.morePath && page.more !== undefined ? page.more : page.records.length >= declared.pageSize;
      if (!more) {
        yield { type: 'window-complete', until, rows };
        return;
      }
      const last = order.last;
      if (last === undefined) {
        // A full page without one readable stamp: nothing to seek from.
        rows += yield* this.readVerified(entity, declared, cursor, to, seenAtCursor);
        yield { type: 'window-complete', until, rows };
        return;
      }
      const atLast = items.filter((item) => stampOf(item) === last).map(identityOf);
      if (last === cursor) {
        rows += yield* this.readVerified(entity, declared, cursor, cursor + 1, new Set([...seenAtCursor, ...atLast]));
        cursor += 1;
        seenAtCursor = new Set();
        continue;
      }
      seenAtCursor = new Set(atLast);
      cursor = last;
    }
  }

  /**
   * Reads `[from, to)` by offset in full passes until two consecutive passes return the same
   * rows, yielding each row not yielded before. A row is skipped in a pass only when a row read
   * earlier in that pass leaves the window; that row is then missing from the next pass, so two
   * equal passes prove the first of them skipped nothing. Returns the number of rows yielded.
   */
  private async *readVerified(
    entity: string,
    declared: PeopleSoftEntityConfig,
    from: number,
    to: number,
    alreadyYielded: ReadonlySet<string>,
  ): AsyncGenerator<SourceEvent, number> {
    const url = (page: number): URL =>
      this.operationUrl(entity, { since: new Date(from), until: new Date(to), page, pageSize: declared.pageSize });
    const yielded = new Set(alreadyYielded);
    let rows = 0;
    let previous: Set<string> | undefined;
    for (let pass = 1; ; pass += 1) {
      const current = new Set<string>();
      let previousKeys: string | undefined;
      for (let pageNumber = 1; ; pageNumber += 1) {
        const { page } = await this.callPage(entity, declared, url(pageNumber), this.retry.attempts);
        const keys = pageKeys(page.records, declared.keyFields);
        if (keys === previousKeys) throw this.pageIgnored(entity, declared, pageNumber, url(pageNumber));
        previousKeys = keys;
        const items = explodeRows(page.records, declared, this.settings.timeZone);
        const fresh: SourceItem[] = [];
        for (const item of items) {
          const identity = identityOf(item);
          current.add(identity);
          if (!yielded.has(identity)) {
            yielded.add(identity);
            fresh.push(item);
          }
        }
        if (fresh.length > 0) {
          rows += fresh.length;
          yield { type: 'page', items: fresh };
        }
        const more = declared.morePath && page.more !== undefined ? page.more : page.records.length >= declared.pageSize;
        if (!more) break;
      }
      if (previous && sameMembers(previous, current)) return rows;
      if (pass > MAX_WINDOW_RESTARTS) throw this.keptChanging(entity, from, to);
      previous = current;
    }
  }

  private pageIgnored(entity: string, declared: PeopleSoftEntityConfig, pageNumber: number, url: URL): ExternalSystemError {
    return new ExternalSystemError(`page ${pageNumber} repeats the keys of page ${pageNumber - 1}`, {
      system: SYSTEM,
      operation: `GET ${url.pathname}`,
      kind: ErrorKind.Misconfigured,
      hint: `the operation ignores the page parameter "${declared.params.page}": check peoplesoft.entities.${entity}.params against its URI template`,
    });
  }

  private keptChanging(entity: string, from: number, to: number): ExternalSystemError {
    return new ExternalSystemError(
      `the rows of ${new Date(from).toISOString()} .. ${new Date(to).toISOString()} kept changing while they were paged`,
      { system: SYSTEM, operation: `GET ${this.operationUrl(entity).pathname}`, kind: ErrorKind.Retryable },
    );
  }

  /** One list call, retried while its failure is transient. */
  private async callPage(entity: string, declared: PeopleSoftEntityConfig, url: URL, attempts: number): Promise<PageCall> {
    const operation = `GET ${url.pathname}`;
    const context: Omit<PeopleSoftCallContext, 'now'> = {
      operation,
      entity,
      serviceOperation: `${declared.operation}.v${declared.version}`,
      node: this.settings.node,
      systemField: this.settings.field,
      timestampParams: [declared.params.since, declared.params.until],
      principal: this.principal,
      recordsPath: declared.recordsPath,
      ...(declared.countPath ? { countPath: declared.countPath } : {}),
      ...(declared.morePath ? { morePath: declared.morePath } : {}),
    };
    for (let attempt = 1; ; attempt += 1) {
      try {
        const response = await this.authorizedGet(url, operation);
        const reading = classifyPeopleSoftResponse(response, { ...context, now: this.now() });
        if (!reading.ok) throw reading.error;
        return { page: reading, response };
      } catch (error) {
        const transient =
          error instanceof ExternalSystemError && (error.kind === ErrorKind.Retryable || error.kind === ErrorKind.RateLimited);
        if (!transient || attempt >= attempts) throw error;
        const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
        await this.sleep(Math.min(Math.max(backoff, error.retryAfterMs ?? 0), Math.max(this.retry.maxDelayMs, 60_000)));
      }
    }
  }

  /** A GET with the configured credentials; a refused bearer token is replaced once. */
  private async authorizedGet(url: URL, operation: string): Promise<HttpResponse> {
    const send = (authorization: string): Promise<HttpResponse> =>
      this.http.send({ method: 'GET', url, operation, headers: { authorization, accept: 'application/json' } });
    if (!this.tokens) return send(this.basicAuthorization ?? '');
    const token = await this.tokens.token();
    const response = await send(`Bearer ${token}`);
    if (response.status !== 401) return response;
    this.tokens.invalidate(token);
    return send(`Bearer ${await this.tokens.token()}`);
  }
}

/**
 * Follows the last-update stamps of one ordered read of `[from, to)`. While every stamp read
 * lies in the range and none is smaller than the one before, the rows before the last stamp
 * have all been read: that stamp is where a reader may resume.
 */
class StampOrder {
  public sorted = true;
  public last: number | undefined;

  public constructor(
    private readonly from: number,
    private readonly to: number,
  ) {}

  /** Takes the next page's items; returns the instant every row before has been read, if known. */
  public advance(items: readonly SourceItem[]): Date | undefined {
    for (const item of items) {
      const stamp = stampOf(item);
      if (stamp === undefined) continue;
      if (stamp < this.from || stamp >= this.to || (this.last !== undefined && stamp < this.last)) this.sorted = false;
      this.last = stamp;
    }
    return this.sorted && this.last !== undefined ? new Date(this.last) : undefined;
  }
}

/** The last-update instant of a valid item; a rejected one may have none. */
function stampOf(item: SourceItem): number | undefined {
  return item.kind === 'record' ? Date.parse(item.updatedAt) : undefined;
}

/** What tells two reads of a row apart from two rows: the key, or the whole row when it has none. */
function identityOf(item: SourceItem): string {
  return item.id !== undefined ? `id:${item.id}` : `row:${JSON.stringify(item.record)}`;
}

function sameMembers(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((member) => b.has(member));
}

/** Identity of a page for the repeat guard: its rows' key values, in order. */
function pageKeys(records: readonly unknown[], keyFields: readonly string[]): string {
  return JSON.stringify(
    records.map((record) =>
      keyFields.map((field) => (record !== null && typeof record === 'object' ? (record as Record<string, unknown>)[field] : record)),
    ),
  );
}

function statusOf(error: unknown): number | undefined {
  return error instanceof ExternalSystemError ? error.status : undefined;
}

/** One line for a ping check: the error's message (which carries its hint), never a secret. */
function describe(error: unknown, systemField = 'peoplesoft'): string {
  if (error instanceof ExternalSystemError && error.status === undefined && error.kind === ErrorKind.Retryable) {
    return `${error.message} — check the host and port in ${systemField}.baseUrl and that the firewall lets the connector's IP in`;
  }
  if (error instanceof MlConnectorError) return error.message;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Whether the error is a handler's refusal of the request's parameters (not of the operation). */
function isQueryRefusal(error: ExternalSystemError): boolean {
  return /queryFormat|params/.test(error.hint ?? '');
}
