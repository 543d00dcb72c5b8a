import type { TargetDeclaration } from '../TargetConnector';
import { procoreLimits } from './procoreLimits';

/**
 * Procore's objects, keys and limits. Company vendors and GL accounts (as cost codes of every
 * configured project) are written with sync actions keyed by `origin_id`, up to 1,000 a call;
 * purchase order contracts (commitments) are keyed by project and `origin_id`. Requisitions,
 * direct costs and change orders are only read (webhook follow-ups and the reconciliation poll).
 * Two windows per app and company, hourly and a 10-second spike window (the config lowers them
 * to what the company's headers say); every answer reports the closer one in `X-Rate-Limit-*`.
 */
export const procoreDeclaration: TargetDeclaration = {
  name: 'procore',
  maxBatch: procoreLimits.maxSyncItems,
  limits: {
    windows: [
      { calls: procoreLimits.hourlyCalls, windowMs: procoreLimits.hourlyWindowMs },
      { calls: procoreLimits.spikeCalls, windowMs: procoreLimits.spikeWindowMs },
    ],
    inFlight: procoreLimits.inFlight,
    headers: { remaining: 'X-Rate-Limit-Remaining', reset: { header: 'X-Rate-Limit-Reset', format: 'epoch-seconds' } },
  },
  limitsUrl: 'https://developers.procore.com/documentation/rate-limiting',
  objects: {
    vendors: { name: 'vendors', keyField: 'origin_id', actions: ['upsert', 'delete'] },
    'cost-codes': { name: 'cost-codes', keyField: 'origin_id', actions: ['upsert', 'delete'] },
    commitments: { name: 'commitments', keyField: 'project_id', keyFields: ['project_id', 'origin_id'], actions: ['upsert'] },
    requisitions: { name: 'requisitions', keyField: 'id', actions: [] },
    'direct-costs': { name: 'direct-costs', keyField: 'id', actions: [] },
    'change-orders': { name: 'change-orders', keyField: 'id', actions: [] },
  },
};
