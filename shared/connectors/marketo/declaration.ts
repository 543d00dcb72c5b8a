import type { TargetDeclaration } from '../TargetConnector';

/** Marketo's objects, keys and limits (300 records per call, 10 calls in flight). */
export const marketoDeclaration: TargetDeclaration = {
  name: 'marketo',
  maxBatch: 300,
  maxConcurrency: 10,
  limitsUrl: 'https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/rest-api',
  objects: {
    leads: { name: 'leads', keyField: 'email', actions: ['upsert', 'delete'] },
    companies: { name: 'companies', keyField: 'externalCompanyId', actions: ['upsert', 'delete'] },
    salespersons: { name: 'salespersons', keyField: 'externalSalesPersonId', actions: ['upsert', 'delete'] },
  },
};
