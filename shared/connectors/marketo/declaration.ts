import type { TargetDeclaration } from '../TargetConnector';
import { marketoLimits } from './marketoLimits';

/**
 * Marketo's objects, keys and limits: 300 records per call; per instance 100 calls per rolling
 * 20 s (606), 10 in flight (615) and a daily quota (607, 50,000 typical) that resets at midnight
 * America/Chicago. Marketo reports no remaining budget in headers.
 */
export const marketoDeclaration: TargetDeclaration = {
  name: 'marketo',
  maxBatch: marketoLimits.maxBatch,
  limits: {
    windows: [{ calls: 100, windowMs: marketoLimits.rateWindowMs }],
    inFlight: 10,
    dailyQuota: { calls: 50_000, timeZone: marketoLimits.quotaTimeZone },
  },
  limitsUrl: 'https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/rest-api',
  objects: {
    leads: { name: 'leads', keyField: 'email', actions: ['upsert', 'delete'] },
    companies: { name: 'companies', keyField: 'externalCompanyId', actions: ['upsert', 'delete'] },
    salespersons: { name: 'salespersons', keyField: 'externalSalesPersonId', actions: ['upsert', 'delete'] },
  },
};
