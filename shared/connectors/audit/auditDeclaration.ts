import type { TargetDeclaration } from '../TargetConnector';

/**
 * The audit log as a target: a flow whose records only need to be on the record (webhook
 * events of a SaaS tool, notifications) writes them here. No external system, no limits.
 */
export const auditDeclaration: TargetDeclaration = {
  name: 'audit',
  maxBatch: 100,
  limits: { windows: [], inFlight: 10 },
  limitsUrl: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html',
  objects: {
    events: { name: 'events', keyField: 'id', actions: ['upsert', 'delete'] },
  },
};
