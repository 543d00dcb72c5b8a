import type { TargetDeclaration } from '../TargetConnector';
import { mailchimpLimits } from './mailchimpLimits';

/**
 * Mailchimp's objects, keys and limits. Each object is an audience role (`employees` for F3,
 * `contacts` for F4) whose list id comes from `targets.mailchimp.audiences`, so two flows write two
 * audiences. The key is the lower-cased e-mail address (the subscriber hash is its MD5). `delete`
 * unsubscribes: the connector never archives or permanently deletes a member. 500 members per
 * call; 10 connections in flight per user across every flow and container; no call windows, no
 * daily quota and no budget headers.
 */
export const mailchimpDeclaration: TargetDeclaration = {
  name: 'mailchimp',
  maxBatch: mailchimpLimits.maxBatch,
  limits: { windows: [], inFlight: mailchimpLimits.inFlight },
  // A 500-member call holds a connection for seconds; twice as many writers as connections keep
  // every connection busy while the others record their results.
  writers: 2 * mailchimpLimits.inFlight,
  limitsUrl: 'https://mailchimp.com/developer/marketing/docs/fundamentals/#api-limits',
  objects: {
    employees: { name: 'employees', keyField: 'email_address', actions: ['upsert', 'delete'] },
    contacts: { name: 'contacts', keyField: 'email_address', actions: ['upsert', 'delete'] },
  },
};
