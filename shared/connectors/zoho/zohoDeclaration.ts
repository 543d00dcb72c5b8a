import type { TargetDeclaration } from '../TargetConnector';

/**
 * Zoho CRM's objects, keys and limits. Up to 100 records per insert / update / upsert call.
 * Credits are a pool per org for a rolling 24 hours (an upsert costs one credit per 10 records,
 * other calls one): the daily quota here is ml-connector's own ledger, lowered or raised by
 * `credits.dailyBudget`. Calls in flight per org and app depend on the edition (Enterprise: 20;
 * `edition` sets it) and heavy calls (upserts of more than 10 records) have their own limit of 10.
 * Module keys are the upsert's first duplicate-check field: `Email` for Contacts, `Account_Name`
 * for Accounts (`duplicateCheck` may try a unique field such as `Employee_ID` first).
 */
export const zohoDeclaration: TargetDeclaration = {
  name: 'zoho',
  maxBatch: 100,
  limits: {
    windows: [],
    inFlight: 10,
    dailyQuota: { calls: 50_000, timeZone: 'UTC' },
  },
  limitsUrl: 'https://www.zoho.com/crm/developer/docs/api/v8/api-limits.html',
  objects: {
    Contacts: { name: 'Contacts', keyField: 'Email', actions: ['upsert'] },
    Accounts: { name: 'Accounts', keyField: 'Account_Name', actions: ['upsert'] },
  },
};
