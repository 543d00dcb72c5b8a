import { createServer } from 'node:http';
import { CallLimiter } from './CallLimiter';
import { createRequestListener } from './createRequestListener';
import { FaultQueue } from './FaultQueue';
import { KeyedObjectStore } from './KeyedObjectStore';
import { keyedObjectRoutes } from './keyedObjectRoutes';
import { leadRoutes } from './leadRoutes';
import { LeadStore } from './LeadStore';
import type { CallLogEntry, MarketoSimulator } from './MarketoSimulator';
import { resolveMarketoSimulatorOptions } from './MarketoSimulatorOptions';
import type { MarketoSimulatorOptions } from './MarketoSimulatorOptions';
import type { RouteMethods } from './Route';
import { STANDARD_COMPANY_FIELDS, STANDARD_SALES_PERSON_FIELDS } from './standardFields';
import { TokenIssuer } from './TokenIssuer';

// Node's default 16 KB header limit would answer 431 before the simulator could answer 414.
const MAX_HEADER_BYTES = 64 * 1024;

/**
 * Starts a simulated Marketo instance on 127.0.0.1: identity endpoint, Lead Database REST
 * endpoints for leads, companies and sales persons, Marketo's limits and error model, and
 * scriptable faults. Point a connector's base URL at `url`.
 */
export async function startMarketoSimulator(options: MarketoSimulatorOptions = {}): Promise<MarketoSimulator> {
  const config = resolveMarketoSimulatorOptions(options);
  const { now } = config;
  const tokens = new TokenIssuer({
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    ttlSeconds: config.tokenTtlSeconds,
    now,
  });
  const limiter = new CallLimiter({ rateLimit: config.rateLimit, dailyQuota: config.dailyQuota, now });
  const faults = new FaultQueue();
  // Owner lookups back the sales person "in use" check, so that index exists from the start.
  const leads = new LeadStore(['email', 'externalSalesPersonId']);
  const companies = new KeyedObjectStore('externalCompanyId');
  const salesPersons = new KeyedObjectStore('externalSalesPersonId');
  const callLog: CallLogEntry[] = [];
  let tokenRequests = 0;

  const routes = new Map<string, RouteMethods>([
    ...leadRoutes({ store: leads, customFields: config.customLeadFields, now }),
    ...keyedObjectRoutes({
      store: companies,
      kind: {
        resource: 'companies',
        label: 'Company',
        fields: [...STANDARD_COMPANY_FIELDS, ...config.customCompanyFields],
        emailFields: [],
      },
      crmSyncEnabled: config.crmSyncEnabled,
      now,
    }),
    ...keyedObjectRoutes({
      store: salesPersons,
      kind: {
        resource: 'salespersons',
        label: 'Sales person',
        fields: [...STANDARD_SALES_PERSON_FIELDS, ...config.customSalesPersonFields],
        emailFields: ['email'],
        inUse: (record) => {
          const owned = leads.find('externalSalesPersonId', record.fields['externalSalesPersonId']).length;
          return owned === 0 ? undefined : `Sales person in use: owns ${owned} lead(s)`;
        },
      },
      crmSyncEnabled: config.crmSyncEnabled,
      now,
    }),
  ]);

  const server = createServer(
    { maxHeaderSize: MAX_HEADER_BYTES },
    createRequestListener({
      tokens,
      limiter,
      faults,
      routes,
      latencyMs: config.latencyMs,
      now,
      onIdentityRequest: () => {
        tokenRequests += 1;
      },
      log: (entry) => {
        callLog.push(entry);
      },
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;

  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
    leads: () => leads.all(),
    companies: () => companies.all(),
    salesPersons: () => salesPersons.all(),
    lead: (email) => leads.find('email', email)[0],
    callLog,
    calls: (predicate) => (predicate === undefined ? callLog.length : callLog.filter(predicate).length),
    get tokenRequests() {
      return tokenRequests;
    },
    faults,
    expireTokens: () => tokens.expireAll(),
    setQuotaUsed: (n) => limiter.setQuotaUsed(n),
    get quotaUsed() {
      return limiter.quotaUsed;
    },
    reset: () => {
      leads.clear();
      companies.clear();
      salesPersons.clear();
      callLog.length = 0;
      faults.clear();
      limiter.reset();
      tokenRequests = 0;
    },
    summary: () =>
      `${leads.all().length} leads, ${salesPersons.all().length} sales persons, ${companies.all().length} companies; ` +
      `${callLog.length} REST calls in all (${tokenRequests} token request${tokenRequests === 1 ? '' : 's'})`,
  };
}
