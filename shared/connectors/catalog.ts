import type { TargetDeclaration } from './TargetConnector';
import type { TargetCatalog } from './TargetDefinition';
import { auditTarget } from './audit/auditTarget';
import { marketoTarget } from './marketo/marketoTarget';
import { zohoTarget } from './zoho/zohoTarget';
import { mailchimpTarget } from './mailchimp/mailchimpTarget';
import { zendeskTarget } from './zendesk/zendeskTarget';
import { peoplesoftCiTarget } from './peoplesoft-ci/peoplesoftCiTarget';
import { procoreTarget } from './procore/procoreTarget';

/**
 * Every target ml-connector knows, by the key used under `targets:` in a customer config. Adding
 * a target is its own folder plus one line here.
 */
export const targetCatalog: TargetCatalog = {
  audit: auditTarget,
  marketo: marketoTarget,
  zoho: zohoTarget,
  mailchimp: mailchimpTarget,
  zendesk: zendeskTarget,
  'peoplesoft-ci': peoplesoftCiTarget,
  procore: procoreTarget,
};

/** The static declarations of a catalog's targets. */
export function declarationsOf(catalog: TargetCatalog): Readonly<Record<string, TargetDeclaration>> {
  return Object.fromEntries(Object.entries(catalog).map(([name, definition]) => [name, definition.declaration]));
}

/** The declarations of the built-in targets. */
export const targetDeclarations: Readonly<Record<string, TargetDeclaration>> = declarationsOf(targetCatalog);
