import { ErrorKind, ExternalSystemError, MlConnectorError } from '../../errors';
import { HostGuard, HttpClient, type HostPolicy } from '../../http';
import { inProcessLimiters, type CallLimiter, type LimiterFactory } from '../../limits';
import {
  ItemOutcome,
  TargetAction,
  type ConnectorStats,
  type ItemResult,
  type PingCheck,
  type StoredTargetRecord,
  type TargetConnector,
  type TargetDeclaration,
  type TargetItem,
} from '../TargetConnector';
import { CallTally } from '../CallTally';
import { balanceJournal } from './balanceJournal';
import { buildSoapRequest } from './buildSoapRequest';
import { classifyCiAnswer } from './classifyCiAnswer';
import { peoplesoftCiDeclaration } from './peoplesoftCiDeclaration';
import { peoplesoftCiLimits } from './peoplesoftCiLimits';
import type { PeopleSoftCiSettings } from './peoplesoftCiSettingsSchema';
import type { XmlTreeElement } from './readXmlTree';

/** The OPRID the services run as, and its password. */
export interface PeopleSoftCiCredentials {
  readonly userId: string;
  readonly password: string;
}

/** What a `PeopleSoftCiConnector` is built from; `fetch`, `now` and `sleep` default to the real ones. */
export interface PeopleSoftCiConnectorOptions {
  readonly settings: PeopleSoftCiSettings;
  readonly credentials: PeopleSoftCiCredentials;
  readonly hostPolicy: HostPolicy;
  readonly limiters?: LimiterFactory;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A component-interface method exposed as a service operation. */
type CiMethod = 'create' | 'get' | 'find' | 'update';

/** A CI buffer read from an answer: fields as text, collections as lists of rows. */
type CiBuffer = Record<string, unknown>;

/** What one call came to, short of a whole-call failure (which is thrown). */
type CallOutcome =
  | { readonly kind: 'ok'; readonly response: XmlTreeElement }
  | { readonly kind: 'refused'; readonly code?: string; readonly message: string }
  /** `landed-unknown`: no answer from PeopleSoft itself (a timeout, a dropped connection, a proxy's page). */
  | { readonly kind: 'transient'; readonly message: string; readonly landedUnknown: boolean };

/** A record looked up by its origin marker. */
type Lookup =
  | { readonly kind: 'found'; readonly keys: CiBuffer }
  | { readonly kind: 'none' }
  | { readonly kind: 'refused'; readonly code?: string; readonly message: string }
  | { readonly kind: 'transient'; readonly message: string };

interface ObjectSettings {
  readonly componentInterface: string;
  readonly create?: string | undefined;
  readonly get?: string | undefined;
  readonly find?: string | undefined;
  readonly update?: string | undefined;
  readonly version: string;
  readonly originField: string;
  readonly keys: readonly string[];
}

const SYSTEM = 'peoplesoft-ci';
const LISTENER = '/PSIGW/PeopleSoftServiceListeningConnector';
const METHOD_ELEMENT: Readonly<Record<CiMethod, string>> = { create: 'Create', get: 'Get', find: 'Find', update: 'Updatedata' };
const METHOD_SUFFIX: Readonly<Record<CiMethod, string>> = { create: 'C', get: 'G', find: 'F', update: 'UD' };
/** A value no record carries as its origin or key: what `ping` looks for. */
const IMPOSSIBLE = 'ML~PING~NONE';
/** Find matches character fields by prefix; this many candidates without the origin field are checked with Get. */
const MAX_UNVERIFIED_CANDIDATES = 5;
/** A refused Find or Get that only says nothing matched. */
const NOTHING_MATCHED = /no (matching (values|rows)|rows exist)/i;

function listenerUrl(settings: PeopleSoftCiSettings): string {
  const base = (settings.baseUrl ?? '').replace(/\/+$/, '').replace(/\/PSIGW(\/PeopleSoftServiceListeningConnector(\/[A-Za-z0-9_]+)?)?$/, '');
  return `${base}${LISTENER}/${settings.node}`;
}

/** The leaf children of an element as fields, and the children with children as collection rows. */
function bufferOf(element: XmlTreeElement): CiBuffer {
  const buffer: CiBuffer = {};
  for (const child of element.children) {
    if (child.children.length === 0) buffer[child.local] = child.text;
    else buffer[child.local] = [...((buffer[child.local] as CiBuffer[] | undefined) ?? []), bufferOf(child)];
  }
  return buffer;
}

function comparable(value: unknown): string {
  const text = String(value ?? '').trim();
  return /^-?\d+(\.\d+)?$/.test(text) ? String(Number(text)) : text.toLowerCase();
}

/** Whether what was sent is what PeopleSoft now holds (numbers compared as numbers, rows in order). */
function holds(sent: Readonly<Record<string, unknown>>, stored: Readonly<Record<string, unknown>>): boolean {
  return Object.entries(sent).every(([field, value]) => {
    const have = stored[field];
    if (Array.isArray(value)) {
      const rows = Array.isArray(have) ? have : [];
      return rows.length === value.length && value.every((row, index) => holds(row as Record<string, unknown>, rows[index] as Record<string, unknown>));
    }
    return comparable(value) === comparable(have);
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * PeopleSoft as a target, through component-interface SOAP services on the service listening
 * connector (`/PSIGW/PeopleSoftServiceListeningConnector/<NODE>`): purchase orders and GL journal
 * entries, one record per call, several calls in parallel under the configured in-flight limit.
 *
 * Every write starts from the record's origin marker: Find by it, then UpdateData the record
 * found, or Create one. So a record is never created twice, however often it is sent. A write
 * whose answer never came (a timeout, a dropped connection) is not sent again blindly: the
 * record is looked up again and reported created or updated if the write landed, retried
 * otherwise. A validation fault rejects the record with PeopleSoft's message; a server fault
 * retries it. Journal entries are checked to balance before anything is sent.
 */
export class PeopleSoftCiConnector implements TargetConnector {
  public readonly declaration: TargetDeclaration = peoplesoftCiDeclaration;
  private readonly settings: PeopleSoftCiSettings;
  private readonly credentials: PeopleSoftCiCredentials;
  private readonly endpoint: string;
  private readonly http: HttpClient;
  private readonly limiter: CallLimiter;
  private readonly tally = new CallTally();

  public constructor(options: PeopleSoftCiConnectorOptions) {
    const { settings } = options;
    this.settings = settings;
    this.credentials = options.credentials;
    this.endpoint = listenerUrl(settings);
    this.http = new HttpClient({
      system: SYSTEM,
      guard: new HostGuard(options.hostPolicy),
      timeoutMs: settings.requestTimeoutMs,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    const now = options.now ?? (() => new Date());
    const limiters = options.limiters ?? inProcessLimiters({ now: () => now().getTime(), ...(options.sleep ? { sleep: options.sleep } : {}) });
    this.limiter = limiters({
      target: SYSTEM,
      account: this.endpoint,
      limits: { windows: [], inFlight: settings.inFlight },
      leaseMs: settings.requestTimeoutMs + peoplesoftCiLimits.leaseMarginMs,
    });
  }

  public async write(object: string, action: TargetAction, items: readonly TargetItem[]): Promise<ItemResult[]> {
    const operation = `write ${object}:${action}`;
    this.assertObject(object, operation);
    if (action !== TargetAction.Upsert) throw this.misconfigured(operation, `action ${JSON.stringify(action)} is not supported on ${object}: PeopleSoft records are only created and updated`);
    if (items.length > peoplesoftCiDeclaration.maxBatch) throw this.misconfigured(operation, `${items.length} items in one write; at most ${peoplesoftCiDeclaration.maxBatch}`);
    const settled = await Promise.allSettled(items.map((item) => this.upsert(object, item)));
    // A refused credential or a missing operation fails every record alike: the whole call says so.
    const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) throw failure.reason;
    return settled.map((result) => (result as PromiseFulfilledResult<ItemResult>).value);
  }

  public async readBack(object: string, keys: readonly string[]): Promise<StoredTargetRecord[]> {
    this.assertObject(object, `readBack ${object}`);
    const found = await Promise.all(
      keys.map(async (key): Promise<StoredTargetRecord | undefined> => {
        const lookup = await this.findByOrigin(object, key);
        if (lookup.kind === 'transient') throw new ExternalSystemError(lookup.message, { system: SYSTEM, operation: this.action(object, 'find'), kind: ErrorKind.Retryable });
        if (lookup.kind !== 'found') return undefined;
        const stored = await this.getBuffer(object, lookup.keys);
        if (stored.kind === 'transient') throw new ExternalSystemError(stored.message, { system: SYSTEM, operation: this.action(object, 'get'), kind: ErrorKind.Retryable });
        if (stored.kind !== 'ok') return undefined;
        return { key, targetId: this.targetIdOf(object, lookup.keys), fields: this.fieldsOf(object, stored.buffer, key) };
      }),
    );
    return found.filter((record): record is StoredTargetRecord => record !== undefined);
  }

  /**
   * One harmless call per configured operation: Find, Get and UpdateData with a key no record
   * has (PeopleSoft answers "nothing matches", which proves the operation runs under these
   * credentials), and for Create, which has no harmless call, the service's WSDL must list it.
   */
  public async ping(): Promise<PingCheck[]> {
    const checks: PingCheck[] = [];
    let refused: string | undefined;
    for (const object of Object.keys(peoplesoftCiDeclaration.objects)) {
      const ci = this.objectSettings(object);
      for (const method of ['find', 'get', 'update', 'create'] as const) {
        const name = `peoplesoft-ci: ${object} ${METHOD_ELEMENT[method]} (${this.action(object, method)})`;
        if (refused) {
          checks.push({ name, ok: false, detail: `not attempted: ${refused}` });
          continue;
        }
        try {
          checks.push({ name, ...(await this.pingOne(object, ci, method)) });
        } catch (error) {
          if (error instanceof MlConnectorError && error.kind === ErrorKind.CredentialsRefused) refused = 'the credentials were refused';
          checks.push({ name, ok: false, detail: describe(error) });
        }
      }
    }
    return checks;
  }

  public stats(): ConnectorStats {
    return this.tally.stats();
  }

  private async pingOne(object: string, ci: ObjectSettings, method: CiMethod): Promise<Omit<PingCheck, 'name'>> {
    if (method === 'create') return this.pingCreate(ci);
    const impossibleKeys = Object.fromEntries(ci.keys.map((key) => [key, /_(DATE|DT)$/.test(key) ? '1900-01-01' : IMPOSSIBLE]));
    const fields = method === 'find' ? { [ci.originField]: IMPOSSIBLE } : impossibleKeys;
    const outcome = await this.call(object, method, fields);
    if (outcome.kind === 'transient') return { ok: false, detail: `${outcome.message}: PeopleSoft's application server is not answering; try again, or check the web server and application server` };
    if (outcome.kind === 'ok') return { ok: true, detail: method === 'find' ? `answers as ${this.credentials.userId}; nothing carries an impossible origin key, as expected` : `answers as ${this.credentials.userId}` };
    if (NOTHING_MATCHED.test(outcome.message)) return { ok: true, detail: `answers as ${this.credentials.userId} (PeopleSoft: ${outcome.message})` };
    return { ok: false, detail: `PeopleSoft refused a call with an impossible key: ${outcome.message}; check that ${method === 'find' ? `${ci.originField} is a search key of ${ci.componentInterface}` : `the keys ${ci.keys.join(', ')} are the get keys of ${ci.componentInterface}`}` };
  }

  private async pingCreate(ci: ObjectSettings): Promise<Omit<PingCheck, 'name'>> {
    const operation = ci.create ?? `CI_${ci.componentInterface}_C`;
    const url = new URL(this.endpoint);
    url.search = new URLSearchParams({ Operation: 'GetWSDL', wsdl: `CI_${ci.componentInterface}.${ci.version}` }).toString();
    this.count(`${ci.componentInterface}:wsdl`);
    const response = await this.limiter.run(() => this.http.send({ method: 'GET', url, operation: `GetWSDL CI_${ci.componentInterface}.${ci.version}`, headers: this.authorizationHeader() }));
    if (response.status === 200 && response.text.includes(operation)) return { ok: true, detail: `${operation} is published in the WSDL of CI_${ci.componentInterface} (not called: a Create has no harmless form)` };
    return {
      ok: false,
      detail: `the WSDL of CI_${ci.componentInterface}.${ci.version} (HTTP ${response.status}) does not list ${operation}: generate the Create method in PeopleTools → Integration Broker → Web Services → CI-Based Services and activate it`,
    };
  }

  /** Find by origin → UpdateData, else Create; an unanswered write is looked up again. */
  private async upsert(object: string, item: TargetItem): Promise<ItemResult> {
    const ci = this.objectSettings(object);
    let payload: Record<string, unknown> = { ...item.payload };
    delete payload[peoplesoftCiDeclaration.objects[object]!.keyField];
    payload[ci.originField] = item.key;
    let note: string | undefined;
    if (object === 'journals') {
      const balanced = balanceJournal(payload, this.settings.objects.journals);
      if (!balanced.ok) return { ref: item.ref, outcome: ItemOutcome.Rejected, reason: { message: balanced.message } };
      payload = balanced.payload;
      note = balanced.offset;
    }
    const result = (outcome: ItemOutcome, extra: Omit<ItemResult, 'ref' | 'outcome'> = {}): ItemResult => ({
      ref: item.ref,
      outcome,
      ...extra,
      ...(note && (outcome === ItemOutcome.Created || outcome === ItemOutcome.Updated) ? { note } : {}),
    });

    const lookup = await this.findByOrigin(object, item.key);
    if (lookup.kind === 'transient') return result(ItemOutcome.Retry, { reason: { message: `could not look ${object} ${item.key} up: ${lookup.message}` } });
    if (lookup.kind === 'refused') return result(ItemOutcome.Rejected, { reason: { ...(lookup.code ? { code: lookup.code } : {}), message: lookup.message } });

    if (lookup.kind === 'found') {
      const targetId = this.targetIdOf(object, lookup.keys);
      const outcome = await this.call(object, 'update', { ...lookup.keys, ...payload });
      if (outcome.kind === 'refused') return result(ItemOutcome.Rejected, { targetId, reason: { ...(outcome.code ? { code: outcome.code } : {}), message: outcome.message } });
      if (outcome.kind === 'ok') {
        const notification = outcome.response.children.find((child) => child.local === 'notification')?.text ?? '';
        if (/^(1|true|y)$/i.test(notification)) return result(ItemOutcome.Updated, { targetId });
        const said = outcome.response.children.find((child) => child.local === 'detail');
        return result(ItemOutcome.Rejected, { targetId, reason: { message: `PeopleSoft did not save the update${said ? `: ${said.children.map((child) => child.text).filter(Boolean).join('; ') || said.text}` : ''}` } });
      }
      if (!outcome.landedUnknown) return result(ItemOutcome.Retry, { targetId, reason: { message: outcome.message } });
      // The update may have been saved: what PeopleSoft now holds tells.
      const stored = await this.getBuffer(object, lookup.keys);
      if (stored.kind === 'ok' && holds(payload, stored.buffer)) return result(ItemOutcome.Updated, { targetId });
      return result(ItemOutcome.Retry, { targetId, reason: { message: `${outcome.message}; the update is not in PeopleSoft, so it is sent again` } });
    }

    const created = await this.call(object, 'create', payload);
    if (created.kind === 'refused') return result(ItemOutcome.Rejected, { reason: { ...(created.code ? { code: created.code } : {}), message: created.message } });
    if (created.kind === 'ok') {
      const keys = this.keysOf(object, created.response);
      if (keys) return result(ItemOutcome.Created, { targetId: this.targetIdOf(object, keys) });
    } else if (!created.landedUnknown) {
      return result(ItemOutcome.Retry, { reason: { message: created.message } });
    }
    // The create may have been saved (or its answer named no keys): the origin marker tells.
    const again = await this.findByOrigin(object, item.key);
    if (again.kind === 'found') return result(ItemOutcome.Created, { targetId: this.targetIdOf(object, again.keys) });
    const why = created.kind === 'transient' ? created.message : 'the Create answer named no keys';
    return result(ItemOutcome.Retry, {
      reason: { message: again.kind === 'none' ? `${why}; no ${object} carries origin ${item.key}, so it is created on the retry` : `${why}; whether it was saved is unknown, it is looked up again on the retry` },
    });
  }

  /**
   * The record whose origin marker is `key`. Find matches character fields by prefix, so its
   * answers are checked for the exact value; two records with the same marker are refused (a
   * person must merge them) rather than one picked.
   */
  private async findByOrigin(object: string, key: string): Promise<Lookup> {
    const ci = this.objectSettings(object);
    const outcome = await this.call(object, 'find', { [ci.originField]: key });
    if (outcome.kind === 'transient') return { kind: 'transient', message: outcome.message };
    if (outcome.kind === 'refused') return NOTHING_MATCHED.test(outcome.message) ? { kind: 'none' } : outcome;
    const candidates = outcome.response.children.filter((child) => child.children.length > 0).map(bufferOf);
    const matches: CiBuffer[] = [];
    const unverified: CiBuffer[] = [];
    for (const candidate of candidates) {
      if (candidate[ci.originField] === undefined) unverified.push(candidate);
      else if (String(candidate[ci.originField]).trim() === key) matches.push(candidate);
    }
    for (const candidate of unverified.slice(0, MAX_UNVERIFIED_CANDIDATES)) {
      const stored = await this.getBuffer(object, candidate);
      if (stored.kind === 'transient') return { kind: 'transient', message: stored.message };
      if (stored.kind === 'ok' && String(stored.buffer[ci.originField] ?? '').trim() === key) matches.push(candidate);
    }
    if (matches.length === 0) return { kind: 'none' };
    if (matches.length > 1) {
      return { kind: 'refused', message: `${matches.length} ${object} carry origin ${key} in ${ci.originField} (${matches.map((match) => this.targetIdOf(object, match)).join(', ')}): keep one in PeopleSoft` };
    }
    return { kind: 'found', keys: Object.fromEntries(ci.keys.map((field) => [field, matches[0]![field] ?? ''])) };
  }

  private async getBuffer(object: string, keys: CiBuffer): Promise<{ kind: 'ok'; buffer: CiBuffer } | { kind: 'none' } | { kind: 'transient'; message: string }> {
    const ci = this.objectSettings(object);
    const outcome = await this.call(object, 'get', Object.fromEntries(ci.keys.map((field) => [field, keys[field] ?? ''])));
    if (outcome.kind === 'ok') return { kind: 'ok', buffer: bufferOf(outcome.response) };
    if (outcome.kind === 'transient') return { kind: 'transient', message: outcome.message };
    return { kind: 'none' };
  }

  /** The keys a Create answered with: in the element named after the CI, or directly in the answer. */
  private keysOf(object: string, response: XmlTreeElement): CiBuffer | undefined {
    const ci = this.objectSettings(object);
    const holder = response.children.find((child) => child.local === ci.componentInterface) ?? response;
    const buffer = bufferOf(holder);
    return ci.keys.every((key) => typeof buffer[key] === 'string' && buffer[key] !== '') ? Object.fromEntries(ci.keys.map((key) => [key, buffer[key]])) : undefined;
  }

  private targetIdOf(object: string, keys: CiBuffer): string {
    return this.objectSettings(object).keys.map((key) => String(keys[key] ?? '')).join('|');
  }

  /** A stored buffer in the payload's terms: the origin marker as `ORIGIN_ID`. */
  private fieldsOf(object: string, buffer: CiBuffer, key: string): Record<string, unknown> {
    const ci = this.objectSettings(object);
    const { [ci.originField]: _origin, ...rest } = buffer;
    return { ...rest, [peoplesoftCiDeclaration.objects[object]!.keyField]: key };
  }

  /** One SOAP call inside the shared budget, classified; whole-call failures are thrown. */
  private async call(object: string, method: CiMethod, fields: Readonly<Record<string, unknown>>): Promise<CallOutcome> {
    const ci = this.objectSettings(object);
    const action = this.action(object, method);
    const request = buildSoapRequest({
      soapVersion: this.settings.soapVersion,
      action,
      bodyElement: `${METHOD_ELEMENT[method]}__CompIntfc__${ci.componentInterface}`,
      fields,
      ...(this.settings.auth === 'ws-security' ? { usernameToken: this.credentials } : {}),
    });
    let response;
    try {
      response = await this.limiter.run(() => {
        this.count(`${object}:${method}`);
        return this.http.send({ method: 'POST', url: new URL(this.endpoint), headers: { ...request.headers, ...this.authorizationHeader() }, body: request.body, operation: action });
      });
    } catch (error) {
      // No answer from PeopleSoft (a timeout, a refused or dropped connection): a write may have
      // been saved or not. A network failure the client classified otherwise (DNS, TLS) is thrown.
      if (error instanceof ExternalSystemError && error.kind === ErrorKind.Retryable) return { kind: 'transient', message: error.message, landedUnknown: true };
      throw error;
    }
    const verdict = classifyCiAnswer(response, { operation: action, secretName: this.settings.secret, userId: this.credentials.userId });
    if (verdict.kind === 'error') throw verdict.error;
    if (verdict.kind === 'transient') return { kind: 'transient', message: verdict.message, landedUnknown: !verdict.soapFault };
    return verdict;
  }

  private authorizationHeader(): Record<string, string> {
    return this.settings.auth === 'basic'
      ? { authorization: `Basic ${Buffer.from(`${this.credentials.userId}:${this.credentials.password}`, 'utf8').toString('base64')}` }
      : {};
  }

  private action(object: string, method: CiMethod): string {
    const ci = this.objectSettings(object);
    return `${ci[method] ?? `CI_${ci.componentInterface}_${METHOD_SUFFIX[method]}`}.${ci.version}`;
  }

  private objectSettings(object: string): ObjectSettings {
    return this.settings.objects[object as keyof PeopleSoftCiSettings['objects']];
  }

  private count(stat: string): void {
    this.tally.call(stat);
  }

  private assertObject(object: string, operation: string): void {
    if (!peoplesoftCiDeclaration.objects[object]) {
      throw this.misconfigured(operation, `unknown object ${JSON.stringify(object)} (known: ${Object.keys(peoplesoftCiDeclaration.objects).join(', ')})`);
    }
  }

  private misconfigured(operation: string, message: string): ExternalSystemError {
    return new ExternalSystemError(message, { system: SYSTEM, operation, kind: ErrorKind.Misconfigured });
  }
}
