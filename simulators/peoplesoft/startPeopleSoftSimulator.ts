import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultScript, type PeopleSoftFault } from './FaultScript';
import { formatDate, formatTimestamp, type TimestampFormat } from './formatTimestamp';
import { companyIdAt, generateCompany, type Company } from './generateCompany';
import {
  customerKeyAt,
  generateCustomer,
  generateGlAccount,
  generatePurchaseOrder,
  generateVendor,
  glAccountKeyAt,
  indexOfKey,
  purchaseOrderKeyAt,
  vendorKeyAt,
} from './generateFinancials';
import { DEPARTMENTS, FIRST_EMPLID, generateEmployee, type Employee } from './generateEmployee';
import { ibErrorXml } from './ibErrorXml';
import { instantsOfWall, readQueryBound, wallAt, type QueryBound, type QueryFormat } from './readQueryInstant';
import { SeededTable, type TableRow } from './SeededTable';
import { zonedWallTimeToUtc } from '../../shared/time';

/** An OPRID the simulator accepts. */
export interface SimulatedUser {
  readonly password: string;
  /** Service operations its permission lists grant; every operation when omitted. */
  readonly operations?: readonly string[];
}

/** The entities the simulator serves: HCM's and Financials' (one simulator can play either system). */
export type SimulatedEntity = 'employees' | 'companies' | 'vendors' | 'customers' | 'gl-accounts' | 'purchase-orders';

/** Key fields of each entity's rows; a row's key joins their values with `|`. */
export const SIMULATED_KEY_FIELDS: Readonly<Record<SimulatedEntity, readonly string[]>> = {
  employees: ['EMPLID'],
  companies: ['COMPANY'],
  vendors: ['SETID', 'VENDOR_ID'],
  customers: ['SETID', 'CUST_ID'],
  // Effective-dated: one row per account and effective date.
  'gl-accounts': ['SETID', 'ACCOUNT', 'EFFDT'],
  'purchase-orders': ['BUSINESS_UNIT', 'PO_ID'],
};

export interface PeopleSoftSimulatorOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  /** Integration Broker node in the REST URL. Default `PSFT_HR`. */
  readonly node?: string;
  /** Seeded employees. Default 5000; 200 000 and more are served without materializing them. */
  readonly employees?: number;
  /** Seeded companies. Default 8. */
  readonly companies?: number;
  /** Seeded vendors, customers (1-3 contacts each), GL accounts (effective 2019-01-01) and purchase orders (1-4 lines). Defaults 200, 100, 60, 300. */
  readonly vendors?: number;
  readonly customers?: number;
  readonly glAccounts?: number;
  readonly purchaseOrders?: number;
  /** Same seed, same data. Default 42. */
  readonly seed?: number;
  /** OPRIDs and passwords. Default `{ ML_INTEGRATION: { password: 'sim-password' } }`. */
  readonly users?: Readonly<Record<string, SimulatedUser>>;
  /**
   * Service operation (version 1) per entity. Default `ML_EMPLOYEES_GET`, `ML_COMPANIES_GET`,
   * `ML_VENDORS_GET`, `ML_CUSTOMERS_GET`, `ML_GL_ACCOUNTS_GET`, `ML_PURCHASE_ORDERS_GET`.
   */
  readonly operations?: Readonly<Partial<Record<SimulatedEntity, string>>>;
  /** Operations that exist but are not activated: calls get IB's "not active" error. */
  readonly inactiveOperations?: readonly string[];
  /** How `LASTUPDDTTM` is written. Default `iso` (UTC). */
  readonly timestampFormat?: TimestampFormat;
  /**
   * The form of `updated_since` / `updated_before` the operations' handlers read: `iso` (an instant
   * with `Z` or an offset), `local` (`YYYY-MM-DDTHH:MM:SS`) or `peoplesoft`
   * (`YYYY-MM-DD-HH.MM.SS.ffffff`), both wall time in `timeZone` compared with the wall time of
   * `LASTUPDDTTM` as a database column would be; any other form gets Integration Broker's 500,
   * as a handler that cannot convert it fails. Default `any`: all three (and a date), with a 400
   * for anything else.
   */
  readonly queryFormat?: QueryFormat;
  /** Database time zone, used by the `peoplesoft` timestamp format and for dates. Default `UTC`. */
  readonly timeZone?: string;
  /** The simulator's clock: stamps changes and the `Date` header. Default: real time. */
  readonly now?: () => Date;
  /** Enables the IdP at `POST /idp/oauth2/token`; its bearer tokens act as `oprid`. */
  readonly oauth?: { readonly clientId: string; readonly clientSecret: string; readonly oprid: string };
}

/** One request the simulator received. `status` 0 means the connection was reset unanswered. */
export interface SimulatedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly status: number;
}

/** A running PeopleSoft simulator. Changes are stamped with its clock and a new `LASTUPDDTTM`. */
export interface PeopleSoftSimulator {
  /** `http://127.0.0.1:PORT`: the `peoplesoft.baseUrl` to configure. */
  readonly url: string;
  readonly node: string;
  readonly operations: Readonly<Record<SimulatedEntity, string>>;
  stop(): Promise<void>;
  /** Adds an employee with a new EMPLID (ACTION `HIR`, status `A`); `partial` overrides fields. */
  hire(partial?: Readonly<Record<string, unknown>>): Employee;
  /** ACTION `REH`, status `A`, no termination date. */
  rehire(emplid: string): Employee;
  /** ACTION `TER`, status `T`, TERMINATION_DT today. */
  terminate(emplid: string): Employee;
  /** ACTION `XFR` to another department. */
  transfer(emplid: string, deptid: string): Employee;
  /** ACTION `DTA` (data change) with a new job title. */
  changeTitle(emplid: string, title: string): Employee;
  /** Overrides arbitrary fields (an invalid e-mail, a missing name, even `LASTUPDDTTM`). */
  update(emplid: string, fields: Readonly<Record<string, unknown>>): Employee;
  updateCompany(companyId: string, fields: Readonly<Record<string, unknown>>): Company;
  /** A row of any entity by its key (key field values joined with `|`, e.g. `SHARE|0000000001`), as served. */
  row(entity: SimulatedEntity, key: string): Record<string, unknown> | undefined;
  /** Overrides fields of a row (stamped now); key fields cannot change. */
  updateRow(entity: SimulatedEntity, key: string, fields: Readonly<Record<string, unknown>>): Record<string, unknown>;
  /**
   * Adds a row (stamped now) whose key fields it carries: a new vendor, or a new effective-dated
   * GL account row such as `{ SETID, ACCOUNT, EFFDT: '2027-01-01', EFF_STATUS: 'I', ... }`.
   */
  addRow(entity: SimulatedEntity, row: Readonly<Record<string, unknown>>): Record<string, unknown>;
  /** Keys of the seeded rows of an entity, then the added ones; at most `limit`. */
  keys(entity: SimulatedEntity, limit?: number): string[];
  /** The employee as the operation serves it, or undefined. */
  employee(emplid: string): Employee | undefined;
  company(companyId: string): Company | undefined;
  /** EMPLIDs: seeded ones in order, then hired ones; at most `limit`. */
  employeeIds(limit?: number): string[];
  /** Every request received, in order. */
  readonly requests: readonly SimulatedRequest[];
  readonly faults: FaultScript;
  /** Invalidates every bearer token issued so far (as if the IdP rotated its keys). */
  revokeTokens(): void;
}

interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const DEFAULT_USERS: Readonly<Record<string, SimulatedUser>> = { ML_INTEGRATION: { password: 'sim-password' } };
const PERIOD_START_MS = Date.UTC(2019, 0, 1);
const PERIOD_END_MS = Date.UTC(2025, 5, 30);
const MAX_ROWS = 10_000;
const TOKEN_LIFETIME_S = 3600;
const REST_PATH = /^\/PSIGW\/RESTListeningConnector\/([^/]+)\/([^/]+?)\/?$/;
const OPERATION_SEGMENT = /^([A-Za-z0-9_]+)\.v(\d+)$/i;
const QUERY_SHAPES = { iso: 'an ISO-8601 instant with Z or an offset', local: 'YYYY-MM-DDTHH:MM:SS', peoplesoft: 'YYYY-MM-DD-HH.MM.SS.ffffff' } as const;

function wallParts(wall: string) {
  const [year, month, day, hour, minute, second, millisecond] = wall.split(/[-T:.]/).map(Number) as number[];
  return { year: year!, month: month!, day: day!, hour: hour!, minute: minute!, second: second!, millisecond: millisecond! };
}

const json = (status: number, body: unknown): Answer => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(body),
});
const xml = (status: number, body: string): Answer => ({ status, headers: { 'content-type': 'text/xml; charset=utf-8' }, body });
const html = (status: number, title: string, text: string, headers: Readonly<Record<string, string>> = {}): Answer => ({
  status,
  headers: { 'content-type': 'text/html; charset=utf-8', ...headers },
  body: `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>\n`,
});

/**
 * Starts a simulated PeopleSoft web server (PSIGW) on 127.0.0.1 that serves the customer-built
 * REST list operations the default config expects (see README.md in this folder), with
 * Integration Broker's error behaviour, Basic and bearer auth, scripted faults and a seeded,
 * deterministic population that can be large without using much memory.
 */
export async function startPeopleSoftSimulator(options: PeopleSoftSimulatorOptions = {}): Promise<PeopleSoftSimulator> {
  const node = options.node ?? 'PSFT_HR';
  const seed = options.seed ?? 42;
  const employeeCount = options.employees ?? 5000;
  const companyCount = options.companies ?? 8;
  const users = options.users ?? DEFAULT_USERS;
  const timeZone = options.timeZone ?? 'UTC';
  const format = options.timestampFormat ?? 'iso';
  const queryFormat = options.queryFormat ?? 'any';
  const now = options.now ?? (() => new Date());
  const operations: Record<SimulatedEntity, string> = {
    employees: options.operations?.employees ?? 'ML_EMPLOYEES_GET',
    companies: options.operations?.companies ?? 'ML_COMPANIES_GET',
    vendors: options.operations?.vendors ?? 'ML_VENDORS_GET',
    customers: options.operations?.customers ?? 'ML_CUSTOMERS_GET',
    'gl-accounts': options.operations?.['gl-accounts'] ?? 'ML_GL_ACCOUNTS_GET',
    'purchase-orders': options.operations?.['purchase-orders'] ?? 'ML_PURCHASE_ORDERS_GET',
  };
  const inactive = new Set(options.inactiveOperations ?? []);
  const faults = new FaultScript();
  const requests: SimulatedRequest[] = [];
  const tokens = new Map<string, { oprid: string; expiresAtMs: number }>();

  const companyIds = Array.from({ length: companyCount }, (_, index) => companyIdAt(index));
  const companies = new SeededTable({
    count: companyCount,
    periodStartMs: PERIOD_START_MS,
    periodEndMs: PERIOD_END_MS,
    keyAt: companyIdAt,
    indexOf: (key) => {
      const index = companyIds.indexOf(key);
      return index < 0 ? undefined : index;
    },
    generate: (index, updatedMs) => generateCompany(seed, index, new Date(updatedMs).toISOString()),
  });
  const employeeContext = { seed, companyIds, timeZone };
  const employees = new SeededTable({
    count: employeeCount,
    periodStartMs: PERIOD_START_MS,
    periodEndMs: PERIOD_END_MS,
    keyAt: (index) => String(FIRST_EMPLID + index),
    indexOf: (key) => (/^\d{1,15}$/.test(key) ? Number(key) - FIRST_EMPLID : undefined),
    generate: (index, updatedMs) => generateEmployee(employeeContext, index, updatedMs),
  });
  const financial = (
    count: number,
    keyAt: (index: number) => string,
    generate: (index: number, lastUpdated: string) => Record<string, unknown>,
  ): SeededTable =>
    new SeededTable({
      count,
      periodStartMs: PERIOD_START_MS,
      periodEndMs: PERIOD_END_MS,
      keyAt,
      indexOf: (key) => indexOfKey(keyAt, key, count),
      generate: (index, updatedMs) => generate(index, new Date(updatedMs).toISOString()),
    });
  const vendorCount = options.vendors ?? 200;
  const glAccountCount = options.glAccounts ?? 60;
  const tables: Record<SimulatedEntity, SeededTable> = {
    employees,
    companies,
    vendors: financial(vendorCount, vendorKeyAt, (index, at) => generateVendor(seed, index, at)),
    customers: financial(options.customers ?? 100, customerKeyAt, (index, at) => generateCustomer(seed, index, at)),
    'gl-accounts': financial(glAccountCount, glAccountKeyAt, (index, at) => generateGlAccount(seed, index, at)),
    'purchase-orders': financial(options.purchaseOrders ?? 300, purchaseOrderKeyAt, (index, at) => generatePurchaseOrder(seed, index, at, vendorCount, glAccountCount)),
  };
  const keyOf = (entity: SimulatedEntity, row: Readonly<Record<string, unknown>>): string =>
    SIMULATED_KEY_FIELDS[entity].map((field) => String(row[field] ?? '')).join('|');
  let nextHireIndex = employeeCount;

  const wire = ({ row, updatedMs }: TableRow): Record<string, unknown> => {
    // A LASTUPDDTTM set by update() is served verbatim, so tests can send unparseable ones.
    const stamped = row.LASTUPDDTTM === new Date(updatedMs).toISOString();
    return stamped ? { ...row, LASTUPDDTTM: formatTimestamp(updatedMs, format, timeZone) } : { ...row };
  };

  const change = (
    table: SeededTable,
    key: string,
    what: string,
    fields: (current: Record<string, unknown>, today: string) => Readonly<Record<string, unknown>>,
  ): Record<string, unknown> => {
    const current = table.get(key);
    if (!current) throw new Error(`PeopleSoft simulator: no ${what} ${key}`);
    const ms = now().getTime();
    const row = { ...current.row, LASTUPDDTTM: new Date(ms).toISOString(), ...fields(current.row, formatDate(ms, timeZone)) };
    table.put(key, row, ms);
    return wire({ row, updatedMs: ms });
  };
  const changeEmployee = (
    emplid: string,
    fields: (current: Record<string, unknown>, today: string) => Readonly<Record<string, unknown>>,
  ): Employee => change(employees, emplid, 'employee', (current, today) => ({ ...fields(current, today), EMPLID: emplid })) as Employee;

  const hire = (partial: Readonly<Record<string, unknown>> = {}): Employee => {
    const requested = typeof partial.EMPLID === 'string' ? partial.EMPLID : undefined;
    if (requested !== undefined && employees.get(requested)) throw new Error(`PeopleSoft simulator: EMPLID ${requested} exists`);
    const index = nextHireIndex;
    nextHireIndex += 1;
    const ms = now().getTime();
    const today = formatDate(ms, timeZone);
    const generated = generateEmployee(employeeContext, index, ms);
    const emplid = requested ?? String(generated.EMPLID);
    const row: Record<string, unknown> = {
      ...generated,
      EMPLID: emplid,
      EMPL_STATUS: 'A',
      ACTION: 'HIR',
      ACTION_DT: today,
      HIRE_DT: today,
      TERMINATION_DT: null,
      ...partial,
    };
    employees.put(emplid, row, ms);
    return wire({ row, updatedMs: ms }) as Employee;
  };

  const authenticate = (header: string | undefined): string | undefined => {
    if (!header) return undefined;
    const [scheme, value = ''] = header.split(' ', 2);
    if (scheme?.toLowerCase() === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return undefined;
      const oprid = decoded.slice(0, colon);
      const user = Object.hasOwn(users, oprid) ? users[oprid] : undefined;
      return user && user.password === decoded.slice(colon + 1) ? oprid : undefined;
    }
    if (scheme?.toLowerCase() === 'bearer') {
      const token = tokens.get(value);
      return token && token.expiresAtMs > now().getTime() ? token.oprid : undefined;
    }
    return undefined;
  };

  const restAnswer = (req: IncomingMessage, nodeName: string, operationSegment: string, query: URLSearchParams): Answer => {
    if (req.method !== 'GET') return { status: 405, headers: { allow: 'GET', 'content-type': 'text/plain' }, body: 'GET only' };
    const oprid = authenticate(req.headers.authorization);
    if (!oprid) {
      return html(401, '401 Unauthorized', 'A valid user ID and password (or bearer token) are required.', {
        'www-authenticate': 'Basic realm="PSIGW"',
      });
    }
    if (nodeName !== node) {
      return xml(500, ibErrorXml(`Unknown node ${nodeName}: no such node is defined in Integration Broker.`, 10200));
    }
    const parsed = OPERATION_SEGMENT.exec(operationSegment);
    const entity = (Object.keys(operations) as SimulatedEntity[]).find((name) => operations[name] === parsed?.[1]);
    if (!parsed || !entity || Number(parsed[2]) !== 1 || inactive.has(parsed[1]!)) {
      return xml(500, ibErrorXml(`Service operation ${operationSegment} is not active or does not exist.`, 10201));
    }
    const granted = Object.hasOwn(users, oprid) ? users[oprid]?.operations : undefined;
    if (granted && !granted.includes(parsed[1]!)) {
      return xml(403, ibErrorXml(`User ${oprid} is not authorized to invoke service operation ${parsed[1]}.`, 10202));
    }

    const bounds: Array<QueryBound | undefined> = [];
    for (const name of ['updated_since', 'updated_before']) {
      const raw = query.get(name);
      const bound = raw === null || raw === '' ? undefined : readQueryBound(raw, queryFormat);
      if (raw !== null && raw !== '' && !bound) {
        if (queryFormat !== 'any') {
          // A handler that cannot convert the text fails; PeopleTools answers for it.
          return xml(500, ibErrorXml(`OnRequest handler error: Invalid value "${raw}" for parameter ${name} (expected ${QUERY_SHAPES[queryFormat]}).`, 10203));
        }
        return json(400, { error: `invalid ${name} "${raw}": expected ISO-8601, YYYY-MM-DDTHH:MM:SS or YYYY-MM-DD-HH.MM.SS.ffffff`, parameter: name });
      }
      bounds.push(bound);
    }
    const [since, before] = bounds;
    const page = readInteger(query, 'page', 1, 1, Number.MAX_SAFE_INTEGER);
    if (typeof page === 'string') return json(400, { error: page, parameter: 'page' });
    const rows = readInteger(query, 'rows', 500, 1, MAX_ROWS);
    if (typeof rows === 'string') return json(400, { error: rows, parameter: 'rows' });

    const offset = (page.value - 1) * rows.value;
    const result = rangeQuery(tables[entity], since, before, offset, rows.value);
    return json(200, {
      data: result.rows.map(wire),
      page: page.value,
      rows: rows.value,
      totalRows: result.total,
      hasMore: offset + result.rows.length < result.total,
    });
  };

  /**
   * The rows whose last update lies in the range, as the database compares: instants as
   * instants; wall times against the wall time of each row. Wall time repeats in the hour a
   * fall-back change repeats, so a bound inside that hour selects rows from both passes: those
   * ranges are read over every instant they may cover, filtered and sorted by wall time.
   */
  const rangeQuery = (table: SeededTable, since: QueryBound | undefined, before: QueryBound | undefined, offset: number, limit: number) => {
    const candidates = (bound: QueryBound | undefined): number[] | undefined => {
      if (!bound) return undefined;
      if ('instant' in bound) return [bound.instant];
      const found = instantsOfWall(bound.wall, timeZone);
      // A wall time that a spring-forward change skips: the first instant after the gap.
      return found.length > 0 ? found : [zonedWallTimeToUtc(wallParts(bound.wall), timeZone)];
    };
    const lo = candidates(since);
    const hi = candidates(before);
    const loMs = lo ? Math.min(...lo) : Number.NEGATIVE_INFINITY;
    const hiMs = hi ? Math.max(...hi) : Number.POSITIVE_INFINITY;
    if ((lo?.length ?? 1) === 1 && (hi?.length ?? 1) === 1) return table.query(loMs, hiMs, offset, limit);
    const everything = table.query(loMs, hiMs, 0, Number.MAX_SAFE_INTEGER).rows;
    const keyed = everything.map((entry) => ({ entry, wall: wallAt(entry.updatedMs, timeZone) }));
    const inside = keyed.filter(
      ({ entry, wall }) =>
        (!since || ('wall' in since ? wall >= since.wall : entry.updatedMs >= since.instant)) &&
        (!before || ('wall' in before ? wall < before.wall : entry.updatedMs < before.instant)),
    );
    inside.sort((a, b) => (a.wall < b.wall ? -1 : a.wall > b.wall ? 1 : a.entry.updatedMs - b.entry.updatedMs));
    return { rows: inside.slice(offset, offset + limit).map(({ entry }) => entry), total: inside.length };
  };

  const tokenAnswer = async (req: IncomingMessage): Promise<Answer> => {
    if (!options.oauth) return html(404, '404 Not Found', 'No identity provider is configured.');
    if (req.method !== 'POST') return { status: 405, headers: { allow: 'POST', 'content-type': 'text/plain' }, body: 'POST only' };
    const form = new URLSearchParams(await readBody(req));
    let clientId = form.get('client_id');
    let clientSecret = form.get('client_secret');
    const basic = /^basic (.+)$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      clientId = safeDecode(decoded.slice(0, colon));
      clientSecret = safeDecode(decoded.slice(colon + 1));
    }
    if (form.get('grant_type') !== 'client_credentials') return json(400, { error: 'unsupported_grant_type' });
    if (clientId !== options.oauth.clientId || clientSecret !== options.oauth.clientSecret) {
      return json(401, { error: 'invalid_client', error_description: 'Client authentication failed.' });
    }
    const token = randomBytes(24).toString('base64url');
    tokens.set(token, { oprid: options.oauth.oprid, expiresAtMs: now().getTime() + TOKEN_LIFETIME_S * 1000 });
    return json(200, { access_token: token, token_type: 'Bearer', expires_in: TOKEN_LIFETIME_S });
  };

  const waits = new Set<{ timer: NodeJS.Timeout; done: () => void }>();
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const wait = {
        timer: setTimeout(() => {
          waits.delete(wait);
          resolve();
        }, ms),
        done: resolve,
      };
      waits.add(wait);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const entry = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), status: 0 };
    requests.push(entry);
    let answer: Answer;
    const rest = REST_PATH.exec(url.pathname);
    if (url.pathname === '/idp/oauth2/token') {
      answer = await tokenAnswer(req);
    } else if (!rest) {
      answer = html(404, '404 Not Found', 'The requested URL was not found on this server.');
    } else {
      const nodeName = safeDecode(rest[1]!);
      const operationSegment = safeDecode(rest[2]!);
      const requestedPage = Number(url.searchParams.get('page') ?? '1');
      const fault = faults.take({
        operation: OPERATION_SEGMENT.exec(operationSegment)?.[1],
        page: Number.isFinite(requestedPage) ? requestedPage : 1,
      });
      if (fault?.kind === 'change') fault.apply();
      answer = restAnswer(req, nodeName, operationSegment, url.searchParams);
      const delay = faults.pageDelayMs + (fault?.kind === 'slow' ? fault.delayMs : 0);
      if (delay > 0) await sleep(delay);
      if (fault?.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      answer = applyFault(fault, answer);
    }
    entry.status = answer.status;
    if (res.destroyed) return;
    res.writeHead(answer.status, {
      ...answer.headers,
      date: now().toUTCString(),
      'content-length': Buffer.byteLength(answer.body),
    });
    res.end(answer.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(500, { 'content-type': 'text/plain', date: now().toUTCString() });
      res.end(`simulator error: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    node,
    operations,
    async stop() {
      for (const wait of waits) {
        clearTimeout(wait.timer);
        wait.done();
      }
      waits.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    hire,
    rehire: (emplid) => changeEmployee(emplid, (_, today) => ({ ACTION: 'REH', EMPL_STATUS: 'A', ACTION_DT: today, TERMINATION_DT: null })),
    terminate: (emplid) =>
      changeEmployee(emplid, (_, today) => ({ ACTION: 'TER', EMPL_STATUS: 'T', ACTION_DT: today, TERMINATION_DT: today })),
    transfer: (emplid, deptid) =>
      changeEmployee(emplid, (_, today) => ({
        ACTION: 'XFR',
        ACTION_DT: today,
        DEPTID: deptid,
        DEPT_DESCR: DEPARTMENTS[deptid] ?? `Department ${deptid}`,
      })),
    changeTitle: (emplid, title) => changeEmployee(emplid, (_, today) => ({ ACTION: 'DTA', ACTION_DT: today, JOBTITLE: title })),
    update: (emplid, fields) => changeEmployee(emplid, () => fields),
    updateCompany: (companyId, fields) =>
      change(companies, companyId, 'company', () => ({ ...fields, COMPANY: companyId })) as Company,
    employee: (emplid) => {
      const found = employees.get(emplid);
      return found ? (wire(found) as Employee) : undefined;
    },
    company: (companyId) => {
      const found = companies.get(companyId);
      return found ? (wire(found) as Company) : undefined;
    },
    employeeIds: (limit) => employees.keys(limit),
    row: (entity, key) => {
      const found = tables[entity].get(key);
      return found ? wire(found) : undefined;
    },
    updateRow: (entity, key, fields) => {
      const keyFields = Object.fromEntries(SIMULATED_KEY_FIELDS[entity].map((field, index) => [field, key.split('|')[index]]));
      return change(tables[entity], key, entity, (current) => ({ ...fields, ...pickKeys(current, keyFields) }));
    },
    addRow: (entity, row) => {
      const key = keyOf(entity, row);
      if (tables[entity].get(key)) throw new Error(`PeopleSoft simulator: ${entity} ${key} exists`);
      const ms = now().getTime();
      const stored = { ...row, LASTUPDDTTM: new Date(ms).toISOString() };
      tables[entity].put(key, stored, ms);
      return wire({ row: stored, updatedMs: ms });
    },
    keys: (entity, limit) => tables[entity].keys(limit),
    requests,
    faults,
    revokeTokens: () => tokens.clear(),
  };
}

function applyFault(fault: PeopleSoftFault | undefined, answer: Answer): Answer {
  switch (fault?.kind) {
    case 'status':
      return html(fault.status, `Error ${fault.status}`, 'The server encountered a temporary error.');
    case 'html-200':
      return html(
        200,
        'Error 500--Internal Server Error',
        'The server encountered an unexpected condition which prevented it from fulfilling the request.',
      );
    case 'malformed-json':
      return {
        status: 200,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: answer.body.slice(0, Math.max(1, Math.floor(answer.body.length / 2))),
      };
    default:
      return answer;
  }
}

function readInteger(
  query: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
): { value: number } | string {
  const raw = query.get(name);
  if (raw === null || raw === '') return { value: fallback };
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  return Number.isSafeInteger(value) && value >= min && value <= max
    ? { value }
    : `invalid ${name} "${raw}": expected an integer from ${min} to ${max}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

async function readBody(req: IncomingMessage, limit = 16_384): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > limit) break;
  }
  return body;
}

/** The key fields of `current`, whatever `fields` would set (a key never changes in place). */
function pickKeys(current: Readonly<Record<string, unknown>>, keyFields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(keyFields).map((field) => [field, current[field]]));
}
