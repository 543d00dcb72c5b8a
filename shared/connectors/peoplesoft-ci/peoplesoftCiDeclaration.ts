import type { TargetDeclaration } from '../TargetConnector';
import { peoplesoftCiLimits } from './peoplesoftCiLimits';

/**
 * PeopleSoft Financials as a target, written through component-interface SOAP services: purchase
 * orders (from Procore commitments) and GL journal entries (from Procore direct costs and change
 * orders). Both are keyed by `ORIGIN_ID`, the id of the record in the system it came from, which
 * the connector stores in a configured field of the PeopleSoft record (the origin marker) and
 * finds it by. PeopleSoft sits behind the customer's firewall: the writer reaches it only through
 * the stack's static egress IP. One record per call; the declared in-flight limit is the default,
 * and `targets.peoplesoft-ci.inFlight` lowers or raises it.
 */
export const peoplesoftCiDeclaration: TargetDeclaration = {
  name: 'peoplesoft-ci',
  maxBatch: peoplesoftCiLimits.maxBatch,
  limits: { windows: [], inFlight: peoplesoftCiLimits.inFlight },
  limitsUrl: 'https://docs.oracle.com/cd/F28299_01/pt857pbr3/eng/pt/tiba/task_WorkingWiththePeopleSoftServicesListeningConnector-fe7f06.html',
  reachedThrough: 'static-egress-ip',
  objects: {
    'purchase-orders': { name: 'purchase-orders', keyField: 'ORIGIN_ID', actions: ['upsert'] },
    journals: { name: 'journals', keyField: 'ORIGIN_ID', actions: ['upsert'] },
  },
};
